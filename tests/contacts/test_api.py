"""The REST API: scoping (404 out of scope), who may write (403), bad input naming the
field with nothing stored, the missing and roll-up numbers, constant statements, and the
OpenAPI schema."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.contacts import services
from casework.contacts.models import ContactAssignment, ContactReport, ReportingRound
from tests import factories as f

from .conftest import days_ago

BASE = "/api/v1/"


def test_assignments_listed_in_scope_and_created_in_a_batch(world, api):
    w, s = world, world["staff"]
    client = api(s["village"])
    body = {"contact": w["jia"].pk, "households": [w["homes"][2].pk, w["homes"][3].pk],
            "since": days_ago(2).isoformat()}
    response = client.post(f"{BASE}contact-assignments/", body, format="json")
    assert response.status_code == 201, response.json()
    rows = response.json()
    assert [(r["contact"]["name"], r["household"]["number"], r["village"], r["since"],
             r["until"]) for r in rows] == [
        ("联系人甲", w["homes"][2].number, "330703001001", days_ago(2).isoformat(), None),
        ("联系人甲", w["homes"][3].number, "330703001001", days_ago(2).isoformat(), None)]
    listed = client.get(f"{BASE}contact-assignments/", {"open": "true"}).json()
    assert {r["id"] for r in listed["results"]} == {r["id"] for r in rows}
    assert api(s["village_other"]).get(f"{BASE}contact-assignments/").json()["results"] == []
    assert len(api(s["auditor"]).get(f"{BASE}contact-assignments/").json()["results"]) == 2
    # ending: out of scope 404, a reader 403, the keeper 200
    end = f"{BASE}contact-assignments/{rows[0]['id']}/end/"
    assert api(s["village_other"]).post(end, {}, format="json").status_code == 404
    assert api(s["township"]).post(end, {}, format="json").status_code == 403
    assert api(s["auditor"]).post(end, {}, format="json").status_code == 403
    response = client.post(end, {"until": days_ago(0).isoformat()}, format="json")
    assert response.status_code == 200 and response.json()["until"] == days_ago(0).isoformat()
    assert client.post(end, {}, format="json").status_code == 409


def test_assigning_bad_input_names_the_field(world, api):
    w, client = world, api(world["staff"]["village"])
    url = f"{BASE}contact-assignments/"
    cases = [
        ({"contact": w["jia"].pk, "households": [w["homes"][2].pk, w["far"].pk]}, "households"),
        ({"contact": w["jia"].pk, "households": [w["homes"][2].pk, w["v12_homes"][1].pk]},
         "households"),  # in the township, not in the village (for a township approver)
        ({"contact": w["jia"].pk, "households": [w["homes"][0].pk]}, "households"),
        ({"contact": w["jia"].pk, "households": []}, "households"),
        ({"contact": w["nonmember"].pk, "households": [w["homes"][3].pk]}, "contact"),
        ({"contact": w["ding"].pk, "households": [w["homes"][3].pk]}, "contact"),
        ({"contact": w["jia"].pk, "households": [w["homes"][3].pk],
          "since": days_ago(-1).isoformat()}, "since"),
    ]
    for body, field in cases:
        response = client.post(url, body, format="json")
        assert response.status_code == 400 and field in response.json(), (body, response.json())
    assert not ContactAssignment.objects.exists()
    # a township approver's request reaches the service: refused (403), nothing stored
    response = api(w["staff"]["township"]).post(url, {"contact": w["jia"].pk,
                                                      "households": [w["homes"][2].pk]},
                                                format="json")
    assert response.status_code == 403 and not ContactAssignment.objects.exists()


def test_rounds_opened_listed_and_closed(world, api):
    s = world["staff"]
    url = f"{BASE}reporting-rounds/"
    response = api(s["township"]).post(url, {
        "area": "330703001", "title": "每逢4、7、10报", "schedule": "set_days",
        "days_of_month": [4, 7, 10], "first_day": "2026-04-01", "last_day": "2026-04-30"},
        format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert (created["area"], created["days_of_month"], created["ends_on"]) == (
        "330703001", [4, 7, 10], "2026-04-30")
    for user, status in ((s["village"], 403), (s["auditor"], 403), (s["district"], 403)):
        assert api(user).post(url, {"area": "330703001", "title": "x", "first_day": "2026-04-01",
                                    "last_day": "2026-04-02"}, format="json"
                              ).status_code == status
    bad = api(s["township"]).post(url, {"area": "330703001", "title": "x",
                                        "first_day": "2026-04-30", "last_day": "2026-04-01"},
                                  format="json")
    assert bad.status_code == 400 and "last_day" in bad.json()
    bad = api(s["township"]).post(url, {"area": "330703002", "title": "x",
                                        "first_day": "2026-04-01", "last_day": "2026-04-02"},
                                  format="json")
    assert bad.status_code == 400 and "area" in bad.json()
    bad = api(s["township"]).post(url, {"area": "330703001", "title": "x", "schedule": "set_days",
                                        "days_of_month": [32], "first_day": "2026-04-01",
                                        "last_day": "2026-04-02"}, format="json")
    assert bad.status_code == 400 and "days_of_month" in bad.json()
    assert ReportingRound.objects.count() == 1
    ids = [r["id"] for r in api(s["village"]).get(url).json()["results"]]
    assert ids == [created["id"]]  # the township's round covers the village
    assert api(s["village_other"]).get(url).json()["results"] == []
    close = f"{BASE}reporting-rounds/{created['id']}/close/"
    assert api(s["village_other"]).post(close).status_code == 404
    assert api(s["village"]).post(close).status_code == 403
    response = api(s["township"]).post(close)
    assert response.status_code == 200 and response.json()["closed_at"]
    assert api(s["township"]).post(close).status_code == 409


def _report_url(reporting) -> str:
    return f"{BASE}reporting-rounds/{reporting['round'].pk}/reports/"


def test_filing_reports(reporting, api):
    r, homes = reporting, reporting["homes"]
    client = api(r["staff"]["village"])
    body = {"report_date": days_ago(1).isoformat(), "contact": r["jia"].pk,
            "entries": [{"household": homes[2].pk, "status": "all_well"},
                        {"household": homes[3].pk, "status": "to_report", "note": "返乡"}]}
    response = client.post(_report_url(r), body, format="json")
    assert response.status_code == 201, response.json()
    assert [(x["household"]["number"], x["status"], x["note"]) for x in response.json()] == [
        (homes[2].number, "all_well", ""), (homes[3].number, "to_report", "返乡")]
    listed = client.get(_report_url(r), {"date": days_ago(1).isoformat()}).json()["results"]
    assert {x["household"]["id"] for x in listed} == {homes[0].pk, homes[2].pk, homes[3].pk}
    assert api(r["staff"]["township_other"]).get(_report_url(r)).status_code == 404
    assert api(r["staff"]["village_other"]).post(_report_url(r), body,
                                                 format="json").status_code == 404
    assert api(r["staff"]["auditor"]).post(_report_url(r), body, format="json"
                                           ).status_code == 403
    # the township approver sees it but files nothing for a village
    assert api(r["staff"]["township"]).post(_report_url(r), body, format="json"
                                            ).status_code == 403


def test_reports_bad_input_names_the_field_and_stores_nothing(reporting, api):
    r, homes = reporting, reporting["homes"]
    from casework.models import Membership

    Membership.objects.filter(person=r["yi"]).update(left=days_ago(3))
    client = api(r["staff"]["village"])
    ok = {"household": homes[2].pk, "status": "all_well"}
    day = days_ago(1).isoformat()
    cases = [
        # a household outside the village (another township's, then the township's other
        # village, which a village's staff do not see either)
        ({"report_date": day, "contact": r["jia"].pk,
          "entries": [ok, {"household": r["far"].pk, "status": "all_well"}]}, "household"),
        ({"report_date": day, "contact": r["jia"].pk,
          "entries": [ok, {"household": r["v12_homes"][1].pk, "status": "all_well"}]},
         "household"),
        # in the village, not this contact's
        ({"report_date": day, "contact": r["jia"].pk,
          "entries": [ok, {"household": homes[0].pk, "status": "all_well"}]}, "household"),
        ({"report_date": days_ago(5).isoformat(), "contact": r["jia"].pk, "entries": [ok]},
         "report_date"),
        ({"report_date": days_ago(-1).isoformat(), "contact": r["jia"].pk, "entries": [ok]},
         "report_date"),
        ({"report_date": "yesterday", "contact": r["jia"].pk, "entries": [ok]}, "report_date"),
        ({"report_date": day, "contact": r["yi"].pk,
          "entries": [{"household": homes[0].pk, "status": "all_well"}]}, "contact"),
        ({"report_date": day, "contact": r["nonmember"].pk, "entries": [ok]}, "contact"),
        ({"report_date": day, "contact": r["jia"].pk, "entries": []}, "entries"),
    ]
    before = ContactReport.objects.count()
    for body, field in cases:
        response = client.post(_report_url(r), body, format="json")
        assert response.status_code == 400 and field in response.json(), (body, response.json())
    assert ContactReport.objects.count() == before


def test_a_township_admin_gets_the_service_refusal_for_another_village(reporting, api):
    """An administrator of the township sees both villages: the service names the
    household of the other village."""
    r = reporting
    admin = f.user("admin", r["areas"]["t1"])
    response = api(admin).post(_report_url(r), {
        "report_date": days_ago(1).isoformat(), "contact": r["jia"].pk,
        "entries": [{"household": r["homes"][2].pk, "status": "all_well"},
                    {"household": r["v12_homes"][1].pk, "status": "all_well"}]},
        format="json")
    assert response.status_code == 400 and "household" in response.json()
    assert ContactReport.objects.filter(report_date=days_ago(1)).count() == 1  # 乙's only


def test_missing_and_rollup(reporting, api):
    r = reporting
    base = f"{BASE}reporting-rounds/{r['round'].pk}"
    township = api(r["staff"]["township"])
    rollup = township.get(f"{base}/rollup/").json()
    assert [(v["village"], v["day_expected"], v["day_received"], v["day_missing"],
             v["round_expected"], v["round_received"], v["round_missing"])
            for v in rollup["villages"]] == [("330703001001", 4, 1, 3, 18, 7, 11),
                                             ("330703001002", 1, 0, 1, 8, 3, 5)]
    assert (rollup["total"]["round_expected"], rollup["total"]["round_missing"]) == (26, 16)
    earlier = township.get(f"{base}/rollup/", {"date": days_ago(3).isoformat()}).json()
    assert earlier["total"]["round_received"] == 7 and earlier["up_to"] == days_ago(3).isoformat()
    mine = api(r["staff"]["village"]).get(f"{base}/rollup/").json()
    assert [v["village"] for v in mine["villages"]] == ["330703001001"]
    missing = township.get(f"{base}/missing/").json()
    assert sum(len(m["days"]) for m in missing["results"]) == 16
    one_day = township.get(f"{base}/missing/", {"date": days_ago(0).isoformat(),
                                                "village": "330703001002"}).json()
    assert [(m["household"]["number"], m["days"]) for m in one_day["results"]] == [
        (r["v12_homes"][1].number, [days_ago(0).isoformat()])]
    village = api(r["staff"]["village"])
    assert sum(len(m["days"]) for m in village.get(f"{base}/missing/").json()["results"]) == 11
    bad = village.get(f"{base}/missing/", {"village": "330703001002"})
    assert bad.status_code == 400 and "village" in bad.json()
    bad = village.get(f"{base}/missing/", {"date": "soon"})
    assert bad.status_code == 400 and "date" in bad.json()
    for name in ("missing", "rollup", "reports"):
        assert api(r["staff"]["village_other"]).get(f"{base}/{name}/").status_code == 404
    family = f.user("family", r["areas"]["v11"], household=r["homes"][2])
    assert api(family).get(f"{base}/rollup/").status_code == 404
    assert api(family).get(f"{BASE}contact-assignments/").json()["results"] == []


def _count(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params or {}).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("path", ["contact-assignments/", "reporting-rounds/",
                                  "reporting-rounds/{round}/reports/",
                                  "reporting-rounds/{round}/missing/",
                                  "reporting-rounds/{round}/rollup/"])
def test_lists_read_a_constant_number_of_statements(reporting, api, path):
    from .test_pages import _more

    client = api(reporting["staff"]["township"])
    url = BASE + path.format(round=reporting["round"].pk)
    client.get(url)
    few = _count(client, url)
    _more(reporting, 15)
    for i in range(3):
        services.open_round(actor=reporting["staff"]["township"], area=reporting["areas"]["t1"],
                            title=f"r{i}", first_day=days_ago(3), last_day=days_ago(0))
    assert _count(client, url) == few


def test_the_schema_documents_the_endpoints(db):
    from rest_framework.test import APIClient

    schema = APIClient().get("/api/schema/?format=json").json()
    paths = schema["paths"]
    for path, methods in {
        "/api/v1/contact-assignments/": ("get", "post"),
        "/api/v1/contact-assignments/{id}/end/": ("post",),
        "/api/v1/reporting-rounds/": ("get", "post"),
        "/api/v1/reporting-rounds/{id}/close/": ("post",),
        "/api/v1/reporting-rounds/{id}/reports/": ("get", "post"),
        "/api/v1/reporting-rounds/{id}/missing/": ("get",),
        "/api/v1/reporting-rounds/{id}/rollup/": ("get",),
    }.items():
        for method in methods:
            operation = paths[path][method]
            assert {"400", "403"} <= set(operation["responses"]), (path, method)
            if "{id}" in path:
                assert "404" in operation["responses"]
    names = {p["name"] for p in paths["/api/v1/reporting-rounds/{id}/missing/"]["get"]
             ["parameters"]}
    assert {"date", "village"} <= names
