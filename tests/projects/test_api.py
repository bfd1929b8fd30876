"""The income-project API: scoping (out of scope 404), who may write (403), bad input
named by field (400, nothing stored), conflicts (409), constant statements per list page,
and the OpenAPI schema."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework.models import RecordEvent
from casework.projects.models import IncomeProject, ProjectHousehold
from tests import factories as f

from .conftest import api_for, home, member, project

pytestmark = pytest.mark.django_db

NEW = {"area": "330703001", "name": "葡萄园", "kind": "orchard", "started_on": "2025-03-01",
       "support": "葡萄苗和技术", "lead": "大户", "budget_yuan": "5000.00"}


def names(response) -> set[str]:
    return {row["name"] for row in response.json()["results"]}


def test_the_list_is_scoped(world):
    url = reverse("api:projects-list")
    assert names(api_for(world["users"]["township"]).get(url)) == {"白桃基地"}
    assert names(api_for(world["users"]["village"]).get(url)) == {"白桃基地"}
    assert names(api_for(world["users"]["village_other"]).get(url)) == {"山黄鸡养殖"}
    assert names(api_for(world["users"]["auditor"]).get(url)) == {"白桃基地", "山黄鸡养殖"}
    assert names(api_for(world["users"]["district"]).get(url, {"area": "330703002"})) == {
        "山黄鸡养殖"}
    assert names(api_for(world["users"]["family"]).get(url)) == set()


def test_create_and_patch(world):
    client = api_for(world["users"]["township"])
    response = client.post(reverse("api:projects-list"), NEW, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["area"], body["area_name"], body["budget_yuan"], body["active"]) == (
        "330703001", "镇1", "5000.00", True)
    url = reverse("api:projects-detail", args=[body["id"]])
    response = client.patch(url, {"active": False, "ended_on": "2026-01-01"}, format="json")
    assert response.status_code == 200
    assert (response.json()["active"], response.json()["ended_on"]) == (False, "2026-01-01")
    assert RecordEvent.objects.filter(subject="projects.incomeproject",
                                      subject_id=str(body["id"])).count() == 2


@pytest.mark.parametrize("role", ["village", "district", "township_other", "auditor"])
def test_readers_and_other_townships_may_not_create(world, role):
    response = api_for(world["users"][role]).post(reverse("api:projects-list"), NEW,
                                                  format="json")
    assert response.status_code == 403
    assert not IncomeProject.objects.filter(name="葡萄园").exists()


@pytest.mark.parametrize("change, field", [
    ({"budget_yuan": "-1"}, "budget_yuan"),
    ({"ended_on": "2025-01-01"}, "ended_on"),
    ({"area": "330703001001"}, "area"),
    ({"name": ""}, "name"),
    ({"name": "白桃基地"}, "name"),
    ({"kind": "rocket"}, "kind"),
    ({"started_on": "soon"}, "started_on"),
    # the field rules (casework.field_rules, issue 12): range of money and dates, names
    ({"budget_yuan": "10000000.01"}, "budget_yuan"),
    ({"started_on": "0001-01-01"}, "started_on"),
    ({"ended_on": "9999-12-31"}, "ended_on"),
    ({"name": "\u200b\u200b"}, "name"),
])
def test_bad_input_names_the_field(world, change, field):
    response = api_for(world["users"]["admin"]).post(reverse("api:projects-list"),
                                                     {**NEW, **change}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert IncomeProject.objects.count() == 2


def test_patch_dates_are_checked_against_the_stored_ones(world):
    url = reverse("api:projects-detail", args=[world["peach"].pk])
    response = api_for(world["users"]["township"]).patch(url, {"ended_on": "2024-01-01"},
                                                         format="json")
    assert response.status_code == 400 and "ended_on" in response.json()


def test_detail_out_of_scope_is_404_and_readers_get_403(world):
    url = reverse("api:projects-detail", args=[world["peach"].pk])
    for role in ("township_other", "village_other", "family"):
        client = api_for(world["users"][role])
        assert client.get(url).status_code == 404
        assert client.patch(url, {"name": "x"}, format="json").status_code == 404
    for role in ("village", "district", "auditor"):
        client = api_for(world["users"][role])
        assert client.get(url).status_code == 200
        assert client.patch(url, {"name": "x"}, format="json").status_code == 403
    world["peach"].refresh_from_db()
    assert world["peach"].name == "白桃基地"


def test_households_add_list_support_and_leave(world):
    peach = world["peach"]
    client = api_for(world["users"]["township"])
    url = reverse("api:projects-households", args=[peach.pk])
    response = client.post(url, {"household": world["h12"].pk, "joined_on": "2025-04-01",
                                 "support_given": "桃苗", "support_yuan": "200"},
                           format="json")
    assert response.status_code == 201, response.json()
    hid = response.json()["id"]
    assert (response.json()["area"], response.json()["household_number"]) == (
        "330703001002", world["h12"].number)
    member(peach, world["h11"])
    assert {r["household"] for r in client.get(url).json()["results"]} == {
        world["h11"].pk, world["h12"].pk}
    # the village reviewer of v11 sees their village's household only
    village = api_for(world["users"]["village"])
    assert [r["household"] for r in village.get(url).json()["results"]] == [world["h11"].pk]
    detail = reverse("api:projects-household", args=[peach.pk, hid])
    assert village.get(detail).status_code == 404
    response = client.patch(detail, {"support_yuan": "450.50"}, format="json")
    assert response.status_code == 200
    assert (response.json()["support_yuan"], response.json()["support_given"]) == (
        "450.50", "桃苗")
    leave = reverse("api:projects-household-leave", args=[peach.pk, hid])
    response = client.post(leave, {"left_on": "2025-03-01"}, format="json")
    assert response.status_code == 400 and "left_on" in response.json()
    response = client.post(leave, {"left_on": "2025-08-01"}, format="json")
    assert response.status_code == 200 and response.json()["left_on"] == "2025-08-01"
    response = client.post(leave, {"left_on": "2025-09-01"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "already_left"


@pytest.mark.parametrize("change, field, status", [
    ({"household": "h21"}, "household", 400),  # another township's: in the admin's scope
    ({"household": 999999}, "household", 400),
    ({"joined_on": "2024-01-01"}, "joined_on", 400),
    ({"support_yuan": "-3"}, "support_yuan", 400),
    ({"case": 999999}, "case", 400),
])
def test_bad_household_input(world, change, field, status):
    body = {"household": world["h11"].pk, "joined_on": "2025-04-01", **change}
    if change.get("household") == "h21":
        body["household"] = world["h21"].pk
    response = api_for(world["users"]["admin"]).post(
        reverse("api:projects-households", args=[world["peach"].pk]), body, format="json")
    assert response.status_code == status
    assert field in response.json()
    assert not ProjectHousehold.objects.exists()


def test_household_writes_per_role(world):
    peach = world["peach"]
    row = member(peach, world["h11"])
    body = {"household": world["h12"].pk, "joined_on": "2025-04-01"}
    for role, code in (("village", 403), ("district", 403), ("auditor", 403),
                       ("township_other", 404), ("village_other", 404)):
        client = api_for(world["users"][role])
        assert client.post(reverse("api:projects-households", args=[peach.pk]), body,
                           format="json").status_code == code, role
        assert client.post(reverse("api:projects-household-leave", args=[peach.pk, row.pk]),
                           {"left_on": "2025-01-01"}, format="json").status_code in (
            code, 404), role
        assert client.patch(reverse("api:projects-household", args=[peach.pk, row.pk]),
                            {"support_yuan": "1"}, format="json").status_code in (code, 404)
    row.refresh_from_db()
    assert (row.left_on, ProjectHousehold.objects.count()) == (None, 1)
    # a second open membership: 409
    response = api_for(world["users"]["township"]).post(
        reverse("api:projects-households", args=[peach.pk]),
        {"household": world["h11"].pk, "joined_on": "2025-04-01"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "already_in_project"


def test_a_case_links_only_if_it_is_the_households(world, programs):
    other = f.case(world["h12"].members.first(), programs["income_project"])
    response = api_for(world["users"]["township"]).post(
        reverse("api:projects-households", args=[world["peach"].pk]),
        {"household": world["h11"].pk, "joined_on": "2025-04-01", "case": other.pk},
        format="json")
    assert response.status_code == 400 and "case" in response.json()
    own = f.case(world["h11"].members.first(), programs["income_project"])
    response = api_for(world["users"]["township"]).post(
        reverse("api:projects-households", args=[world["peach"].pk]),
        {"household": world["h11"].pk, "joined_on": "2025-04-01", "case": own.pk},
        format="json")
    assert response.status_code == 201 and response.json()["case"] == own.pk


def _statements(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_endpoints_read_a_constant_number_of_statements(world):
    client = api_for(world["users"]["district"])
    projects = reverse("api:projects-list")
    households = reverse("api:projects-households", args=[world["peach"].pk])
    member(world["peach"], world["h11"])
    few = (_statements(client, projects), _statements(client, households))
    for i in range(60):
        project(world["areas"]["t2"], f"项目{i}")
        member(world["peach"], home(world["areas"]["v12"]))
    many = (_statements(client, projects), _statements(client, households))
    assert few == many
    assert client.get(projects).json()["next"]
    assert client.get(households).json()["next"]


def test_the_schema_documents_the_endpoints(world):
    client = api_for(world["users"]["district"])
    schema = client.get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    assert {"/api/v1/income-projects/", "/api/v1/income-projects/{id}/",
            "/api/v1/income-projects/{id}/households/",
            "/api/v1/income-projects/{id}/households/{hid}/",
            "/api/v1/income-projects/{id}/households/{hid}/leave/"} <= set(paths)
    post = paths["/api/v1/income-projects/{id}/households/"]["post"]
    assert {"201", "400", "403", "404", "409"} <= set(post["responses"])
    assert any(p["name"] == "area" for p in paths["/api/v1/income-projects/"]["get"][
        "parameters"])
