"""List endpoints cost the same number of queries for 1 row and for 50; keyset pages."""

from urllib.parse import parse_qs, urlparse

import pytest

from casework.models import Case
from tests import factories as f
from tests.support.journey import apply as submit

from .conftest import decide, end_notice, unique_birth

# The bounds are the counts measured at 1 row (the token lookup and one page query;
# the history adds the case read); the same bound must hold at 50 rows.
CASES_BOUND = 2
# the token, the page's timed tasks (most urgent first, workflows.due_order), when they
# run out on the page the tasks without a deadline, and the cases the page's tasks are
# about (workflows.selectors.cases_of: applications' own cases, then, only for the
# processes left, the cases under review or appeal)
TASKS_BOUND = 5
HOUSEHOLDS_BOUND = 2
HISTORY_BOUND = 3


def make_cases(programs, areas, staff, n, *, village="v11", program="health_check"):
    """``n`` open cases at village review, one applicant each, spread over households."""
    cases = []
    for i in range(n):
        hh = f.household(areas[village], hardship=True, annual_income_yuan=10000)
        applicant = f.person(hh, name=f"申请人{i}", birth=unique_birth())
        reviewer = staff["village"] if village == "v11" else f.user("village_reviewer",
                                                                    areas[village])
        cases.append(submit(actor=reviewer, household=hh, applicant=applicant,
                            program=programs[program]))
    return cases


@pytest.mark.parametrize("rows", [1, 50])
@pytest.mark.parametrize("role", [
    "family",
    "village",
    "district",
])
def test_case_list_query_count_is_constant(api, programs, areas, staff, family_home,
                                           django_assert_max_num_queries, rows, role):
    if role == "family":
        # one household with many members, one case each
        hh = family_home["household"]
        for i in range(rows):
            p = f.person(hh, name=f"成员{i}", relationship="child",
                      birth=unique_birth())
            submit(actor=family_home["user"], household=hh, applicant=p,
                   program=programs["health_check"])
        user = family_home["user"]
    else:
        make_cases(programs, areas, staff, rows)
        user = staff[role]
    client = api(user)
    client.get("/api/v1/me/")  # warm up anything per-process
    with django_assert_max_num_queries(CASES_BOUND):
        response = client.get("/api/v1/cases/")
    assert response.status_code == 200
    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [1, 50])
