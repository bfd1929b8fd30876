"""Opening and changing dues campaigns: the district's keepers only, each field checked
and named, one campaign per area and year, every change recorded; nothing half-stored."""

from datetime import date

import pytest
from django.utils import timezone

from casework.duescampaigns import services
from casework.duescampaigns.models import DuesCampaign
from casework.errors import CaseConflict, InvalidInput, NotPermitted
from casework.models import RecordEvent
from tests import factories as f

GOOD = {"year": 2025, "starts_on": date(2025, 3, 1), "ends_on": date(2025, 11, 30)}


@pytest.fixture
def district(staff):
    return staff["district"]


def test_the_district_opens_a_pilot_campaign_for_a_township(areas, district):
    campaign = services.open_campaign(actor=district, area=areas["t1"], pilot=True,
                                      target_percent=85, note=" 先行试点 ", **GOOD)
    assert (campaign.area_id, campaign.year, campaign.pilot, campaign.starts_on,
            campaign.ends_on, campaign.target_percent, campaign.note, campaign.created_by) == (
        "330703001", 2025, True, date(2025, 3, 1), date(2025, 11, 30), 85, "先行试点",
        district)
    event = RecordEvent.objects.get()
    assert (event.action, event.subject, event.subject_id, event.area_id, event.actor) == (
        "dues_campaign_opened", "duescampaigns.duescampaign", str(campaign.pk), "330703001",
        district)
    assert event.detail["pilot"] is True and event.detail["target_percent"] == 85
    wide = services.open_campaign(actor=district, area=areas["district"], **GOOD)
    assert wide.area_id == "330703" and not wide.pilot


@pytest.mark.parametrize("role", ["township", "village", "auditor", "township_other"])
def test_only_the_districts_keepers_open_campaigns(areas, staff, role):
    with pytest.raises(NotPermitted):
        services.open_campaign(actor=staff[role], area=areas["t1"], **GOOD)
    assert not DuesCampaign.objects.exists() and not RecordEvent.objects.exists()


def test_an_administrator_of_the_district_may_but_not_one_of_a_township(areas):
    services.open_campaign(actor=f.user("admin", areas["district"]), area=areas["t1"], **GOOD)
    with pytest.raises(NotPermitted):
        services.open_campaign(actor=f.user("admin", areas["t1"]), area=areas["t1"],
                               **{**GOOD, "year": 2024, "starts_on": date(2024, 3, 1),
                                  "ends_on": date(2024, 5, 1)})
    assert DuesCampaign.objects.count() == 1


@pytest.mark.parametrize(("changes", "field"), [
    ({"area": "v11"}, "area"),
    ({"area": "district", "pilot": True}, "pilot"),
    ({"year": 1999}, "year"),
    ({"year": timezone.localdate().year + 2}, "year"),
    ({"starts_on": date(2024, 9, 30)}, "starts_on"),  # before 1 October of the year before
    ({"starts_on": date(2026, 1, 1), "ends_on": date(2026, 2, 1)}, "starts_on"),
    ({"ends_on": date(2026, 4, 1)}, "ends_on"),  # after 31 March of the year after
    ({"ends_on": date(2024, 12, 31), "starts_on": date(2024, 10, 1)}, "ends_on"),
    ({"ends_on": date(2025, 2, 1)}, "ends_on"),  # before it starts
    ({"target_percent": 101}, "target_percent"),
    ({"target_percent": -1}, "target_percent"),
    ({"note": "x" * 2001}, "note"),
])
def test_bad_input_names_the_field_and_stores_nothing(areas, district, changes, field):
    data = {**GOOD, "area": areas["t1"], **changes}
    if isinstance(data["area"], str):
        data["area"] = areas[data["area"]]
    with pytest.raises(InvalidInput) as exc:
        services.open_campaign(actor=district, **data)
    assert exc.value.field == field
    assert not DuesCampaign.objects.exists() and not RecordEvent.objects.exists()


def test_one_campaign_per_area_and_year(areas, district):
    services.open_campaign(actor=district, area=areas["t1"], **GOOD)
    with pytest.raises(CaseConflict) as exc:
        services.open_campaign(actor=district, area=areas["t1"], **GOOD)
    assert (exc.value.field, exc.value.code) == ("area", "campaign_exists")
    services.open_campaign(actor=district, area=areas["t1"],
                           **{**GOOD, "year": 2024, "starts_on": date(2024, 3, 1),
                              "ends_on": date(2024, 10, 1)})
    assert DuesCampaign.objects.count() == 2
    assert RecordEvent.objects.filter(action="dues_campaign_opened").count() == 2


def test_a_change_is_recorded_with_what_changed(areas, district, staff):
    campaign = services.open_campaign(actor=district, area=areas["t1"], **GOOD)
    services.change_campaign(actor=district, campaign=campaign, pilot=True,
                             starts_on=date(2025, 3, 1), ends_on=date(2025, 12, 15),
                             target_percent=90, note="")
    campaign.refresh_from_db()
    assert (campaign.pilot, campaign.ends_on, campaign.target_percent) == (
        True, date(2025, 12, 15), 90)
    event = RecordEvent.objects.filter(action="dues_campaign_changed").get()
    assert event.detail == {"pilot": [False, True], "ends_on": ["2025-11-30", "2025-12-15"],
                            "target_percent": [None, 90]}
    with pytest.raises(InvalidInput) as exc:
        services.change_campaign(actor=district, campaign=campaign, pilot=True,
                                 starts_on=date(2025, 3, 1), ends_on=date(2027, 1, 1),
                                 target_percent=90)
    assert exc.value.field == "ends_on"
    with pytest.raises(NotPermitted):
        services.change_campaign(actor=staff["township"], campaign=campaign, pilot=False,
                                 starts_on=date(2025, 3, 1), ends_on=date(2025, 12, 15),
                                 target_percent=None)
    campaign.refresh_from_db()
    assert (campaign.pilot, campaign.ends_on) == (True, date(2025, 12, 15))
    assert RecordEvent.objects.filter(action="dues_campaign_changed").count() == 1
