"""Who sees what, for every role and every read endpoint, in scope and out of it.

Areas (tests.factories.area_tree): v11, v12 in township t1; v21, v22 in township t2.
The world below puts one case at each level:

    a  v11 (family_home's head)    medical_discount   township_review  (t1's task)
    e  v11 (family_home's spouse)  health_check       village_review   (v11's task)
    b  v12                         medical_discount   village_review   (v12's task)
    c  v21                         medical_discount   township_review  (t2's task)
    d  v22                         pension_subsidy    district_review  (district's task)
"""

from datetime import date

import pytest

from casework.models import Decision, Person
from tests import factories as f
from tests.support.journey import apply as submit

from .conftest import decide, end_notice, open_task, unique_birth


@pytest.fixture
def world(programs, areas, family_home, staff):
    hh11 = family_home["household"]
    spouse = Person.objects.get(household=hh11, relationship="spouse")
    homes = {"hh11": hh11}
    for key in ("v12", "v21", "v22"):
        hh = f.household(areas[key], second_birth_renounced_date=date(1985, 3, 1),
                         hardship=True, annual_income_yuan=20000)
        f.person(hh, name=f"户主{key}", birth=unique_birth())
        homes[f"hh{key[1:]}"] = hh
    families = {"hh11": family_home["user"],
                "hh12": f.user("family", areas["v12"], household=homes["hh12"])}
    village12 = f.user("village_reviewer", areas["v12"])
    village22 = f.user("village_reviewer", areas["v22"])

    def head(hh):
        return Person.objects.filter(household=hh).order_by("id").first()

    a = submit(actor=family_home["user"], household=hh11, applicant=family_home["applicant"],
               program=programs["medical_discount"])
    decide(staff["village"], a)
    e = submit(actor=family_home["user"], household=hh11, applicant=spouse,
               program=programs["health_check"])
    b = submit(actor=families["hh12"], household=homes["hh12"], applicant=head(homes["hh12"]),
               program=programs["medical_discount"])
    c = submit(actor=staff["village_other"], household=homes["hh21"],
               applicant=head(homes["hh21"]), program=programs["medical_discount"])
    decide(staff["village_other"], c)
    d = submit(actor=village22, household=homes["hh22"], applicant=head(homes["hh22"]),
               program=programs["pension_subsidy"])
    decide(village22, d)
    end_notice(d)
    d.refresh_from_db()
    decide(staff["township_other"], d)
    cases = {"a": a, "b": b, "c": c, "d": d, "e": e}
    for case in cases.values():
        case.refresh_from_db()
    assert [cases[k].status for k in "abcde"] == [
        "township_review", "village_review", "township_review", "district_review",
        "village_review"]
    users = dict(staff, family=family_home["user"], family12=families["hh12"],
                 village12=village12)
    return {"cases": cases, "homes": homes, "users": users,
            "tasks": {k: open_task(c) for k, c in cases.items()}}


# role -> (cases, households, tasks) it must see
EXPECTED = {
    "family": ("ae", ["hh11"], ""),
    "family12": ("b", ["hh12"], ""),
    "village": ("ae", ["hh11"], "e"),
    "village12": ("b", ["hh12"], "b"),
    "village_other": ("c", ["hh21"], ""),
    "township": ("abe", ["hh11", "hh12"], "a"),
    "township_other": ("cd", ["hh21", "hh22"], "c"),
    "district": ("abcde", ["hh11", "hh12", "hh21", "hh22"], "d"),
    "auditor": ("abcde", ["hh11", "hh12", "hh21", "hh22"], ""),
}
STAFF_ROLES = [k for k in EXPECTED if not k.startswith("family")]
ALL_ROLES = list(EXPECTED)


def _ids(rows):
    return {r["id"] for r in rows}