@pytest.mark.parametrize("role", ["family", "village", "district"])
def test_task_list_query_count_is_constant(api, programs, areas, staff, family_home,
                                           django_assert_max_num_queries, rows, role):
    program = "health_check" if role == "village" else "pension_subsidy"
    if role == "family":
        # the family's inbox: its returned cases, one per member
        hh = family_home["household"]
        cases = []
        for i in range(rows):
            p = f.person(hh, name=f"成员{i}", relationship="child", birth=unique_birth())
            case = submit(actor=family_home["user"], household=hh, applicant=p,
                          program=programs["health_check"])
            decide(staff["village"], case, "return", "请补充")
            cases.append(case)
    else:
        cases = make_cases(programs, areas, staff, rows, program=program)
    if role == "district":
        for case in cases:
            decide(staff["village"], case)
            end_notice(case)
            case.refresh_from_db()
            decide(staff["township"], case)
    client = api(family_home["user"] if role == "family" else staff[role])
    client.get("/api/v1/me/")
    with django_assert_max_num_queries(TASKS_BOUND):
        response = client.get("/api/v1/tasks/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == rows
    assert {r["case"] for r in results} == {c.pk for c in cases}


@pytest.mark.parametrize("rows", [1, 50])
def test_household_list_query_count_is_constant(api, areas, staff,
                                                django_assert_max_num_queries, rows):
    for _ in range(rows):
        f.person(f.household(areas["v11"]), birth=unique_birth())
    client = api(staff["township"])
    client.get("/api/v1/me/")
    with django_assert_max_num_queries(HOUSEHOLDS_BOUND):
        response = client.get("/api/v1/households/")
    assert response.status_code == 200
    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("withdrawn", [False, True])
def test_history_query_count_does_not_grow_with_events(api, programs, family_home, staff,
                                                       django_assert_max_num_queries,
                                                       withdrawn):
    from workflows.applications import services

    case = submit(actor=family_home["user"], household=family_home["household"],
                  applicant=family_home["applicant"], program=programs["medical_discount"])
    if withdrawn:
        services.withdraw(actor=family_home["user"], case=case)
    client = api(family_home["user"])
    client.get("/api/v1/me/")
    with django_assert_max_num_queries(HISTORY_BOUND):
        response = client.get(f"/api/v1/cases/{case.pk}/history/")
    assert response.status_code == 200
    assert len(response.json()) >= 3


def _after(url):
    return parse_qs(urlparse(url).query)["after"][0]


@pytest.mark.parametrize("role", ["family", "district"])
def test_case_list_keyset_pagination(api, programs, areas, staff, family_home, role):
    hh = family_home["household"]
    for i in range(25):
        p = f.person(hh, name=f"成员{i}", relationship="child",
                      birth=unique_birth())
        submit(actor=family_home["user"], household=hh, applicant=p,
               program=programs["health_check"])
    client = api(family_home["user"] if role == "family" else staff[role])
    expected = list(Case.objects.order_by("-id").values_list("id", flat=True))
    seen = []
    url = "/api/v1/cases/?page_size=10"
    pages = 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        body = response.json()
        ids = [r["id"] for r in body["results"]]
        assert not set(ids) & set(seen), "pages overlap"
        assert ids == sorted(ids, reverse=True)
        seen += ids
        pages += 1
        url = body["next"]
        if url:
            assert len(ids) == 10
            assert int(_after(url)) == ids[-1]
            assert "page_size=10" in url
    assert pages == 3
    assert seen == expected


def test_task_list_keyset_pagination(api, programs, areas, staff):
    make_cases(programs, areas, staff, 12)
    client = api(staff["village"])
    first = client.get("/api/v1/tasks/?page_size=5").json()
    assert len(first["results"]) == 5 and "after=" in first["next"]
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 5
    third = client.get(second["next"]).json()
    assert len(third["results"]) == 2 and third["next"] is None
    ids = [r["id"] for page in (first, second, third) for r in page["results"]]
    # most urgent first: all due the same day, so by id (tests/workflows/test_due_order_and_bulk)
    assert len(set(ids)) == 12 and ids == sorted(ids)


def test_bad_pagination_parameters(api, family_home):
    client = api(family_home["user"])
    response = client.get("/api/v1/cases/?after=abc")
    assert response.status_code == 400 and "after" in response.json()
    # nonsense sizes fall back to sane ones
    assert client.get("/api/v1/cases/?page_size=0").status_code == 200
    assert client.get("/api/v1/cases/?page_size=x").status_code == 200
    assert client.get("/api/v1/cases/?page_size=100000").status_code == 200


@pytest.mark.parametrize("rows", [1, 20])
def test_task_list_of_appeal_reviews_costs_the_same(api, programs, areas, staff,
                                                    django_assert_max_num_queries, rows):
    """Appeal reviews show their appealed case, read in the page's own statement."""
    from workflows.appeals import flow as appeals

    cases = make_cases(programs, areas, staff, rows)
    for case in cases:
        decide(staff["village"], case, "reject", "不符合条件")
        appeals.lodge_appeal(actor=staff["village"], case=Case.objects.get(pk=case.pk),
                             grounds="请复核")
    client = api(staff["township"])
    client.get("/api/v1/me/")
    with django_assert_max_num_queries(TASKS_BOUND):
        response = client.get("/api/v1/tasks/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert {r["action"] for r in results} == {"appeal"}
    assert {r["case"] for r in results} == {c.pk for c in cases}
