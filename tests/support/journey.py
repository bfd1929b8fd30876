"""The steps of an application most tests take: submit, find the open task, decide.

One definition each: they had been copied into a dozen test modules (``submit`` seven
times, ``open_task`` eleven), each a little different.
"""

from __future__ import annotations

from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from casework.models import Case, Household
from tests import factories as f
from workflows.applications import services

OPEN = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)


def open_tasks(case: Case) -> list[Task]:
    """The case's open human tasks, oldest first."""
    return list(Task.objects.filter(process__case=case.pk, flow_task_type="HUMAN",
                                    status__in=OPEN).order_by("id"))


def open_task(case: Case) -> Task:
    """The case's one open human task (fails the test if there is not exactly one)."""
    tasks = open_tasks(case)
    assert len(tasks) == 1, f"expected exactly one open human task, got {tasks}"
    return tasks[0]


def apply(*, actor, household, applicant, program, project=None) -> Case:
    """``actor`` files ``applicant``'s application for ``program``. The household is read
    from the database as every caller (API, staff UI) has it."""
    household = Household.objects.select_related("area").get(pk=household.pk)
    return services.submit_application(actor=actor, household=household, program=program,
                                       applicant=applicant, project=project)


def submit(programs, home, code: str = "medical_discount", *, actor=None,
           applicant=None) -> Case:
    """``home`` (``family_home``-like: household, applicant, user) applies for ``code``;
    ``actor`` files it on the family's behalf when given; the income project names the
    project it applies to join."""
    project = f.project_for(home["household"]) if code == "income_project" else None
    return apply(actor=actor or home["user"], household=home["household"],
                 program=programs[code], applicant=applicant or home["applicant"],
                 project=project)


def decide(actor, case: Case, decision: str = "approve", reason: str = "") -> Case:
    """``actor`` decides the case's open task; the case as it is afterwards."""
    services.decide(actor=actor, task_id=open_task(case).pk, decision=decision,
                    reason=reason)
    case.refresh_from_db()
    return case
