"""The health-check services: opening a campaign and its member list, refreshing it,
recording results (one, and a batch all or nothing), changing a campaign; who may."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from casework.errors import CaseConflict, InvalidInput, NotPermitted
from casework.healthchecks import services
from casework.healthchecks.models import HealthCheckCampaign, HealthCheckRecord
from casework.models import RecordEvent

from .conftest import FIRST, LAST, YEAR, open_campaign

R = HealthCheckRecord.Result


def listed(campaign) -> set[str]:
    return set(HealthCheckRecord.objects.filter(campaign=campaign)
               .values_list("person__name", flat=True))


def nothing_stored():
    assert not HealthCheckCampaign.objects.exists()
    assert not HealthCheckRecord.objects.exists()
    assert not RecordEvent.objects.filter(subject__startswith="healthchecks.").exists()


# --- opening ---------------------------------------------------------------------------------

def test_opening_lists_the_members_active_on_the_first_day(roster, campaign):
    # not the child (no member), the one who left before, those who joined later, nor v21
    assert listed(campaign) == {"王户主", "李配偶", "张邻居"}
    records = HealthCheckRecord.objects.filter(campaign=campaign)
    assert {r.result for r in records} == {R.PENDING}
    assert {r.area_id for r in records} == {campaign.area_id}
    assert all(r.checked_on is None and r.recorded_at is None for r in records)
    event = RecordEvent.objects.get(subject="healthchecks.healthcheckcampaign",
                                    subject_id=str(campaign.pk))
    assert event.action == "campaign_opened"
    assert event.actor == roster["users"]["village"]
    assert event.area_id == campaign.area_id
    assert event.detail == {"year": YEAR, "first_day": FIRST.isoformat(),
                            "last_day": LAST.isoformat(), "funding_yuan": "360.00",
                            "members_listed": 3}
    assert campaign.funding_yuan == Decimal("360.00")
    assert campaign.created_by == roster["users"]["village"]


def test_a_member_who_leaves_after_the_first_day_is_listed(roster):
    from casework.models import Membership

    Membership.objects.filter(person=roster["gone"]).update(left=FIRST + timedelta(days=1))
    campaign = open_campaign(roster["users"]["village"], roster["areas"]["v11"])
    assert "张离会" in listed(campaign)


@pytest.mark.parametrize(("first", "last", "field"), [
    (date(YEAR - 1, 12, 31), LAST, "first_day"),
    (FIRST, date(YEAR + 1, 1, 1), "last_day"),
    (date(YEAR + 1, 1, 2), date(YEAR + 1, 1, 3), "first_day"),
    (LAST, FIRST, "last_day"),
])
def test_campaign_days_outside_the_year_are_refused_naming_the_field(roster, first, last,
                                                                     field):
    with pytest.raises(InvalidInput) as caught:
        open_campaign(roster["users"]["village"], roster["areas"]["v11"], first=first,
                      last=last)
    assert caught.value.field == field
    nothing_stored()


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"funding_yuan": "-1"}, "funding_yuan"),
    ({"funding_yuan": "1.234"}, "funding_yuan"),
    ({"funding_yuan": "abc"}, "funding_yuan"),
    ({"year": 1999, "first": date(1999, 5, 1), "last": date(1999, 5, 2)}, "year"),
    ({"venue": "x" * 201}, "venue"),
])
def test_other_bad_input_names_its_field(roster, kwargs, field):
    with pytest.raises(InvalidInput) as caught:
        open_campaign(roster["users"]["village"], roster["areas"]["v11"], **kwargs)
    assert caught.value.field == field
    nothing_stored()


def test_a_second_campaign_of_the_same_year_is_a_conflict(roster, campaign):
    with pytest.raises(CaseConflict) as caught:
        open_campaign(roster["users"]["admin"], roster["areas"]["v11"])
    assert caught.value.field == "year"
    assert HealthCheckCampaign.objects.count() == 1


def test_only_a_village_can_hold_a_campaign(roster):
    with pytest.raises(InvalidInput) as caught:
        open_campaign(roster["users"]["admin"], roster["areas"]["t1"])
    assert caught.value.field == "area"
    nothing_stored()


@pytest.mark.parametrize("role", ["village_other", "township", "district", "auditor",
                                  "family"])
def test_only_the_village_and_admins_open_a_campaign(roster, role):
    with pytest.raises(NotPermitted):
        open_campaign(roster["users"][role], roster["areas"]["v11"])
    nothing_stored()


def test_an_admin_of_the_district_opens_one(roster):
    campaign = open_campaign(roster["users"]["admin"], roster["areas"]["v21"])
    assert listed(campaign) == {"赵外村"}


# --- refreshing ------------------------------------------------------------------------------

def test_refresh_adds_who_joined_during_the_days_and_removes_nobody(roster, campaign):
    from casework.models import Membership

    # the neighbour leaves the association: their row stays
    Membership.objects.filter(person=roster["neighbour"]).update(left=LAST)
    added = services.refresh_members(actor=roster["users"]["village"], campaign=campaign)
    assert added == 1
    assert listed(campaign) == {"王户主", "李配偶", "张邻居", "张新会"}  # not 张后来 (August)
    event = RecordEvent.objects.filter(subject_id=str(campaign.pk)).order_by("-id").first()
    assert event.action == "members_added"
    assert event.detail == {"added": 1, "person_ids": [roster["joiner"].pk]}
    events = RecordEvent.objects.count()
    assert services.refresh_members(actor=roster["users"]["admin"], campaign=campaign) == 0
    assert RecordEvent.objects.count() == events  # no change, no event


@pytest.mark.parametrize("role", ["township", "district", "auditor", "village_other"])
def test_readers_cannot_refresh(roster, campaign, role):
    with pytest.raises(NotPermitted):
        services.refresh_members(actor=roster["users"][role], campaign=campaign)
    assert HealthCheckRecord.objects.count() == 3


# --- results ---------------------------------------------------------------------------------

def rows(*items):
    return [services.ResultInput(*item) for item in items]


def test_a_batch_records_every_row_and_its_events(roster, campaign):
    village = roster["users"]["village"]
    head, spouse, neighbour = roster["head"], roster["spouse"], roster["neighbour"]
    changed = services.record_results(actor=village, campaign=campaign, rows=rows(
        (head.pk, R.DONE, FIRST), (spouse.pk, R.REFERRED, LAST),
        (neighbour.pk, R.NOT_DONE, None)))
    assert {r.person_id for r in changed} == {head.pk, spouse.pk, neighbour.pk}
    got = {r.person_id: (r.result, r.checked_on, r.recorded_by_id)
           for r in HealthCheckRecord.objects.filter(campaign=campaign)}
    assert got == {head.pk: (R.DONE, FIRST, village.pk), spouse.pk: (R.REFERRED, LAST, village.pk),
                   neighbour.pk: (R.NOT_DONE, None, village.pk)}
    events = RecordEvent.objects.filter(action="result_recorded").order_by("id")
    assert [e.detail["person"] for e in events] == [head.pk, spouse.pk, neighbour.pk]
    first = events[0]
    assert first.subject == "healthchecks.healthcheckrecord"
    assert first.detail == {"campaign": campaign.pk, "person": head.pk, "result": "done",
                            "checked_on": FIRST.isoformat(), "was": "pending",
                            "was_checked_on": None}
    # the same page again changes nothing and records nothing
    again = services.record_results(actor=village, campaign=campaign, rows=rows(
        (head.pk, R.DONE, FIRST), (spouse.pk, R.REFERRED, LAST)))
    assert again == [] and events.count() == 3


def test_a_batch_with_one_bad_row_stores_nothing(roster, campaign):
    head, spouse = roster["head"], roster["spouse"]
    with pytest.raises(services.BatchRejected) as caught:
        services.record_results(actor=roster["users"]["village"], campaign=campaign,
                                rows=rows((head.pk, R.DONE, FIRST),
                                          (roster["stranger"].pk, R.DONE, FIRST),
                                          (spouse.pk, R.DONE, LAST + timedelta(days=1))))
    errors = [(e.row, e.field, e.person_id) for e in caught.value.errors]
    assert errors == [(2, "person", roster["stranger"].pk), (3, "checked_on", spouse.pk)]
    assert caught.value.field == "results"
    assert "第2行" in caught.value.message  # in the site's language, the field by its label
    assert "person" not in caught.value.message
    assert set(HealthCheckRecord.objects.values_list("result", flat=True)) == {R.PENDING}
    assert not RecordEvent.objects.filter(action="result_recorded").exists()


@pytest.mark.parametrize(("result", "day", "field"), [
    (R.DONE, None, "checked_on"),
    (R.REFERRED, None, "checked_on"),
    (R.DONE, FIRST - timedelta(days=1), "checked_on"),
    (R.NOT_DONE, FIRST, "checked_on"),
    (R.PENDING, FIRST, "checked_on"),
    ("healthy", FIRST, "result"),
])
def test_a_bad_result_names_its_field(roster, campaign, result, day, field):
    with pytest.raises(services.BatchRejected) as caught:
        services.record_results(actor=roster["users"]["village"], campaign=campaign,
                                rows=rows((roster["head"].pk, result, day)))
    assert [(e.row, e.field) for e in caught.value.errors] == [(1, field)]
    assert set(HealthCheckRecord.objects.values_list("result", flat=True)) == {R.PENDING}


def test_a_person_twice_and_a_person_not_listed_are_refused(roster, campaign):
    head = roster["head"]
    with pytest.raises(services.BatchRejected) as caught:
        services.record_results(actor=roster["users"]["village"], campaign=campaign,
                                rows=rows((head.pk, R.DONE, FIRST), (head.pk, R.NOT_DONE, None),
                                          (roster["child"].pk, R.DONE, FIRST)))
    assert [(e.row, e.field) for e in caught.value.errors] == [(2, "person"), (3, "person")]
    assert not HealthCheckRecord.objects.exclude(result=R.PENDING).exists()


def test_a_check_day_in_the_future_is_refused(roster):
    today = timezone.localdate()
    year = today.year + 1
    campaign = open_campaign(roster["users"]["village"], roster["areas"]["v11"], year=year,
                             first=date(year, 1, 1), last=date(year, 12, 31))
    record = HealthCheckRecord.objects.filter(campaign=campaign).first()
    with pytest.raises(InvalidInput) as caught:
        services.record_result(actor=roster["users"]["village"], record=record,
                               result=R.DONE, checked_on=date(year, 1, 2))
    assert caught.value.field == "checked_on"
    record.refresh_from_db()
    assert record.result == R.PENDING


def test_an_empty_batch_is_refused(roster, campaign):
    with pytest.raises(InvalidInput) as caught:
        services.record_results(actor=roster["users"]["village"], campaign=campaign, rows=[])
    assert caught.value.field == "results"


def test_record_one_result_and_correct_it(roster, campaign):
    record = HealthCheckRecord.objects.get(campaign=campaign, person=roster["head"])
    services.record_result(actor=roster["users"]["village"], record=record, result=R.DONE,
                           checked_on=LAST)
    assert (record.result, record.checked_on) == (R.DONE, LAST)
    services.record_result(actor=roster["users"]["admin"], record=record, result=R.NOT_DONE)
    record.refresh_from_db()
    assert (record.result, record.checked_on) == (R.NOT_DONE, None)
    assert record.recorded_by == roster["users"]["admin"]
    history = RecordEvent.objects.filter(subject="healthchecks.healthcheckrecord",
                                         subject_id=str(record.pk)).order_by("id")
    assert [(e.detail["was"], e.detail["result"]) for e in history] == [
        ("pending", "done"), ("done", "not_done")]


@pytest.mark.parametrize("role", ["township", "district", "auditor", "village_other",
                                  "family"])
def test_readers_cannot_record_results(roster, campaign, role):
    with pytest.raises(NotPermitted):
        services.record_results(actor=roster["users"][role], campaign=campaign,
                                rows=rows((roster["head"].pk, R.DONE, FIRST)))
    assert set(HealthCheckRecord.objects.values_list("result", flat=True)) == {R.PENDING}


# --- changing a campaign ---------------------------------------------------------------------

def test_changing_days_and_funding_is_validated_again(roster, campaign):
    village = roster["users"]["village"]
    with pytest.raises(InvalidInput) as caught:
        services.update_campaign(actor=village, campaign=campaign,
                                 last_day=date(YEAR + 1, 1, 1))
    assert caught.value.field == "last_day"
    with pytest.raises(InvalidInput) as caught:
        services.update_campaign(actor=village, campaign=campaign, first_day=LAST,
                                 last_day=FIRST)
    assert caught.value.field == "last_day"
    with pytest.raises(InvalidInput) as caught:
        services.update_campaign(actor=village, campaign=campaign, funding_yuan="-5")
    assert caught.value.field == "funding_yuan"
    campaign.refresh_from_db()
    assert (campaign.first_day, campaign.last_day, campaign.funding_yuan) == (
        FIRST, LAST, Decimal("360.00"))
    assert not RecordEvent.objects.filter(action="campaign_changed").exists()

    updated = services.update_campaign(actor=village, campaign=campaign,
                                       last_day=LAST + timedelta(days=2), funding_yuan="400",
                                       venue="村委会", note="第二天下午")
    assert (updated.last_day, updated.funding_yuan, updated.venue) == (
        LAST + timedelta(days=2), Decimal("400.00"), "村委会")
    event = RecordEvent.objects.get(action="campaign_changed")
    assert event.detail == {"changes": {
        "last_day": [LAST.isoformat(), (LAST + timedelta(days=2)).isoformat()],
        "funding_yuan": ["360.00", "400.00"], "venue": ["村文化礼堂", "村委会"],
        "note": "changed"}}


def test_new_days_must_hold_the_checks_already_recorded(roster, campaign):
    village = roster["users"]["village"]
    services.record_results(actor=village, campaign=campaign,
                            rows=rows((roster["head"].pk, R.DONE, FIRST),
                                      (roster["spouse"].pk, R.DONE, LAST)))
    with pytest.raises(InvalidInput) as caught:
        services.update_campaign(actor=village, campaign=campaign,
                                 first_day=FIRST + timedelta(days=1))
    assert caught.value.field == "first_day"
    with pytest.raises(InvalidInput) as caught:
        services.update_campaign(actor=village, campaign=campaign,
                                 last_day=LAST - timedelta(days=1))
    assert caught.value.field == "last_day"
    campaign.refresh_from_db()
    assert (campaign.first_day, campaign.last_day) == (FIRST, LAST)


@pytest.mark.parametrize("role", ["township", "district", "auditor"])
def test_readers_cannot_change_a_campaign(roster, campaign, role):
    with pytest.raises(NotPermitted):
        services.update_campaign(actor=roster["users"][role], campaign=campaign,
                                 funding_yuan="1")
    campaign.refresh_from_db()
    assert campaign.funding_yuan == Decimal("360.00")


def test_the_database_refuses_a_check_without_its_day(roster, campaign):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        HealthCheckRecord.objects.filter(campaign=campaign).update(result=R.DONE)
    with pytest.raises(IntegrityError), transaction.atomic():
        HealthCheckCampaign.objects.filter(pk=campaign.pk).update(first_day=LAST,
                                                                  last_day=FIRST)
