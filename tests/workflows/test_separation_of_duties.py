"""Separation of duties in ``workflows.applications.services.decide``: one person decides one
level of a case (a reviewer moved up to the township cannot approve again what they approved in
the village), and no one decides a case of their own household. Refused with
``NotPermitted`` (HTTP 403) and a message saying why; nothing is written.

Same-level decisions stay allowed: the village reviewer who approved may review the
objections of the public notice, and decides the village review again after the family
resubmits a returned case.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.translation import gettext
from rest_framework.test import APIClient
from viewflow.workflow.models import Task

from casework.errors import NotPermitted
from casework.models import AuditEvent, CaseStatus, Decision, Objection
from tests import factories as f
from tests.support.journey import decide, open_task, submit
from workflows.applications import services
from workflows.tasks import fire_due_timers

OPEN = ("NEW", "ASSIGNED", "STARTED")
OTHER_LEVEL = "You already decided this case at another level; someone else must decide it " \
              "at this level."
OWN_HOUSEHOLD = "You may not decide a case of your own household."


def promote(user, role, area):
    """The same person, moved to another level (their account's role and area change)."""
    user.role, user.area = role, area
    user.save(update_fields=["role", "area"])
    return user


def written(case):
    return (Decision.objects.filter(case=case).count(),
            AuditEvent.objects.filter(case=case).count())


@pytest.fixture
def at_township(programs, family_home, staff):
    """A medical-discount case the village reviewer approved: at township review."""
    case = decide(staff["village"], submit(programs, family_home))
    assert case.status == CaseStatus.TOWNSHIP_REVIEW
    return case


# --- through the service ---------------------------------------------------------------

def test_a_reviewer_moved_up_cannot_decide_the_next_level_of_a_case_they_decided(
        at_township, areas, staff):
    reviewer = promote(staff["village"], "township_approver", areas["t1"])
    task, before = open_task(at_township), written(at_township)
    with translation.override("en"), pytest.raises(NotPermitted) as info:
        services.decide(actor=reviewer, task_id=task.pk, decision="approve")
    assert info.value.message == OTHER_LEVEL
    assert info.value.code == "decided_other_level"
    # nothing written: the task is still open for someone else, the case where it was
    at_township.refresh_from_db()
    assert at_township.status == CaseStatus.TOWNSHIP_REVIEW
    assert written(at_township) == before
    assert Task.objects.get(pk=task.pk).status in OPEN
    # every outcome is refused, not only approval
    for outcome in ("return", "reject"):
        with pytest.raises(NotPermitted):
            services.decide(actor=reviewer, task_id=task.pk, decision=outcome, reason="x")
    # a colleague at the township decides it
    assert decide(staff["township"], at_township).status == CaseStatus.APPROVED


def test_a_decision_at_another_level_also_blocks_the_district(programs, areas, family_home,
                                                              staff):
    """pension_subsidy goes village > public notice > township > district: the township
    approver, later made district approver, may not decide its district review."""
    case = decide(staff["village"], submit(programs, family_home, "pension_subsidy"))
    end_notice(case)
    case = decide(staff["township"], case)
    assert case.status == CaseStatus.DISTRICT_REVIEW
    approver = promote(staff["township"], "district_approver", areas["district"])
    with pytest.raises(NotPermitted):
        decide(approver, case)
    assert decide(staff["district"], case).status == CaseStatus.APPROVED


def test_the_same_reviewer_decides_again_at_the_same_level(programs, family_home, staff):
    """Returned and resubmitted, the case comes back to the same village reviewer; the
    objections of its public notice are reviewed by the village too."""
    users = staff
    case = decide(users["village"], submit(programs, family_home, "pension_subsidy"))
    assert case.status == CaseStatus.PUBLIC_NOTICE
    Objection.objects.create(case=case, lodged_by_name="邻居", text="收入不实",
                             lodged_at=case.submitted_at)
    end_notice(case)
    assert open_task(case).flow_task.name == "objection_review"
    case = decide(users["village"], case, "return", "请说明收入")  # objection review
    assert case.status == CaseStatus.RETURNED
    services.resubmit(actor=family_home["user"], case=case, statement="已补充")
    case.refresh_from_db()
    assert open_task(case).flow_task.name == "village_review"
    case = decide(users["village"], case)  # village review, second time
    assert case.status == CaseStatus.PUBLIC_NOTICE
    assert Decision.objects.filter(case=case, actor=users["village"]).count() == 3


def test_staff_cannot_decide_their_own_households_case(programs, family_home, staff, areas):
    household = family_home["household"]
    # a village reviewer of v11 who lives in the applying household
    relative = f.user("village_reviewer", areas["v11"], household=household)
    case = submit(programs, family_home)
    task, before = open_task(case), written(case)
    with translation.override("en"), pytest.raises(NotPermitted) as info:
        services.decide(actor=relative, task_id=task.pk, decision="approve")
    assert info.value.message == OWN_HOUSEHOLD
    assert info.value.code == "own_household"
    assert written(case) == before
    # at the township too
    case = decide(staff["village"], case)
    township_relative = f.user("township_approver", areas["t1"], household=household)
    with pytest.raises(NotPermitted):
        decide(township_relative, case)
    # staff with a household of their own decide other households' cases
    neighbour = f.household(areas["v11"])
    staff_with_home = f.user("township_approver", areas["t1"], household=neighbour)
    assert decide(staff_with_home, case).status == CaseStatus.APPROVED


def test_the_check_adds_no_statement(at_township, staff):
    """The decisions of the case are looked at inside the task's locking read (an EXISTS
    on the decision table's case index): no statement is added to a decision."""
    task = open_task(at_township)
    with CaptureQueriesContext(connection) as ctx:
        services.decide(actor=staff["township"], task_id=task.pk, decision="approve")
    reads = [q["sql"] for q in ctx.captured_queries
             if q["sql"].lstrip().upper().startswith("SELECT") and "casework_decision" in q["sql"]]
    assert len(reads) == 1, reads
    [lock] = reads
    assert "viewflow_task" in lock and "casework_case" in lock
    if connection.features.has_select_for_update_of:
        assert "FOR UPDATE" in lock


# --- through the API ---------------------------------------------------------------------

def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_api_answers_403_with_the_reason(at_township, areas, staff):
    reviewer = promote(staff["village"], "township_approver", areas["t1"])
    task = open_task(at_township)
    response = api(reviewer).post(f"/api/v1/tasks/{task.pk}/decision/",
                                  {"decision": "approve"}, format="json",
                                  HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403, response.content
    assert response.json() == {"detail": OTHER_LEVEL, "code": "decided_other_level"}
    # in the default language, the translated message
    response = api(reviewer).post(f"/api/v1/tasks/{task.pk}/decision/",
                                  {"decision": "approve"}, format="json")
    assert response.status_code == 403
    with translation.override("zh-hans"):
        chinese = gettext(OTHER_LEVEL)
    assert chinese != OTHER_LEVEL
    assert response.json()["detail"] == chinese
    # the case did not move
    response = api(staff["township"]).post(f"/api/v1/tasks/{task.pk}/decision/",
                                           {"decision": "approve"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "approved"


def test_the_api_refuses_a_decision_on_ones_own_household(programs, family_home, areas):
    relative = f.user("village_reviewer", areas["v11"], household=family_home["household"])
    case = submit(programs, family_home)
    task = open_task(case)
    response = api(relative).post(f"/api/v1/tasks/{task.pk}/decision/",
                                  {"decision": "approve"}, format="json",
                                  HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403, response.content
    assert response.json() == {"detail": OWN_HOUSEHOLD, "code": "own_household"}
    response = api(relative).post(f"/api/v1/tasks/{task.pk}/decision/",
                                  {"decision": "approve"}, format="json")
    with translation.override("zh-hans"):
        assert response.json()["detail"] == gettext(OWN_HOUSEHOLD) != OWN_HOUSEHOLD
    assert Task.objects.get(pk=task.pk).status in OPEN


# --- helpers -------------------------------------------------------------------------------

def end_notice(case):
    """The public notice's timer made due and fired (the beat task)."""
    timer = Task.objects.get(process_id=case.process.pk, flow_task_type="TIMER",
                             status="SCHEDULED")
    Task.objects.filter(pk=timer.pk).update(scheduled=timezone.now() - timedelta(seconds=1))
    fire_due_timers()
    case.refresh_from_db()
    return case
