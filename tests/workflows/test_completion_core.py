"""The one task-completion core (``workflows.completion``) as the three flows use it:
the actor travels explicitly (the history names who moved each step), a task of another
kind or one already done is refused the same way by each flow, and separation of duties
covers the re-certification review too."""

from datetime import date

import pytest
from viewflow.workflow.models import Task

from casework.errors import CaseConflict, NotPermitted
from casework.models import CaseStatus
from tests import factories as f
from tests.support.journey import decide, open_task, submit
from tests.workflows.test_recertification import YEAR, register, review_task  # noqa: F401
from workflows.appeals.flow import decide_appeal
from workflows.applications import services
from workflows.recertification.flow import decide_review, recertify

pytestmark = pytest.mark.django_db


def _actor_of(case, action):
    return case.events.get(action=action).actor


def test_each_step_is_entered_in_the_name_of_who_moved_it(programs, family_home, staff):
    case = submit(programs, family_home, "pension_subsidy")
    start = Task.objects.get(process_id=case.process.pk, flow_task_type="START")
    assert start.owner == family_home["user"]  # who started the process
    assert _actor_of(case, "enter_village_review") == family_home["user"]
    decide(staff["village"], case)
    case.refresh_from_db()
    assert case.status == CaseStatus.PUBLIC_NOTICE
    # the notice period's timer starts in the name of the approval before it
    assert _actor_of(case, "public_notice_started") == staff["village"]


def test_a_step_after_a_decision_is_entered_by_the_decider(programs, family_home, staff):
    case = submit(programs, family_home, "medical_discount")
    decide(staff["village"], case)
    assert _actor_of(case, "enter_township_review") == staff["village"]
    decide(staff["township"], case, "return", reason="请补充材料")
    assert _actor_of(case, "enter_family_revision") == staff["township"]
    services.resubmit(actor=family_home["user"], case=case)
    entered_again = case.events.filter(action="enter_village_review").order_by("-seq").first()
    assert entered_again.actor == family_home["user"]


def test_every_flow_refuses_a_task_of_another_kind_the_same_way(register, programs, areas):  # noqa: F811
    hh = f.household(areas["v11"])
    applicant = f.person(hh, birth=date(1979, 9, 9))
    village = register.staff["village"]
    case = services.submit_application(actor=village, household=hh,
                                       program=programs["medical_discount"],
                                       applicant=applicant)
    application_task = open_task(case)
    recertify(year=YEAR)
    review = review_task(register.flagged_v11[0])
    attempts = [
        lambda: decide_review(actor=village, task_id=application_task.pk,
                              decision="continue"),
        lambda: decide_appeal(actor=village, task_id=application_task.pk,
                              outcome="uphold"),
        lambda: services.decide(actor=village, task_id=review.pk, decision="approve"),
    ]
    for attempt in attempts:
        with pytest.raises(CaseConflict) as refused:
            attempt()
        assert refused.value.code == "wrong_step"


def test_every_flow_refuses_a_task_already_done(register):  # noqa: F811
    recertify(year=YEAR)
    review = review_task(register.flagged_v11[0])
    village = register.staff["village"]
    decide_review(actor=village, task_id=review.pk, decision="continue")
    with pytest.raises(CaseConflict) as refused:
        decide_review(actor=village, task_id=review.pk, decision="end", reason="再次")
    assert refused.value.code == "task_closed"


def test_a_reviewer_may_not_review_the_entitlement_of_their_own_household(register):  # noqa: F811
    recertify(year=YEAR)
    entitlement = register.flagged_v11[0]
    review = review_task(entitlement)
    household = entitlement.person.household
    neighbour = f.user("village_reviewer", household.area, household=household)
    with pytest.raises(NotPermitted) as refused:
        decide_review(actor=neighbour, task_id=review.pk, decision="continue")
    assert refused.value.code == "own_household"
    review.refresh_from_db()
    assert review.status != "DONE"  # nothing was completed
