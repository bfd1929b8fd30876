"""Every number of the reports against the known dataset (``conftest``), counted by hand:
cases by program, area and status, approval rates, days per step, overdue steps and the
welfare fund's budget; for the district, a township and a program filter."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from casework.models import CaseStatus
from workflows.deadlines.workdays import current_calendar
from workflows.reports.report import (
    STATEMENTS,
    Query,
    build_report,
    days,
    may_view_reports,
    microseconds,
    nearest_rank,
    rate,
)

from .conftest import NOW

YEAR = Query(date(2026, 1, 1), date(2026, 12, 31))
D = Decimal


def statuses(**counts) -> dict:
    """A row of the status tables: every status (0 unless given) and the total."""
    row = {s.value: counts.get(s.value, 0) for s in CaseStatus}
    row["total"] = sum(counts.values())
    return row


def report(world, who="district", query=YEAR):
    return build_report(world.users[who], query, now=NOW)


def pk(world, code) -> str:
    return str(world.programs[code].pk)


# --- pure arithmetic --------------------------------------------------------------------

@pytest.mark.parametrize(("values", "percent", "expected"), [
    ([], 50, None),
    ([7], 50, 7), ([7], 90, 7),
    ([1, 2], 50, 1), ([1, 2], 90, 2),  # an even count: the lower middle value
    ([1, 2, 3, 4, 10], 50, 3), ([1, 2, 3, 4, 10], 90, 10),
    (list(range(1, 11)), 90, 9), (list(range(1, 11)), 50, 5),  # rank ceil(9.0) = 9
    (list(range(1, 21)), 90, 18),  # rank 18 exactly, no float drift to 19
])
def test_nearest_rank(values, percent, expected):
    assert nearest_rank(values, percent) == expected


def test_rates_and_days_round_half_up():
    assert rate(2, 3) == D("66.7") and rate(1, 8) == D("12.5") and rate(0, 0) is None
    assert rate(1, 16) == D("6.3")  # 6.25 up
    assert days(int(timedelta(hours=6).total_seconds()) * 10**6) == D("0.3")  # 0.25 up
    assert days(int(timedelta(days=4, hours=6).total_seconds()) * 10**6) == D("4.3")
    assert days(None) is None


# --- the district --------------------------------------------------------------------------

def test_cases_by_program_and_status(world):
    table = report(world).table("status_program").as_dict()
    md, wg, ps = (pk(world, c) for c in ("medical_discount", "welfare_grant",
                                          "pension_subsidy"))
    assert table[md] == statuses(approved=2, rejected=1, village_review=1, withdrawn=1,
                                 returned=1, township_review=1, submitted=1)
    assert table[wg] == statuses(approved=2, district_review=1, rejected=1, public_notice=1,
                                 appeal=1)
    assert table[ps] == statuses(approved=1, rejected=1)
    for code in ("health_check", "assistance_pairing", "income_project"):
        assert table[pk(world, code)] == statuses()
    assert table["total"] == statuses(approved=5, rejected=3, village_review=1, withdrawn=1,
                                      returned=1, township_review=1, submitted=1,
                                      district_review=1, public_notice=1, appeal=1)
    # every status has a case (the period's first and last second included)
    assert all(table["total"][s.value] for s in CaseStatus if s.value in (
        "submitted", "village_review", "returned", "public_notice", "township_review",
        "district_review", "approved", "rejected", "withdrawn", "appeal"))


def test_cases_by_township(world):
    r = report(world)
    by_status = r.table("status_area").as_dict()
    assert set(by_status) == {"330703001", "330703002", "total"}
    assert by_status["330703001"] == statuses(approved=4, rejected=2, village_review=1,
                                              district_review=1, withdrawn=1,
                                              public_notice=1)
    assert by_status["330703002"] == statuses(returned=1, township_review=1, approved=1,
                                              rejected=1, appeal=1, submitted=1)
    by_program = r.table("program_area").as_dict()
    md, wg, ps = (pk(world, c) for c in ("medical_discount", "welfare_grant",
                                          "pension_subsidy"))
    assert {k: by_program["330703001"][k] for k in (md, wg, ps, "total")} == {
        md: 5, wg: 4, ps: 1, "total": 10}
    assert {k: by_program["330703002"][k] for k in (md, wg, ps, "total")} == {
        md: 3, wg: 2, ps: 1, "total": 6}
    assert [row.label for row in r.table("status_area").rows] == ["镇1", "镇2"]


def test_approval_rates(world):
    r = report(world)
    md, wg, ps, hc = (pk(world, c) for c in ("medical_discount", "welfare_grant",
                                              "pension_subsidy", "health_check"))
    by_program = r.table("approval_program").as_dict()
    assert by_program[md] == {"approved": 2, "rejected": 1, "rate": D("66.7")}
    assert by_program[wg] == {"approved": 2, "rejected": 1, "rate": D("66.7")}
    assert by_program[ps] == {"approved": 1, "rejected": 1, "rate": D("50.0")}
    assert by_program[hc] == {"approved": 0, "rejected": 0, "rate": None}
    assert by_program["total"] == {"approved": 5, "rejected": 3, "rate": D("62.5")}
    by_step = r.table("approval_step").as_dict()
    assert by_step == {
        "village_review": {"approve": 11, "reject": 1, "return": 2, "rate": D("91.7")},
        "objection_review": {"approve": 1, "reject": 0, "return": 0, "rate": D("100.0")},
        "township_review": {"approve": 8, "reject": 1, "return": 0, "rate": D("88.9")},
        "district_review": {"approve": 3, "reject": 2, "return": 0, "rate": D("60.0")},
        "total": {"approve": 23, "reject": 4, "return": 2, "rate": D("85.2")},
    }
    matrix = r.table("approval_program_step").as_dict()
    assert matrix[md] == {"village_review": D("100.0"), "objection_review": None,
                          "township_review": D("66.7"), "district_review": None}
    assert matrix[wg] == {"village_review": D("100.0"), "objection_review": D("100.0"),
                          "township_review": D("100.0"), "district_review": D("50.0")}
    assert matrix[ps] == {"village_review": D("50.0"), "objection_review": None,
                          "township_review": D("100.0"), "district_review": D("100.0")}
    assert matrix[hc] == dict.fromkeys(matrix[hc])  # nothing decided: no rate


def test_days_per_step(world):
    table = report(world).table("step_days").as_dict()
    assert table == {
        # 1.08, 2.5, 3.04, 4.25, 10 days; 1, 2, 3, 4, 8 working days (a weekend inside)
        "village_review": {"tasks": 5, "median": D("3.0"), "p90": D("10.0"),
                           "median_work": 3, "p90_work": 8},
        "objection_review": {"tasks": 1, "median": D("0.3"), "p90": D("0.3"),
                             "median_work": 0, "p90_work": 0},
        "family_revision": {"tasks": 0, "median": None, "p90": None, "median_work": None,
                            "p90_work": None},
        # 0.5, 1, 2.75, 5 days (the last ends on a Saturday): 0, 1, 3, 4 working days
        "township_review": {"tasks": 4, "median": D("1.0"), "p90": D("5.0"),
                            "median_work": 1, "p90_work": 4},
        "district_review": {"tasks": 2, "median": D("3.0"), "p90": D("7.5"),
                            "median_work": 3, "p90_work": 5},
    }


def test_overdue_steps(world):
    r = report(world)
    assert r.table("overdue_area").as_dict() == {
        # the out-of-period case's overdue township step counts: a snapshot of now
        "330703001": {"open": 3, "overdue": 2, "escalated": 1},
        "330703002": {"open": 2, "overdue": 2, "escalated": 0},
        "total": {"open": 5, "overdue": 4, "escalated": 1},
    }
    assert r.table("overdue_step").as_dict() == {
        "village_review": {"open": 1, "overdue": 1, "escalated": 1},
        "objection_review": {"open": 0, "overdue": 0, "escalated": 0},
        "family_revision": {"open": 1, "overdue": 1, "escalated": 0},
        "township_review": {"open": 2, "overdue": 2, "escalated": 0},
        "district_review": {"open": 1, "overdue": 0, "escalated": 0},
        "total": {"open": 5, "overdue": 4, "escalated": 1},
    }


def test_welfare_fund_budget(world):
    table = report(world).table("budget").as_dict()
    wg, ps = pk(world, "welfare_grant"), pk(world, "pension_subsidy")
    assert set(table) == {wg, ps}  # the cash programs
    # the district's fund (casework.fund): 300 000 in 2025 less its 3000 grant carried over,
    # 200 000 more in 2026; 2026's grants 3000 + 5000 (ended: still spent); the other
    # district's grant is its own fund's
    assert table[wg] == {"budget": D("497000.00"), "grants": 2, "granted": D("8000.00"),
                         "remaining": D("489000.00"), "used": D("1.6"), "area_grants": 2,
                         "area_granted": D("8000.00")}
    assert table[ps] == {"budget": None, "grants": 1, "granted": D("600.00"),
                         "remaining": None, "used": None, "area_grants": 1,
                         "area_granted": D("600.00")}
    assert report(world, query=Query(date(2025, 1, 1), date(2025, 12, 31))).table(
        "budget").as_dict()[wg] == {
        "budget": D("300000.00"), "grants": 1, "granted": D("3000.00"),
        "remaining": D("297000.00"), "used": D("1.0"), "area_grants": 1,
        "area_granted": D("3000.00")}


def test_the_remaining_budget_is_what_the_budget_check_allows(world):
    """Granting exactly the remaining amount passes the fund's check
    (``casework.fund.services.reserve_grant``); a cent more does not: the report's
    "remaining" is the check's."""
    from casework.errors import CaseConflict
    from casework.fund import services as fund

    wg = world.programs["welfare_grant"]
    remaining = report(world).table("budget").value(str(wg.pk), "remaining")
    case = world.cases["wg_dr_v11"]
    on = date(2026, 8, 1)
    with pytest.raises(CaseConflict) as refused:
        fund.reserve_grant(case=case, amount=remaining + D("0.01"), on=on, actor=None)
    assert refused.value.code == "budget_exhausted"
    fund.reserve_grant(case=case, amount=remaining, on=on, actor=None)
    assert report(world).table("budget").value(str(wg.pk), "remaining") == D("0.00")


