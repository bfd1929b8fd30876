"""The organisation's REST API: scoping (out of scope is 404), refusals (403 for readers
and non-keepers), bad input naming the field (400, nothing stored), and lists at a
constant number of statements."""

from datetime import date

import pytest

from casework.models import Membership, RecordEvent
from casework.organisation.models import (
    ActivityDay,
    Assessment,
    OfficeHolder,
    OrgUnit,
    TrainingAttendance,
    TrainingSession,
)

from .conftest import api_for, member, unit

K = OrgUnit.Kind
BASE = "/api/v1"
SCORES = [{"criterion": "council", "score": 25}, {"criterion": "venue", "score": 20},
          {"criterion": "volunteers", "score": 22}, {"criterion": "project", "score": 25},
          {"criterion": "dues", "score": 15}]


@pytest.fixture
def world(areas, users, levels, criteria):
    session = TrainingSession.objects.create(area=areas["t1"], title="镇1培训",
                                             first_day=date(2025, 9, 25),
                                             last_day=date(2025, 9, 26))
    far_session = TrainingSession.objects.create(area=areas["t2"], title="镇2培训",
                                                 first_day=date(2025, 9, 25),
                                                 last_day=date(2025, 9, 26))
    holder = OfficeHolder.objects.create(unit=levels["v21"], area_id=areas["v21"].code,
                                         name="外镇副会长", sex="F", since=date(2020, 1, 1),
                                         office=OfficeHolder.Office.FULLTIME_VICE_PRESIDENT)
    return {"session": session, "far_session": far_session, "far_holder": holder}


