"""The dues campaigns' pages in the roster: the list (scoped), opening and changing a
campaign (the district's keepers; others 403, out of scope 404), the rates page (exact
numbers, pilots marked, arrears links) in a constant number of statements."""

from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework.duescampaigns.models import DuesCampaign
from casework.models import RecordEvent
from tests import factories as f

from .conftest import member

RATES = reverse("register:duescampaigns-rates")
LIST = reverse("register:duescampaigns-list")
NEW = reverse("register:duescampaigns-new")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_list_shows_the_campaigns_of_the_users_area_and_above(world, staff):
    c = world["campaigns"]
    seen = lambda user: {row.pk for row in client_for(user).get(LIST).context["rows"]}  # noqa: E731
    assert seen(staff["district"]) == {c["t1"].pk, c["t2"].pk, c["t2_2024"].pk,
                                       c["district"].pk}
    assert seen(staff["township"]) == {c["t1"].pk, c["district"].pk}
    assert seen(staff["village"]) == {c["t1"].pk, c["district"].pk}
    assert seen(staff["village_other"]) == {c["t2"].pk, c["t2_2024"].pk, c["district"].pk}
    response = client_for(staff["district"]).get(LIST, {"year": 2024})
    assert [row.pk for row in response.context["rows"]] == [c["t2_2024"].pk]
    assert "wf-campaign-new" in client_for(staff["district"]).get(LIST).content.decode()
    assert "wf-campaign-new" not in client_for(staff["township"]).get(LIST).content.decode()


def test_the_district_opens_a_campaign_through_the_form(areas, staff):
    client = client_for(staff["district"])
    assert client.get(NEW).status_code == 200
    response = client.post(NEW, {"area": "330703002", "year": 2025, "pilot": "on",
                                 "starts_on": "2025-03-01", "ends_on": "2025-12-01",
                                 "target_percent": "75", "note": "试点"})
    assert response.status_code == 302
    campaign = DuesCampaign.objects.get()
    assert (campaign.area_id, campaign.pilot, campaign.target_percent) == ("330703002", True, 75)
    # a bad date: the form again, the field named, nothing more stored
    response = client.post(NEW, {"area": "330703001", "year": 2025, "starts_on": "2025-03-01",
                                 "ends_on": "2026-06-01"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert 'data-field="ends_on"' in response.content.decode()
    response = client.post(NEW, {"area": "330703002", "year": 2025, "starts_on": "2025-03-01",
                                 "ends_on": "2025-06-01"}, HTTP_ACCEPT_LANGUAGE="en")
    assert 'data-field="area"' in response.content.decode()  # already has one
    assert DuesCampaign.objects.count() == 1


@pytest.mark.parametrize("role", ["township", "village", "auditor"])
def test_readers_may_not_open_or_change(world, staff, role):
    client = client_for(staff[role])
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, {"area": "330703001", "year": 2024, "starts_on": "2024-03-01",
                             "ends_on": "2024-06-01"}).status_code == 403
    own = world["campaigns"]["district"]
    url = reverse("register:duescampaigns-edit", args=[own.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"starts_on": "2025-02-01", "ends_on": "2025-12-01"}
                       ).status_code == 403
    own.refresh_from_db()
    assert own.starts_on == date(2025, 1, 1)
    assert DuesCampaign.objects.count() == 4


def test_a_campaign_out_of_scope_is_not_found(world, staff):
    other = world["campaigns"]["t2"]
    url = reverse("register:duescampaigns-edit", args=[other.pk])
    assert client_for(staff["township"]).get(url).status_code == 404
    assert client_for(staff["township"]).post(url, {}).status_code == 404
    missing = reverse("register:duescampaigns-edit", args=[999999])
    assert client_for(staff["district"]).get(missing).status_code == 404


def test_the_district_changes_a_campaign(world, staff):
    campaign = world["campaigns"]["t2"]
    url = reverse("register:duescampaigns-edit", args=[campaign.pk])
    client = client_for(staff["district"])
    assert client.get(url).status_code == 200
    response = client.post(url, {"pilot": "on", "starts_on": "2025-04-01",
                                 "ends_on": "2025-12-31", "target_percent": "70"})
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert (campaign.pilot, campaign.target_percent) == (True, 70)
    assert RecordEvent.objects.filter(action="dues_campaign_changed",
                                      subject_id=str(campaign.pk)).exists()


def test_the_rates_page_shows_exact_numbers_and_marks_the_pilots(world, staff):
    client = client_for(staff["district"])
    response = client.get(RATES, {"year": 2025, "as_of": "2025-12-31"},
                          HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    text = response.content.decode()
    assert '<dd class="wf-total-owing">8</dd>' in text
    assert '<dd class="wf-total-paid">5</dd>' in text
    assert '<dd class="wf-total-collected">55.00</dd>' in text
    assert '<dd class="wf-total-percent">62.5 %</dd>' in text
    assert 'data-area="330703001" class="wf-pilot-row"' in text
    assert 'data-area="330703002" class="wf-pilot-row"' not in text
    assert "wf-rates-villages" not in text  # the district shows its townships
    response = client.get(RATES, {"year": 2025, "as_of": "2025-12-31", "area": "330703001"})
    text = response.content.decode()
    table = response.context["table"]
    assert [(r.code, r.members_owing, r.members_paid) for r in table.villages] == [
        ("330703001001", 5, 3), ("330703001002", 1, 1)]
    arrears = reverse("register:arrears")
    assert f'href="{arrears}?area=330703001001&amp;year=2025"' in text
    # the arrears list it links to answers for that village and year
    assert client.get(arrears, {"area": "330703001001", "year": 2025}).status_code == 200


def test_the_rates_page_is_scoped(world, staff):
    assert client_for(staff["township"]).get(RATES, {"area": "330703002"}).status_code == 404
    assert client_for(staff["village"]).get(RATES, {"area": "330703001"}).status_code == 404
    assert client_for(staff["township"]).get(RATES, {"area": "33070300100X"}
                                             ).status_code == 404
    page = client_for(staff["village"]).get(RATES, {"year": 2025, "as_of": "2025-12-31"})
    assert page.status_code == 200
    assert [r.code for r in page.context["table"].villages] == ["330703001001"]


def test_families_are_sent_to_their_own_pages(world, areas, client):
    family = f.user("family", areas["v11"], household=f.household(areas["v11"]))
    client.force_login(family)
    for url in (LIST, NEW, RATES):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == "/family/"


@pytest.mark.parametrize("url", [RATES, LIST])
def test_the_pages_read_a_constant_number_of_statements(world, areas, staff, url):
    client = client_for(staff["township"])
    params = {"year": 2025, "area": "330703001"} if url == RATES else {}
    client.get(url, params)
    with CaptureQueriesContext(connection) as few:
        client.get(url, params)
    for i in range(25):
        member(areas["v12"], f"Y{i}", date(2020, 1, 1),
               payments=[(2025, date(2025, 4, 1), 10)] if i % 3 else [])
    with CaptureQueriesContext(connection) as many:
        response = client.get(url, params)
    assert response.status_code == 200
    assert len(few.captured_queries) == len(many.captured_queries)