# --- scope and filters ----------------------------------------------------------------------

def test_a_township_sees_its_villages_only(world):
    r = report(world, "t1")
    assert r.scope.code == "330703001"
    by_status = r.table("status_area").as_dict()
    assert by_status == {
        "330703001001": statuses(approved=3, rejected=1, village_review=1,
                                 district_review=1),
        "330703001002": statuses(approved=1, withdrawn=1, rejected=1, public_notice=1),
        "total": statuses(approved=4, rejected=2, village_review=1, district_review=1,
                          withdrawn=1, public_notice=1),
    }
    assert [row.label for row in r.table("status_area").rows] == ["村1-1", "村1-2"]
    assert r.table("status_program").as_dict()["total"]["total"] == 10
    assert r.table("approval_step").as_dict()["total"] == {
        "approve": 16, "reject": 2, "return": 1, "rate": D("88.9")}
    steps = r.table("step_days").as_dict()
    assert steps["village_review"] == {"tasks": 4, "median": D("2.5"), "p90": D("4.3"),
                                       "median_work": 2, "p90_work": 4}
    assert steps["objection_review"]["tasks"] == 0  # t2's
    assert r.table("overdue_area").as_dict() == {
        "330703001001": {"open": 2, "overdue": 1, "escalated": 1},
        "330703001002": {"open": 1, "overdue": 1, "escalated": 0},
        "total": {"open": 3, "overdue": 2, "escalated": 1},
    }
    budget = r.table("budget").as_dict()[pk(world, "welfare_grant")]
    # the district's fund spent 8000 on grants in 2026, 3000 of it in t1's villages
    assert (budget["granted"], budget["area_grants"], budget["area_granted"]) == (
        D("8000.00"), 1, D("3000.00"))
    other = report(world, "t2").table("status_area").as_dict()
    assert set(other) == {"330703002001", "330703002002", "total"}
    assert other["total"]["total"] == 6