def test_units_are_listed_in_scope_and_founded(world, users, areas, levels):
    client = api_for(users["township"])
    rows = client.get(f"{BASE}/org-units/").json()["results"]
    assert {r["area"] for r in rows} == {areas[k].code for k in ("t1", "v11", "v12")}
    response = client.post(f"{BASE}/org-units/", {
        "kind": K.ENTERPRISE, "area": areas["t1"].code, "name": "李子园计生协会",
        "enterprise_name": "浙江李子园牛奶食品有限公司", "member_count": 120,
        "founded_on": "2025-10-30"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["parent"] == levels["t1"].pk and body["member_count"] == 120
    assert RecordEvent.objects.filter(action="org_unit_created").count() == 1
    only = client.get(f"{BASE}/org-units/", {"kind": K.ENTERPRISE}).json()["results"]
    assert [r["name"] for r in only] == ["李子园计生协会"]


@pytest.mark.parametrize(("body", "field"), [
    ({"member_count": -1}, "member_count"),
    ({"founded_on": "2025-13-01"}, "founded_on"),
    ({"kind": "club"}, "kind"),
    ({"area": "999999999"}, "area"),
    ({"enterprise_name": ""}, "enterprise_name"),
    ({"area": "330703001001"}, "area"),  # v11 is fine for an enterprise... see below
])
def test_bad_unit_input_is_400_naming_the_field(world, users, areas, body, field):
    data = {"kind": K.ENTERPRISE, "area": areas["t1"].code, "name": "某协会",
            "enterprise_name": "某厂", "founded_on": "2025-10-30", **body}
    if field == "area" and body.get("area") == "330703001001":
        data["kind"] = K.TOWNSHIP  # a township association in a village
    response = api_for(users["admin"]).post(f"{BASE}/org-units/", data, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not OrgUnit.objects.filter(name="某协会").exists()


def test_a_unit_is_404_out_of_scope_and_403_to_readers(world, users, levels):
    client = api_for(users["township"])
    far = levels["t2"].pk
    for method, path, data in [
            ("get", f"/org-units/{far}/", None), ("patch", f"/org-units/{far}/", {"name": "x"}),
            ("post", f"/org-units/{far}/end/", {"dissolved_on": "2025-01-01"}),
            ("get", f"/org-units/{far}/office-holders/", None),
            ("post", f"/org-units/{far}/office-holders/", {
                "office": "president", "name": "x", "sex": "M", "since": "2024-01-01"}),
            ("post", f"/office-holders/{world['far_holder'].pk}/end/", {"until": "2025-01-01"}),
            ("get", "/org-units/999999/", None)]:
        response = getattr(client, method)(f"{BASE}{path}", data, format="json")
        assert response.status_code == 404, (path, response.content)
    auditor = api_for(users["auditor"])
    assert auditor.get(f"{BASE}/org-units/{levels['v11'].pk}/").status_code == 200
    response = auditor.patch(f"{BASE}/org-units/{levels['v11'].pk}/", {"name": "改"},
                             format="json")
    assert response.status_code == 403
    district = api_for(users["district"])  # reads the village's unit, does not keep it
    response = district.post(f"{BASE}/org-units/{levels['v11'].pk}/office-holders/", {
        "office": "president", "name": "x", "sex": "M", "since": "2024-01-01"}, format="json")
    assert response.status_code == 403
    assert not OfficeHolder.objects.filter(unit=levels["v11"]).exists()
    levels["v11"].refresh_from_db()
    assert levels["v11"].name != "改"


def test_office_holders_appointed_and_ended(world, users, areas, levels):
    client = api_for(users["village"])
    person = member(areas["v11"], name="冯倩英", sex="F")
    url = f"{BASE}/org-units/{levels['v11'].pk}/office-holders/"
    response = client.post(url, {"office": "secretary_general", "person": person.pk,
                                 "since": "2023-01-01"}, format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["name"], response.json()["sex"]) == ("冯倩英", "F")
    # a person outside the unit's area (still in scope of the township's approver)
    stranger = member(areas["v12"], name="外村人")
    response = api_for(users["township"]).post(url, {
        "office": "council_member", "person": stranger.pk, "since": "2023-01-01"},
        format="json")
    assert response.status_code == 400 and "person" in response.json()
    response = client.post(url, {"office": "secretary_general", "name": "乙", "sex": "M",
                                 "since": "2024-01-01"}, format="json")
    assert response.status_code == 409 and "office" in response.json()
    response = client.post(url, {"office": "council_member", "name": "丙", "sex": "M",
                                 "since": "2024-01-01", "until": "2023-01-01"}, format="json")
    assert response.status_code == 400 and "until" in response.json()
    rows = client.get(url).json()["results"]
    assert [r["name"] for r in rows] == ["冯倩英"]
    holder = rows[0]["id"]
    response = client.post(f"{BASE}/office-holders/{holder}/end/", {"until": "2025-01-01"},
                           format="json")
    assert response.status_code == 200 and response.json()["until"] == "2025-01-01"


def test_training_sessions_and_attendance(world, users, areas):
    client = api_for(users["township"])
    response = client.post(f"{BASE}/training-sessions/", {
        "area": areas["t1"].code, "title": "专题培训", "first_day": "2025-09-27",
        "last_day": "2025-09-28", "other_attendees": 0}, format="json")
    assert response.status_code == 201, response.content
    session = response.json()["id"]
    response = client.post(f"{BASE}/training-sessions/", {
        "area": areas["t1"].code, "title": "错", "first_day": "2025-09-27",
        "last_day": "2025-09-26"}, format="json")
    assert response.status_code == 400 and "last_day" in response.json()
    response = client.post(f"{BASE}/training-sessions/", {
        "area": areas["t1"].code, "title": "错", "first_day": "2025-09-27",
        "last_day": "2025-09-27", "other_attendees": -3}, format="json")
    assert response.status_code == 400 and "other_attendees" in response.json()
    a = member(areas["v11"], name="甲")
    url = f"{BASE}/training-sessions/{session}/attendance/"
    response = client.post(url, {"attendees": [{"person": a.pk, "role": "村级秘书长"},
                                               {"name": "讲师", "role": "讲师"}],
                                 "other_attendees": 300}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["named_attendees"], response.json()["other_attendees"]) == (2, 300)
    # someone of another township: not in the township approver's area at all
    far = member(areas["v21"], name="外镇人")
    response = client.post(url, {"attendees": [{"person": far.pk}], "other_attendees": 1},
                           format="json")
    assert response.status_code == 400 and "person" in response.json()
    # the district approver sees both, but the session is the township's: 403
    response = api_for(users["district"]).post(url, {"attendees": [],
                                                     "other_attendees": 1}, format="json")
    assert response.status_code == 403
    assert TrainingAttendance.objects.filter(session_id=session).count() == 2
    rows = client.get(url).json()["results"]
    assert sorted(r["name"] for r in rows) == ["甲", "讲师"]
    assert client.get(f"{BASE}/training-sessions/{world['far_session'].pk}/").status_code == 404
    assert client.get(f"{BASE}/training-sessions/{world['far_session'].pk}/attendance/"
                      ).status_code == 404
    assert client.post(f"{BASE}/training-sessions/{world['far_session'].pk}/attendance/",
                       {"attendees": [], "other_attendees": 0},
                       format="json").status_code == 404


def test_activity_days(world, users, areas):
    client = api_for(users["township"])
    data = {"area": areas["t1"].code, "held_on": "2025-05-29", "title": "5·29",
            "sessions_held": 3, "people_examined": 480, "materials_distributed": 6000,
            "spending_yuan": "4600.50"}
    response = client.post(f"{BASE}/activity-days/", data, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["kind"] == "member_day_529"
    for field, value in [("people_examined", -1), ("spending_yuan", "-1"),
                         ("sessions_held", "x"), ("held_on", "2025-02-30")]:
        response = client.post(f"{BASE}/activity-days/", {**data, field: value},
                               format="json")
        assert response.status_code == 400 and field in response.json(), field
    response = client.post(f"{BASE}/activity-days/", {**data, "area": areas["t2"].code},
                           format="json")
    assert response.status_code == 403
    assert ActivityDay.objects.count() == 1
    rows = client.get(f"{BASE}/activity-days/", {"year": 2025}).json()["results"]
    assert [r["people_examined"] for r in rows] == [480]


def test_criteria_and_assessments(world, users, areas):
    client = api_for(users["township"])
    criteria = client.get(f"{BASE}/assessment-criteria/").json()
    assert [c["code"] for c in criteria] == ["council", "venue", "volunteers", "project", "dues"]
    assert all("assumed, set locally" in c["source"] for c in criteria)
    body = {"area": areas["v11"].code, "year": 2025, "assessed_on": "2025-12-15",
            "scores": SCORES}
    response = client.post(f"{BASE}/assessments/", body, format="json")
    assert response.status_code == 201, response.content
    result = response.json()
    assert (result["total"], result["max_total"], result["rating"]) == (107, 120, "advanced")
    assert {s["criterion"]: s["score"] for s in result["scores"]}["dues"] == 15
    response = client.post(f"{BASE}/assessments/", body, format="json")
    assert response.status_code == 409 and "year" in response.json()
    response = client.post(f"{BASE}/assessments/", {**body, "revise": True, "scores": [
        {**s, "score": 25 if s["criterion"] != "dues" else 20} for s in SCORES]}, format="json")
    assert response.status_code == 200 and response.json()["rating"] == "model"
    over = [{**s, "score": 26} if s["criterion"] == "council" else s for s in SCORES]
    response = client.post(f"{BASE}/assessments/", {**body, "area": areas["v12"].code,
                                                    "scores": over}, format="json")
    assert response.status_code == 400 and "score" in response.json()
    response = client.post(f"{BASE}/assessments/", {**body, "area": areas["v12"].code,
                                                    "scores": SCORES[:4]}, format="json")
    assert response.status_code == 400 and "scores" in response.json()
    response = client.post(f"{BASE}/assessments/", {**body, "area": areas["v12"].code,
                                                    "scores": SCORES + [SCORES[0]]},
                           format="json")
    assert response.status_code == 400 and "scores" in response.json()
    response = client.post(f"{BASE}/assessments/", {**body, "area": areas["v21"].code},
                           format="json")
    assert response.status_code == 403
    response = api_for(users["village"]).post(f"{BASE}/assessments/",
                                              {**body, "area": areas["v12"].code},
                                              format="json")
    assert response.status_code == 403
    assert list(Assessment.objects.values_list("area_id", flat=True)) == [areas["v11"].code]
    rows = client.get(f"{BASE}/assessments/", {"year": 2025, "rating": "model"}).json()
    assert [r["area"] for r in rows["results"]] == [areas["v11"].code]
    assert api_for(users["township_other"]).get(f"{BASE}/assessments/").json()["results"] == []


def test_the_schema_documents_the_endpoints(world, users):
    schema = api_for(users["district"]).get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    for path in ("/api/v1/org-units/", "/api/v1/org-units/{id}/office-holders/",
                 "/api/v1/training-sessions/{id}/attendance/", "/api/v1/activity-days/",
                 "/api/v1/assessment-criteria/", "/api/v1/assessments/"):
        assert path in paths, path
    post = paths["/api/v1/assessments/"]["post"]["responses"]
    assert {"201", "400", "403", "409"} <= set(post)
    assert "404" in paths["/api/v1/org-units/{id}/"]["get"]["responses"]


def _count(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def _fill(areas, users, criteria, n, tag):
    from casework.models import Area
    from casework.organisation.models import AssessmentScore

    t1, v12 = areas["t1"], areas["v12"]
    start = Area.objects.filter(parent=t1).count() + 1
    for i in range(n):
        firm = unit(K.ENTERPRISE, v12, name=f"{tag}企业{i}")
        OfficeHolder.objects.create(unit=firm, area_id=v12.code, name="某", sex="M",
                                    office=OfficeHolder.Office.COUNCIL_MEMBER,
                                    since=date(2024, 1, 1))
        session = TrainingSession.objects.create(area=t1, title=f"{tag}{i}",
                                                 first_day=date(2025, 1, 1),
                                                 last_day=date(2025, 1, 1))
        TrainingAttendance.objects.create(session=session, name="某", area=v12)
        ActivityDay.objects.create(area=t1, title=f"{tag}{i}", held_on=date(2025, 5, 29))
        village = Area.objects.create(code=f"{t1.code}{start + i:03d}", name=f"村{tag}{i}",
                                      level=Area.Level.VILLAGE, parent=t1)
        a = Assessment.objects.create(area=village, year=2025, assessed_by=users["township"],
                                      assessed_on=date(2025, 12, 1), total=90, max_total=120)
        AssessmentScore.objects.bulk_create(AssessmentScore(assessment=a, criterion=c, score=18)
                                            for c in criteria.values())
        member(v12, name=f"{tag}{i}", role=Membership.Role.VOLUNTEER)


@pytest.mark.parametrize("path", ["/org-units/", "/training-sessions/", "/activity-days/",
                                  "/assessments/", "/assessment-criteria/", "units-holders"])
def test_api_lists_cost_the_same_at_1_and_60_rows(world, users, areas, criteria, levels, path):
    client = api_for(users["township"])
    if path == "units-holders":
        firm = unit(K.ENTERPRISE, areas["t1"])
        path = f"/org-units/{firm.pk}/office-holders/"
        adder = lambda n: [OfficeHolder.objects.create(  # noqa: E731
            unit=firm, area_id=firm.area_id, name=f"理事{i}", sex="M", since=date(2024, 1, 1),
            office=OfficeHolder.Office.COUNCIL_MEMBER) for i in range(n)]
    else:
        adder = None
    client.get(f"{BASE}/me/")
    if adder:
        adder(1)
    else:
        _fill(areas, users, criteria, 1, "少")
    few = _count(client, f"{BASE}{path}")
    if adder:
        adder(60)
    else:
        _fill(areas, users, criteria, 60, "多")
    many = _count(client, f"{BASE}{path}")
    assert few == many
