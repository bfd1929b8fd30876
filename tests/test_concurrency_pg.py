"""Races on one case, run for real: two threads, two database connections, PostgreSQL.

SQLite serialises whole-database writes, so these races only mean something on
PostgreSQL with its row locks; elsewhere the module is skipped, saying why.
Each test commits its data (transaction=True) so the threads see it.
"""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient
from viewflow.workflow.models import Task

from casework.errors import CaseConflict, IneligibleApplication
from casework.models import AuditEvent, Case, CaseStatus, Decision, Household, Objection
from tests import factories as f
from workflows.applications import services
from workflows.tasks import fire_due_timers

pytestmark = [
    pytest.mark.requires_postgres("row-lock races need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]

PASSWORD = "pw-Test-12345"
OPEN = ("NEW", "ASSIGNED", "STARTED")


def race(*calls, timeout=60):
    """Run the callables at the same moment, one thread and one connection each.

    Returns, per callable, ("ok", value) or ("error", exception)."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=timeout)
            results[i] = ("ok", call())
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            results[i] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
        assert not t.is_alive(), "a racing thread hung"
    return results


def open_human_tasks(case):
    return list(Task.objects.filter(process_id=case.process.pk, flow_task_type="HUMAN",
                                    status__in=OPEN))


def new_case(programs, home, code="medical_discount"):
    return services.submit_application(actor=home["user"],
                                       household=Household.objects.get(pk=home["household"].pk),
                                       program=programs[code], applicant=home["applicant"])


def assert_history_sound(case):
    seqs = list(AuditEvent.objects.filter(case=case).order_by("id")
                .values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))


@pytest.mark.parametrize("decisions", [("approve", "approve"), ("approve", "reject"),
                                       ("return", "approve")])
def test_two_reviewers_decide_the_same_task_once(programs, areas, family_home, staff,
                                                 decisions):
    second_reviewer = f.user("village_reviewer", areas["v11"])
    reviewers = (staff["village"], second_reviewer)
    for _round in range(3):
        case = new_case(programs, family_home)
        (task,) = open_human_tasks(case)

        def deciding(actor, decision, task_id=task.pk):
            return lambda: services.decide(actor=actor, task_id=task_id, decision=decision,
                                           reason="理由")

        results = race(*(deciding(r, d) for r, d in zip(reviewers, decisions, strict=True)))
        outcomes = sorted(kind for kind, _ in results)
        assert outcomes == ["error", "ok"], results
        (winner,) = [i for i, (kind, _) in enumerate(results) if kind == "ok"]
        error = next(value for kind, value in results if kind == "error")
        assert isinstance(error, CaseConflict), repr(error)

        case.refresh_from_db()
        decided = Decision.objects.filter(task_id=task.pk)
        assert decided.count() == 1
        assert case.decisions.count() == 1
        assert decided.get().outcome == decisions[winner]
        assert decided.get().actor == reviewers[winner]
        expected = {"approve": (CaseStatus.TOWNSHIP_REVIEW, ["township_review"]),
                    "reject": (CaseStatus.REJECTED, []),
                    "return": (CaseStatus.RETURNED, ["family_revision"])}[decisions[winner]]
        assert case.status == expected[0]
        assert [t.flow_task.name for t in open_human_tasks(case)] == expected[1]
        assert_history_sound(case)
        if case.status != CaseStatus.REJECTED:
            services.withdraw(actor=family_home["user"], case=case)


def test_two_api_clients_decide_at_once_one_gets_409(programs, areas, family_home, staff):
    second_reviewer = f.user("village_reviewer", areas["v11"])
    clients = []
    for user in (staff["village"], second_reviewer):
        token = APIClient().post("/api/v1/auth/token/", {"username": user.username,
                                                         "password": PASSWORD},
                                 format="json").json()["token"]
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        clients.append(client)
    case = new_case(programs, family_home)
    (task,) = open_human_tasks(case)
    url = f"/api/v1/tasks/{task.pk}/decision/"
    results = race(*(lambda c=c: c.post(url, {"decision": "approve"}, format="json")
                     for c in clients))
    assert all(kind == "ok" for kind, _ in results), results
    codes = sorted(response.status_code for _, response in results)
    assert codes == [200, 409], [r.content for _, r in results]
    case.refresh_from_db()
    assert case.status == CaseStatus.TOWNSHIP_REVIEW
    assert case.decisions.count() == 1
    assert [t.flow_task.name for t in open_human_tasks(case)] == ["township_review"]


def test_withdraw_racing_a_decision_leaves_a_consistent_case(programs, family_home, staff):
    for _round in range(3):
        case = new_case(programs, family_home)
        (task,) = open_human_tasks(case)
        results = race(
            lambda case=case: services.withdraw(actor=family_home["user"], case=case),
            lambda task=task: services.decide(actor=staff["village"], task_id=task.pk,
                                              decision="approve"),
        )
        for kind, value in results:
            assert kind == "ok" or isinstance(value, CaseConflict), repr(value)
        assert results[0][0] == "ok", "the family may always withdraw an open case"
        case.refresh_from_db()
        assert case.status == CaseStatus.WITHDRAWN
        assert open_human_tasks(case) == []
        assert case.decisions.count() == (1 if results[1][0] == "ok" else 0)
        assert_history_sound(case)


def test_the_same_application_twice_at_once_makes_one_case(programs, family_home):
    results = race(lambda: new_case(programs, family_home, "pension_subsidy"),
                   lambda: new_case(programs, family_home, "pension_subsidy"))
    kinds = sorted(kind for kind, _ in results)
    assert kinds == ["error", "ok"], results
    error = next(value for kind, value in results if kind == "error")
    assert isinstance(error, IneligibleApplication), repr(error)
    assert error.code == "duplicate"
    assert Case.objects.filter(applicant=family_home["applicant"]).count() == 1


def test_an_objection_racing_the_end_of_the_notice_is_never_lost(programs, family_home, staff):
    for _round in range(3):
        case = new_case(programs, family_home, "pension_subsidy")
        services.decide(actor=staff["village"], task_id=open_human_tasks(case)[0].pk,
                        decision="approve")
        Task.objects.filter(process_id=case.process.pk, flow_task_type="TIMER").update(
            scheduled=timezone.now() - timedelta(seconds=1))
        results = race(
            fire_due_timers,
            lambda case=case: services.lodge_objection(actor=staff["village"], case=case,
                                                       lodged_by_name="邻居", text="异议"),
        )
        assert results[0] == ("ok", 1), results
        lodged = results[1]
        assert lodged[0] == "ok" or isinstance(lodged[1], CaseConflict), repr(lodged)
        steps = [t.flow_task.name for t in open_human_tasks(case)]
        if Objection.objects.filter(case=case).exists():
            assert steps == ["objection_review"]
        else:
            assert steps == ["township_review"]
        case.refresh_from_db()
        assert_history_sound(case)
        services.withdraw(actor=family_home["user"], case=case)