def test_another_district_counts_only_its_own(world):
    r = report(world, "far")
    assert r.table("status_program").as_dict()["total"]["total"] == 2
    assert r.table("overdue_area").as_dict()["total"] == {"open": 1, "overdue": 1,
                                                          "escalated": 1}


def test_a_program_filter(world):
    wg = world.programs["welfare_grant"]
    r = report(world, query=Query(YEAR.start, YEAR.end, wg.pk))
    assert list(r.table("status_program").as_dict()) == [str(wg.pk), "total"]
    assert r.table("status_program").as_dict()["total"] == statuses(
        approved=2, district_review=1, rejected=1, public_notice=1, appeal=1)
    assert r.table("approval_step").as_dict()["total"] == {
        "approve": 14, "reject": 2, "return": 0, "rate": D("87.5")}
    assert r.table("step_days").as_dict()["village_review"] == {
        "tasks": 2, "median": D("3.0"), "p90": D("10.0"), "median_work": 3, "p90_work": 8}
    assert r.table("overdue_area").as_dict()["total"] == {"open": 1, "overdue": 0,
                                                          "escalated": 0}
    assert set(r.table("budget").as_dict()) == {str(wg.pk)}
    medical = world.programs["medical_discount"]
    assert report(world, query=Query(YEAR.start, YEAR.end, medical.pk)).table(
        "budget").rows == ()


def test_the_period_is_inclusive_in_china_time(world):
    r = report(world, query=Query(date(2026, 1, 1), date(2026, 1, 1)))
    assert r.table("status_program").as_dict()["total"] == statuses(village_review=1)
    r = report(world, query=Query(date(2025, 12, 31), date(2025, 12, 31)))
    assert r.table("status_program").as_dict()["total"] == statuses(approved=1)
    assert r.table("step_days").as_dict()["village_review"]["tasks"] == 1


def test_who_may_read_reports(world):
    users = world.users
    assert [may_view_reports(users[k]) for k in (
        "t1", "district", "auditor", "admin", "village", "family")] == [
        True, True, True, True, False, False]