@pytest.mark.parametrize("role", ALL_ROLES)
def test_case_list_and_detail_are_scoped(api, world, role):
    client = api(world["users"][role])
    visible, _, _ = EXPECTED[role]
    cases = world["cases"]
    response = client.get("/api/v1/cases/")
    assert response.status_code == 200
    assert _ids(response.json()["results"]) == {cases[k].pk for k in visible}
    for key, case in cases.items():
        detail = client.get(f"/api/v1/cases/{case.pk}/")
        history = client.get(f"/api/v1/cases/{case.pk}/history/")
        if key in visible:
            assert detail.status_code == 200, (role, key)
            assert detail.json()["id"] == case.pk
            assert history.status_code == 200
            assert history.json()[0]["action"] == "submitted"
        else:
            assert detail.status_code == 404, (role, key)
            assert history.status_code == 404, (role, key)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_household_list_and_detail_are_scoped(api, world, role):
    client = api(world["users"][role])
    _, visible, _ = EXPECTED[role]
    homes = world["homes"]
    response = client.get("/api/v1/households/")
    assert response.status_code == 200
    assert _ids(response.json()["results"]) == {homes[k].pk for k in visible}
    for key, hh in homes.items():
        response = client.get(f"/api/v1/households/{hh.pk}/")
        if key in visible:
            assert response.status_code == 200, (role, key)
            assert response.json()["members"]
        else:
            assert response.status_code == 404, (role, key)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_task_inbox_is_scoped(api, world, role):
    client = api(world["users"][role])
    _, _, visible = EXPECTED[role]
    response = client.get("/api/v1/tasks/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert _ids(rows) == {world["tasks"][k].pk for k in visible}
    case_of_task = {world["tasks"][k].pk: world["cases"][k].pk for k in visible}
    for row in rows:
        assert row["case"] == case_of_task[row["id"]]


@pytest.mark.parametrize("role", ALL_ROLES)
def test_decision_in_and_out_of_scope(api, world, role):
    """Out-of-scope tasks are 404; the auditor is read-only (403); in scope decides."""
    client = api(world["users"][role])
    _, _, mine = EXPECTED[role]
    before = Decision.objects.count()
    for key, task in world["tasks"].items():
        if key in mine:
            continue
        response = client.post(f"/api/v1/tasks/{task.pk}/decision/", {"decision": "approve"},
                               format="json")
        expected = 403 if role == "auditor" else 404
        assert response.status_code == expected, (role, key, response.content)
    assert Decision.objects.count() == before
    for key in mine:
        response = client.post(f"/api/v1/tasks/{world['tasks'][key].pk}/decision/",
                               {"decision": "approve"}, format="json")
        assert response.status_code == 200, (role, key, response.content)


def test_auditor_cannot_submit_or_decide(api, world):
    client = api(world["users"]["auditor"])
    hh = world["homes"]["hh11"]
    response = client.post("/api/v1/cases/", {"household": hh.pk, "program": "welfare_grant",
                                              "applicant": world["cases"]["a"].applicant_id,
                                              "consent": True},
                           format="json")
    assert response.status_code == 403
    for task in world["tasks"].values():
        response = client.post(f"/api/v1/tasks/{task.pk}/decision/",
                               {"decision": "reject", "reason": "x"}, format="json")
        assert response.status_code == 403


@pytest.mark.parametrize("role, visible", [("village", "v11"), ("township", "t1"),
                                           ("district", "district")])
def test_staff_area_filter_narrows_within_scope(api, world, areas, role, visible):
    client = api(world["users"][role])
    rows = client.get(f"/api/v1/cases/?area={areas['v12'].code}").json()["results"]
    expected = {world["cases"]["b"].pk} if role != "village" else set()
    assert _ids(rows) == expected


def test_unauthenticated_requests_are_refused(world):
    from rest_framework.test import APIClient

    anon = APIClient()
    case = world["cases"]["a"]
    for url in ("/api/v1/me/", "/api/v1/cases/", f"/api/v1/cases/{case.pk}/",
                f"/api/v1/cases/{case.pk}/history/", "/api/v1/households/", "/api/v1/tasks/",
                "/api/v1/programs/"):
        assert anon.get(url).status_code == 401, url
    response = anon.post(f"/api/v1/tasks/{world['tasks']['e'].pk}/decision/",
                         {"decision": "approve"}, format="json")
    assert response.status_code == 401
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert bad.get("/api/v1/cases/").status_code == 401


def test_inactive_account_token_stops_working(api, world):
    user = world["users"]["family"]
    client = api(user)
    assert client.get("/api/v1/cases/").status_code == 200
    user.is_active = False
    user.save()
    assert client.get("/api/v1/cases/").status_code == 401


def test_family_inbox_follows_the_household_not_the_accounts_area(api, programs, areas,
                                                                  staff):
    """The family's inbox is keyed on its household, whatever the account's area says."""
    hh = f.household(areas["v11"])
    applicant = f.person(hh, birth=unique_birth())
    account = f.user("family", None, household=hh)  # area left empty
    case = submit(actor=account, household=hh, applicant=applicant,
                  program=programs["medical_discount"])
    decide(staff["village"], case, "return", "缺材料")
    client = api(account)
    assert _ids(client.get("/api/v1/cases/").json()["results"]) == {case.pk}
    rows = client.get("/api/v1/tasks/").json()["results"]
    assert [r["case"] for r in rows] == [case.pk]


def test_a_returned_case_is_in_its_family_and_village_inboxes_only(api, world):
    case = world["cases"]["e"]
    users = world["users"]
    decide(users["village"], case, "return", "请补充材料")
    revision = open_task(case)
    assert revision.flow_task.name == "family_revision"
    for role in ALL_ROLES:
        rows = api(users[role]).get("/api/v1/tasks/").json()["results"]
        has_it = revision.pk in _ids(rows)
        assert has_it == (role in ("family", "village")), role
    # only the family (or its village staff) may resubmit; others do not even see the case
    for role, code in (("family12", 404), ("village_other", 404), ("township", 403),
                       ("auditor", 403)):
        response = api(users[role]).post(f"/api/v1/cases/{case.pk}/resubmit/", {},
                                         format="json")
        assert response.status_code == code, (role, response.content)
    response = api(users["family"]).post(f"/api/v1/cases/{case.pk}/resubmit/", {},
                                         format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "village_review"
