"""The health-check API: scoping (404 outside), opening and changing a campaign, a batch
of results (all or nothing, rows named), coverage, constant statements, and a schema
without warnings for these endpoints."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import include, path, reverse
from rest_framework.test import APIClient

from casework.healthchecks import services
from casework.healthchecks.models import HealthCheckCampaign, HealthCheckRecord
from casework.models import RecordEvent
from tests import factories as f

from .conftest import FIRST, LAST, YEAR, member, open_campaign

R = HealthCheckRecord.Result


@pytest.fixture
def api(db):
    def make(user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client
    return make


def url(name, *args):
    return reverse(f"api:healthchecks-{name}", args=args)


def test_urls_are_where_the_brief_says():
    assert url("campaigns") == "/api/v1/health-check-campaigns/"
    assert url("campaign", 7) == "/api/v1/health-check-campaigns/7/"
    assert url("records", 7) == "/api/v1/health-check-campaigns/7/records/"
    assert url("coverage") == "/api/v1/health-check-coverage/"


def test_list_and_detail_are_scoped(api, roster, campaign):
    other = open_campaign(roster["users"]["village_other"], roster["areas"]["v21"])
    village = api(roster["users"]["village"])
    body = village.get(url("campaigns")).json()
    assert [c["id"] for c in body["results"]] == [campaign.pk]
    assert body["results"][0]["listed"] == 3 and body["results"][0]["pending"] == 3
    assert body["results"][0]["coverage_percent"] == "0.0"
    assert village.get(url("campaign", other.pk)).status_code == 404
    assert village.get(url("records", other.pk)).status_code == 404
    assert village.patch(url("campaign", other.pk), {"venue": "x"},
                         format="json").status_code == 404
    assert village.post(url("records", other.pk), {"results": []},
                        format="json").status_code == 404
    district = api(roster["users"]["district"]).get(url("campaigns"), {"year": YEAR}).json()
    assert {c["id"] for c in district["results"]} == {campaign.pk, other.pk}
    assert api(roster["users"]["district"]).get(url("campaigns"), {"year": "x"}
                                                ).status_code == 400
    assert api(roster["users"]["family"]).get(url("campaigns")).json()["results"] == []
    assert api(roster["users"]["family"]).get(url("campaign", campaign.pk)).status_code == 404


def test_opening_a_campaign(api, roster):
    client = api(roster["users"]["village"])
    data = {"area": roster["areas"]["v11"].code, "year": YEAR,
            "first_day": FIRST.isoformat(), "last_day": date(YEAR + 1, 1, 1).isoformat(),
            "funding_yuan": "200.00", "venue": "礼堂"}
    bad = client.post(url("campaigns"), data, format="json")
    assert bad.status_code == 400 and "last_day" in bad.json()
    assert not HealthCheckCampaign.objects.exists() and not HealthCheckRecord.objects.exists()
    negative = client.post(url("campaigns"), {**data, "last_day": LAST.isoformat(),
                                              "funding_yuan": "-1"}, format="json")
    assert negative.status_code == 400 and "funding_yuan" in negative.json()
    created = client.post(url("campaigns"), {**data, "last_day": LAST.isoformat()},
                          format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["area"], body["year"], body["listed"], body["funding_yuan"]) == (
        roster["areas"]["v11"].code, YEAR, 3, "200.00")
    again = client.post(url("campaigns"), {**data, "last_day": LAST.isoformat()},
                        format="json")
    assert again.status_code == 409 and "year" in again.json()
    elsewhere = client.post(url("campaigns"), {**data, "last_day": LAST.isoformat(),
                                               "area": roster["areas"]["v21"].code},
                            format="json")
    assert elsewhere.status_code == 403
    assert HealthCheckCampaign.objects.count() == 1


@pytest.mark.parametrize("role", ["township", "district", "auditor"])
def test_readers_may_not_write(api, roster, campaign, role):
    client = api(roster["users"][role])
    assert client.get(url("campaign", campaign.pk)).status_code == 200
    assert client.patch(url("campaign", campaign.pk), {"funding_yuan": "1"},
                        format="json").status_code == 403
    assert client.post(url("records", campaign.pk), {"results": [
        {"person": roster["head"].pk, "result": "done", "checked_on": FIRST.isoformat()}]},
        format="json").status_code == 403
    assert client.post(url("refresh", campaign.pk)).status_code == 403
    assert client.post(url("campaigns"), {
        "area": roster["areas"]["v11"].code, "year": YEAR + 1,
        "first_day": date(YEAR + 1, 3, 1).isoformat(),
        "last_day": date(YEAR + 1, 3, 1).isoformat()}, format="json").status_code == 403
    assert HealthCheckCampaign.objects.count() == 1
    assert not HealthCheckRecord.objects.exclude(result=R.PENDING).exists()


def test_patching_a_campaign(api, roster, campaign):
    client = api(roster["users"]["village"])
    bad = client.patch(url("campaign", campaign.pk),
                       {"first_day": date(YEAR - 1, 5, 1).isoformat()}, format="json")
    assert bad.status_code == 400 and "first_day" in bad.json()
    good = client.patch(url("campaign", campaign.pk),
                        {"last_day": (LAST + timedelta(days=1)).isoformat(),
                         "funding_yuan": "500"}, format="json")
    assert good.status_code == 200
    assert (good.json()["last_day"], good.json()["funding_yuan"]) == (
        (LAST + timedelta(days=1)).isoformat(), "500.00")


def test_a_batch_of_results(api, roster, campaign):
    client = api(roster["users"]["village"])
    rows = [{"person": roster["head"].pk, "result": "done", "checked_on": FIRST.isoformat()},
            {"person": roster["stranger"].pk, "result": "done",
             "checked_on": FIRST.isoformat()},
            {"person": roster["spouse"].pk, "result": "referred"}]
    bad = client.post(url("records", campaign.pk), {"results": rows}, format="json")
    assert bad.status_code == 400
    body = bad.json()
    assert body["code"] == "batch_rejected"
    assert [(e["row"], e["field"], e["person"]) for e in body["errors"]] == [
        (2, "person", roster["stranger"].pk), (3, "checked_on", roster["spouse"].pk)]
    assert not HealthCheckRecord.objects.exclude(result=R.PENDING).exists()
    assert not RecordEvent.objects.filter(action="result_recorded").exists()
    unknown = client.post(url("records", campaign.pk), {"results": [
        {"person": roster["head"].pk, "result": "healthy"}]}, format="json")
    assert unknown.status_code == 400
    assert "result" in unknown.json()["results"]["0"]  # the row, then the field
    empty = client.post(url("records", campaign.pk), {"results": []}, format="json")
    assert empty.status_code == 400 and "results" in empty.json()
    good = client.post(url("records", campaign.pk), {"results": [
        rows[0], {**rows[2], "checked_on": LAST.isoformat()}]}, format="json")
    assert good.status_code == 200
    assert {(r["name"], r["result"]) for r in good.json()} == {("王户主", "done"),
                                                              ("李配偶", "referred")}
    listed = client.get(url("records", campaign.pk), {"result": "pending"}).json()
    assert [r["name"] for r in listed["results"]] == ["张邻居"]
    assert client.get(url("records", campaign.pk), {"result": "x"}).status_code == 400
    detail = client.get(url("campaign", campaign.pk)).json()
    assert (detail["done"], detail["referred"], detail["pending"],
            detail["coverage_percent"]) == (1, 1, 1, "66.7")


def test_refresh(api, roster, campaign):
    response = api(roster["users"]["village"]).post(url("refresh", campaign.pk))
    assert response.status_code == 200 and response.json() == {"added": 1}


def test_coverage(api, roster, campaign):
    services.record_results(actor=roster["users"]["village"], campaign=campaign, rows=[
        services.ResultInput(roster["head"].pk, R.DONE, FIRST)])
    body = api(roster["users"]["district"]).get(url("coverage"), {"year": YEAR}).json()
    assert body["year"] == YEAR and body["area"] == "330703"
    v11 = next(v for v in body["villages"] if v["code"] == roster["areas"]["v11"].code)
    assert (v11["campaign"], v11["listed"], v11["done"], v11["coverage_percent"]) == (
        campaign.pk, 3, 1, "33.3")
    t1 = next(t for t in body["townships"] if t["code"] == roster["areas"]["t1"].code)
    assert (t1["campaigns"], t1["listed"], t1["funding_yuan"]) == (1, 3, "360.00")
    assert (body["total"]["campaigns"], body["total"]["listed"],
            body["total"]["coverage_percent"]) == (1, 3, "33.3")
    township = api(roster["users"]["township_other"]).get(url("coverage"),
                                                          {"year": YEAR}).json()
    assert township["total"]["listed"] == 0
    assert {v["code"] for v in township["villages"]} == {roster["areas"]["v21"].code,
                                                         roster["areas"]["v22"].code}


def _count(client, target, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(target, params or {}).status_code == 200
    return len(queries)


def test_lists_cost_the_same_statements_at_few_and_many_rows(api, roster, campaign):
    from casework.models import Area

    client = api(roster["users"]["district"])
    targets = [(url("campaigns"), {"year": YEAR}), (url("records", campaign.pk), {}),
               (url("coverage"), {"year": YEAR})]
    few = [_count(client, t, p) for t, p in targets]
    hh = f.household(roster["areas"]["v11"])
    for i in range(55):
        member(hh, name=f"成员{i}", birth=date(1941, 1, 1) + timedelta(days=i))
    services.refresh_members(actor=roster["users"]["village"], campaign=campaign)
    for i in range(55):
        village = Area.objects.create(code=f"{roster['areas']['t2'].code}{400 + i:03d}",
                                      name=f"外村{i}", level=Area.Level.VILLAGE,
                                      parent=roster["areas"]["t2"])
        open_campaign(roster["users"]["admin"], village)
    many = [_count(client, t, p) for t, p in targets]
    assert few == many
    assert client.get(url("campaigns"), {"year": YEAR}).json()["next"]


def test_the_schema_of_these_endpoints_has_no_warnings():
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    patterns = [path("api/v1/", include(("workflows.healthchecks.api_urls", "api")))]
    GENERATOR_STATS.reset()
    schema = SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)
    validate_schema(schema)
    assert not GENERATOR_STATS._warn_cache and not GENERATOR_STATS._error_cache
    paths = schema["paths"]
    assert set(paths) == {"/api/v1/health-check-campaigns/",
                          "/api/v1/health-check-campaigns/{id}/",
                          "/api/v1/health-check-campaigns/{id}/records/",
                          "/api/v1/health-check-campaigns/{id}/refresh/",
                          "/api/v1/health-check-coverage/"}
    post = paths["/api/v1/health-check-campaigns/{id}/records/"]["post"]["responses"]
    assert {"200", "400", "403", "404"} <= set(post)