def test_a_constant_number_of_statements(world, django_assert_num_queries,
                                         django_assert_max_num_queries):
    calendar = current_calendar()
    with django_assert_num_queries(STATEMENTS):
        build_report(world.users["district"], YEAR, now=NOW, calendar=calendar)
    # one program: the other cash programs' budget reads are skipped
    with django_assert_max_num_queries(STATEMENTS):
        build_report(world.users["t1"], Query(YEAR.start, YEAR.end,
                                              world.programs["welfare_grant"].pk),
                     now=NOW, calendar=calendar)


def test_the_statements_do_not_grow_with_the_data(world, django_assert_num_queries):
    from .conftest import more_data

    more_data(world, 3)
    calendar = current_calendar()
    with django_assert_num_queries(STATEMENTS):
        r = build_report(world.users["district"], YEAR, now=NOW, calendar=calendar)
    assert r.table("status_program").as_dict()["total"]["total"] == 16 * 4
    assert r.table("step_days").as_dict()["village_review"] == {
        "tasks": 20, "median": D("3.0"), "p90": D("10.0"), "median_work": 3, "p90_work": 8}
    assert r.table("approval_step").as_dict()["total"]["rate"] == D("85.2")


def test_tasks_of_a_real_flow_are_counted(programs, areas, staff):
    """The stored task references the report looks for are the flow's own: a case
    submitted and decided by the services shows up in its step."""
    from casework.models import Household
    from tests import factories as f
    from workflows.applications import services

    household = f.household(areas["v11"], second_birth_renounced_date=date(1985, 3, 1),
                            hardship=True, annual_income_yuan=20000)
    applicant = f.person(household, birth=date(1950, 1, 1))
    case = services.submit_application(actor=staff["village"], household=Household.objects.get(
        pk=household.pk), program=programs["medical_discount"], applicant=applicant)
    from viewflow.workflow.models import Task

    task = Task.objects.get(process_id=case.process.pk, flow_task_type="HUMAN",
                            status="NEW")
    services.decide(actor=staff["village"], task_id=task.pk, decision="approve", reason="")
    from django.utils import timezone

    today = timezone.localdate()
    r = build_report(staff["district"], Query(today, today))
    assert r.table("step_days").as_dict()["village_review"]["tasks"] == 1
    assert r.table("approval_step").as_dict()["village_review"]["approve"] == 1
    assert r.table("overdue_step").as_dict()["township_review"]["open"] == 1
    assert r.table("status_program").as_dict()["total"]["township_review"] == 1


def test_nearest_rank_is_postgresqls_percentile_disc(world):
    """On PostgreSQL, ``percentile_disc`` over the same tasks picks the same durations as
    the report's nearest rank (the report computes them in Python on both databases)."""
    from django.db import connection

    from workflows.reports.report import step_refs

    if connection.vendor != "postgresql":
        pytest.skip("percentile_disc is PostgreSQL's")
    refs = step_refs()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.flow_task, percentile_disc(0.5) WITHIN GROUP (ORDER BY t.finished - "
            "t.created), percentile_disc(0.9) WITHIN GROUP (ORDER BY t.finished - t.created) "
            "FROM viewflow_task t JOIN viewflow_process p ON p.id = t.process_id "
            "JOIN casework_case c ON c.id = p.artifact_object_id "
            "WHERE t.status = 'DONE' AND t.flow_task = ANY(%s) AND c.area_id LIKE '330703%%' "
            "AND c.submitted_at >= %s AND c.submitted_at < %s GROUP BY t.flow_task",
            [list(refs), "2026-01-01T00:00:00+08:00", "2027-01-01T00:00:00+08:00"])
        database = {refs[ref]: (days(microseconds(p50)), days(microseconds(p90)))
                    for ref, p50, p90 in cursor.fetchall()}
    table = report(world).table("step_days").as_dict()
    assert database == {step: (row["median"], row["p90"]) for step, row in table.items()
                        if row["tasks"]}


def test_an_open_appeal_review_is_counted_and_named(world):
    """Appeal reviews have deadlines too: their row is labelled, not a bare step code."""
    from django.utils import timezone
    from viewflow.workflow.models import Task

    from workflows.models import Deadline

    task = Task.objects.filter(deadline__isnull=True,
                               process__case__area__code__startswith="330703").first()
    case = task.process.case
    Deadline.objects.create(task=task, case=case, step="appeal_review", working_days=10,
                            due_at=NOW - timezone.timedelta(days=1), stage="due",
                            next_at=None)
    table = report(world).table("overdue_step")
    assert table.as_dict()["appeal_review"] == {"open": 1, "overdue": 1, "escalated": 0}
    label = next(row.label for row in table.rows if row.key == "appeal_review")
    assert label == "申诉复核"
