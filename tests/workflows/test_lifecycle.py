"""The whole life of an application through the service layer (workflows.applications.services).

Every program's path, the public notice timer, objections, return and resubmit,
withdrawal, rejection, duplicates, and the errors the services raise.
"""

from datetime import date, timedelta
from decimal import Decimal
from itertools import count

import pytest
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import PROCESS, STATUS

from casework.errors import CaseConflict, IneligibleApplication, InvalidInput, NotPermitted
from casework.models import (
    AuditEvent,
    Case,
    CaseStatus,
    Decision,
    Entitlement,
    Objection,
    OutboxMessage,
)
from eligibility.grants import add_years
from eligibility.rules import CURRENT
from tests import factories as f
from tests.support.journey import open_task, submit
from workflows.applications import services
from workflows.tasks import fire_due_timers

OPEN = ("NEW", "ASSIGNED", "STARTED")

_births = count()

# welfare grants are paid from the fund: give it this year's allocation
pytestmark = pytest.mark.usefixtures("welfare_fund")


def unique_birth():
    """A distinct birth date per person: tests.factories.person derives the resident ID
    from birth date and a parity-adjusted counter, so same-day births can collide."""
    return date(1940, 1, 1) + timedelta(days=next(_births))


# --- helpers -----------------------------------------------------------------------------

def working_age_home(home):
    """``home`` applying through a working-age son living with his parents: the income
    project (少生快富) wants an applicant of working age, family_home's head is past it."""
    son = f.person(home["household"], name="王小军", birth=date(1986, 8, 14),
                   relationship="child")
    return {**home, "applicant": son}


def home_for(code, home):
    return working_age_home(home) if code == "income_project" else home


def open_human_tasks(case):
    return list(Task.objects.filter(process_id=case.process.pk, flow_task_type="HUMAN",
                                    status__in=OPEN).order_by("id"))


def step_of(task):
    return task.flow_task.name


def notice_timer(case):
    """The case's latest public-notice timer (a returned case may be posted twice)."""
    return Task.objects.filter(process_id=case.process.pk, flow_task_type="TIMER").latest("id")


def end_notice(case):
    """Move the public notice's due moment to the past and let the beat task fire it."""
    timer = notice_timer(case)
    assert timer.status == STATUS.SCHEDULED
    Task.objects.filter(pk=timer.pk).update(scheduled=timezone.now() - timedelta(seconds=1))
    return fire_due_timers()


def approve(actor, case, reason=""):
    services.decide(actor=actor, task_id=open_task(case).pk, decision="approve", reason=reason)
    case.refresh_from_db()
    return case


def actions(case):
    return list(AuditEvent.objects.filter(case=case).order_by("seq")
                .values_list("action", flat=True))


def assert_history_well_formed(case):
    seqs = list(AuditEvent.objects.filter(case=case).order_by("id")
                .values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1)), "audit seq must count 1, 2, 3... in order"
    case.refresh_from_db()
    assert case.version == len(seqs)


def templates(case):
    return list(OutboxMessage.objects.filter(case=case).order_by("id")
                .values_list("template", flat=True))


# programs whose grant runs to the end of its calendar year (the health check is yearly,
# seed line 150; the pension subsidy and the welfare grant yearly, assumed): the others
# run ``years`` from the grant
CALENDAR_YEAR = {"pension_subsidy", "welfare_grant", "health_check"}


def assert_entitlement(case, *, years, amount):
    today = timezone.localdate()
    ent = Entitlement.objects.get(case=case)
    assert ent.state == Entitlement.State.LIVE
    assert ent.person_id == case.applicant_id
    assert ent.household_id == case.household_id
    assert ent.program_id == case.program_id
    assert ent.area_id == case.area_id
    assert ent.valid_from == today
    if case.program.code in CALENDAR_YEAR:
        assert ent.valid_to == date(today.year, 12, 31)
    else:
        assert ent.valid_to == add_years(today, years) - timedelta(days=1)
    assert ent.unit_key == case.unit_key
    assert ent.amount_yuan == Decimal(amount)
    assert ent.number.startswith(f"JD{today:%Y}")
    return ent


def assert_finished(case):
    case.refresh_from_db()
    assert case.closed_at is not None
    assert open_human_tasks(case) == []
    assert case.process.status == PROCESS.DONE


# --- the six programs, start to grant ----------------------------------------------------

@pytest.mark.parametrize("code, years", [("medical_discount", 3), ("income_project", 1)])
def test_township_programs_go_village_then_township_and_grant(programs, family_home, staff,
                                                              code, years):
    case = submit(programs, home_for(code, family_home), code)
    assert case.status == CaseStatus.VILLAGE_REVIEW
    assert case.eligible is True and case.rule_version == CURRENT[code]
    assert step_of(open_task(case)) == "village_review"

    approve(staff["village"], case)
    assert case.status == CaseStatus.TOWNSHIP_REVIEW
    assert step_of(open_task(case)) == "township_review"
    assert not Task.objects.filter(process_id=case.process.pk, flow_task_type="TIMER").exists()

    approve(staff["township"], case)
    assert case.status == CaseStatus.APPROVED
    assert_entitlement(case, years=years, amount="0")
    assert_finished(case)
    assert actions(case) == [
        "submitted", "eligibility_precheck", "enter_village_review", "decision_approve",
        "enter_township_review", "decision_approve", "granted",
    ]
    assert_history_well_formed(case)
    assert list(case.decisions.values_list("step", "outcome", "actor")) == [
        ("village_review", "approve", staff["village"].pk),
        ("township_review", "approve", staff["township"].pk),
    ]
    sent = templates(case)
    assert sent.count("case_submitted") == 2  # SMS to the applicant and in-app
    assert sent.count("task_waiting") == 2  # village, then township staff
    assert sent[-2:] == ["case_approved", "case_approved"]


@pytest.mark.parametrize("code, amount", [("pension_subsidy", "600"),
                                          ("welfare_grant", "3000")])
def test_notice_programs_go_village_notice_township_district(programs, family_home, staff,
                                                             code, amount):
    case = submit(programs, family_home, code)
    approve(staff["village"], case)
    assert case.status == CaseStatus.PUBLIC_NOTICE
    assert open_human_tasks(case) == []
    timer = notice_timer(case)
    assert timer.status == STATUS.SCHEDULED
    expected_until = timezone.now() + timedelta(days=7)
    assert abs((timer.scheduled - expected_until).total_seconds()) < 120

    # not due yet: the beat sweep leaves it alone
    assert fire_due_timers() == 0
    case.refresh_from_db()
    assert case.status == CaseStatus.PUBLIC_NOTICE

    assert end_notice(case) == 1
    case.refresh_from_db()
    assert case.status == CaseStatus.TOWNSHIP_REVIEW
    assert notice_timer(case).status == STATUS.DONE
    assert step_of(open_task(case)) == "township_review"

    approve(staff["township"], case)
    assert case.status == CaseStatus.DISTRICT_REVIEW
    assert step_of(open_task(case)) == "district_review"
    assert not Entitlement.objects.filter(case=case).exists()

    approve(staff["district"], case)
    assert case.status == CaseStatus.APPROVED
    assert_entitlement(case, years=1, amount=amount)
    assert_finished(case)
    assert actions(case) == [
        "submitted", "eligibility_precheck", "enter_village_review", "decision_approve",
        "public_notice_started", "public_notice_ended", "enter_township_review",
        "decision_approve", "enter_district_review", "decision_approve", "granted",
    ]
    assert_history_well_formed(case)
    sent = templates(case)
    assert sent.count("case_public_notice") == 2
    assert sent.count("task_waiting") == 3
    assert sent[-1] == "case_approved"


def test_welfare_grant_for_special_family_grants_the_special_amount(programs, areas, staff):
    hh = f.household(areas["v11"], special_family="lost_only_child", annual_income_yuan=8000)
    applicant = f.person(hh, name="赵某", birth=unique_birth())
    account = f.user("family", areas["v11"], household=hh)
    home = {"household": hh, "applicant": applicant, "user": account}
    case = submit(programs, home, "welfare_grant")
    approve(staff["village"], case)
    end_notice(case)
    approve(staff["township"], case)
    approve(staff["district"], case)
    assert_entitlement(case, years=1, amount="5000")


def test_welfare_grant_precheck_on_a_household_object_built_in_code(programs, areas, staff):
    """An int income on an unsaved-to-Decimal household object still pre-checks."""
    hh = f.household(areas["v11"], hardship=True, annual_income_yuan=10000)
    applicant = f.person(hh, birth=unique_birth())
    account = f.user("family", areas["v11"], household=hh)
    case = services.submit_application(actor=account, household=hh,
                                       program=programs["welfare_grant"], applicant=applicant)
    assert case.eligible is True


def test_health_check_village_approval_is_final(programs, family_home, staff):
    case = submit(programs, family_home, "health_check")
    approve(staff["village"], case)
    assert case.status == CaseStatus.APPROVED
    assert_entitlement(case, years=1, amount="0")
    assert_finished(case)
    assert actions(case) == ["submitted", "eligibility_precheck", "enter_village_review",
                             "decision_approve", "granted"]
    assert_history_well_formed(case)


def test_assistance_pairing_village_then_township(programs, family_home, staff):
    case = submit(programs, family_home, "assistance_pairing")
    approve(staff["village"], case)
    assert case.status == CaseStatus.TOWNSHIP_REVIEW
    approve(staff["township"], case)
    assert case.status == CaseStatus.APPROVED
    assert_entitlement(case, years=1, amount="0")
    assert_finished(case)
    assert_history_well_formed(case)


def test_village_staff_may_apply_on_the_familys_behalf(programs, family_home, staff):
    case = submit(programs, family_home, "medical_discount", actor=staff["village"])
    assert case.on_behalf is True and case.filed_by == staff["village"]
    assert case.status == CaseStatus.VILLAGE_REVIEW


def test_an_ineligible_application_is_stored_with_its_reasons(programs, areas, staff):
    hh = f.household(areas["v11"], one_child_certificate_date=None)
    applicant = f.person(hh, member=False, birth=unique_birth())
    account = f.user("family", areas["v11"], household=hh)
    case = submit(programs, {"household": hh, "applicant": applicant, "user": account},
                  "medical_discount")
    assert case.eligible is False
    failed = {c["code"] for c in case.eligibility["criteria"] if not c["passed"]}
    assert failed == {"active_member", "one_child_or_two_daughter"}
    event = AuditEvent.objects.get(case=case, action="eligibility_precheck")
    assert sorted(event.detail["failed"]) == sorted(failed)


def test_income_project_criteria_and_their_reasons(programs, family_home, areas):
    case = submit(programs, working_age_home(family_home), "income_project")
    criteria = case.eligibility["criteria"]
    assert [c["code"] for c in criteria] == ["family_planning_household", "income_below_limit",
                                             "working_age", "no_duplicate"]
    assert all(c["passed"] for c in criteria)
    assert case.eligibility["parameters"]["income_per_head_limit_yuan"] == 20000

    # past working age (another household: this one's application is open, and one
    # project support per household): stored, refused on age alone, with the age shown
    elder_home = f.household(areas["v11"])
    elder = f.person(elder_home, name="老李", birth=date(1950, 2, 3))
    old = submit(programs, {"household": elder_home, "applicant": elder,
                            "user": f.user("family", areas["v11"], household=elder_home)},
                 "income_project")
    assert old.eligible is False
    failed = [c for c in old.eligibility["criteria"] if not c["passed"]]
    assert [c["code"] for c in failed] == ["working_age"]
    age = failed[0]["values"]["age"]
    assert age > 60
    assert failed[0]["reason_zh"] == f"申请人年龄在18至60周岁之间：否（{age}岁）"

    # not a family-planning household, 25,000 yuan a head
    hh = f.household(areas["v11"], one_child_certificate_date=None, annual_income_yuan=50000)
    applicant = f.person(hh, birth=date(1980, 2, 3))
    f.person(hh, name="李四", birth=date(1981, 7, 9), sex="F", relationship="spouse")
    account = f.user("family", areas["v11"], household=hh)
    case = submit(programs, {"household": hh, "applicant": applicant, "user": account},
                  "income_project")
    assert case.eligible is False
    by_code = {c["code"]: c for c in case.eligibility["criteria"]}
    assert {code for code, c in by_code.items() if not c["passed"]} == {
        "family_planning_household", "income_below_limit"}
    assert (by_code["income_below_limit"]["reason_zh"]
            == "家庭人均年收入低于20000元：否（25000.00元）")
    assert by_code["family_planning_household"]["reason_zh"].endswith("：否（均无）")


# --- return, resubmit, reject, withdraw ----------------------------------------------------

def test_return_and_resubmit_goes_back_to_village_review(programs, family_home, staff):
    case = submit(programs, family_home, "medical_discount")
    with pytest.raises(InvalidInput) as exc:
        services.decide(actor=staff["village"], task_id=open_task(case).pk,
                        decision="return", reason="  ")
    assert exc.value.field == "reason"

    services.decide(actor=staff["village"], task_id=open_task(case).pk, decision="return",
                    reason="请补交独生子女证复印件")
    case.refresh_from_db()
    assert case.status == CaseStatus.RETURNED
    task = open_task(case)
    assert step_of(task) == "family_revision"
    assert task.owner_permission_obj_pk.endswith(f"/hh{family_home['household'].pk}")
    assert "case_returned" in templates(case)

    services.resubmit(actor=family_home["user"], case=case, statement="已补交")
    case.refresh_from_db()
    assert case.status == CaseStatus.VILLAGE_REVIEW
    assert case.statement == "已补交"
    assert step_of(open_task(case)) == "village_review"

    approve(staff["village"], case)
    approve(staff["township"], case)
    assert case.status == CaseStatus.APPROVED
    assert actions(case) == [
        "submitted", "eligibility_precheck", "enter_village_review", "decision_return",
        "enter_family_revision", "resubmitted", "enter_village_review", "decision_approve",
        "enter_township_review", "decision_approve", "granted",
    ]
    assert_history_well_formed(case)


def test_township_return_also_goes_to_family_then_village(programs, family_home, staff):
    case = submit(programs, family_home, "assistance_pairing")
    approve(staff["village"], case)
    services.decide(actor=staff["township"], task_id=open_task(case).pk, decision="return",
                    reason="材料不全")
    case.refresh_from_db()
    assert case.status == CaseStatus.RETURNED
    services.resubmit(actor=family_home["user"], case=case)
    case.refresh_from_db()
    assert case.status == CaseStatus.VILLAGE_REVIEW


def test_village_staff_may_resubmit_for_an_offline_family(programs, family_home, staff):
    case = submit(programs, family_home, "medical_discount")
    services.decide(actor=staff["village"], task_id=open_task(case).pk, decision="return",
                    reason="缺材料")
    with pytest.raises(NotPermitted):
        services.resubmit(actor=staff["village_other"], case=case)
    services.resubmit(actor=staff["village"], case=case)
    case.refresh_from_db()
    assert case.status == CaseStatus.VILLAGE_REVIEW


def test_resubmit_of_a_case_that_was_not_returned_conflicts(programs, family_home):
    case = submit(programs, family_home, "medical_discount")
    with pytest.raises(CaseConflict):
        services.resubmit(actor=family_home["user"], case=case)


def test_reject_needs_a_reason_and_ends_the_case(programs, family_home, staff):
    case = submit(programs, family_home, "pension_subsidy")
    task = open_task(case)
    with pytest.raises(InvalidInput) as exc:
        services.decide(actor=staff["village"], task_id=task.pk, decision="reject")
    assert exc.value.field == "reason"
    with pytest.raises(InvalidInput):
        services.decide(actor=staff["village"], task_id=task.pk, decision="maybe")
    assert not Decision.objects.filter(case=case).exists()

    services.decide(actor=staff["village"], task_id=task.pk, decision="reject",
                    reason="年龄不符")
    case.refresh_from_db()
    assert case.status == CaseStatus.REJECTED
    assert case.closed_at is not None
    assert not Entitlement.objects.filter(case=case).exists()
    assert open_human_tasks(case) == []
    assert case.process.status == PROCESS.DONE
    assert actions(case)[-2:] == ["decision_reject", "rejected"]
    assert case.decisions.get().reason == "年龄不符"
    assert templates(case)[-1] == "case_rejected"

    # the decided task is closed now
    with pytest.raises(CaseConflict):
        services.decide(actor=staff["village"], task_id=task.pk, decision="approve")
    assert case.decisions.count() == 1


def test_district_rejection_after_the_notice(programs, family_home, staff):
    case = submit(programs, family_home, "welfare_grant")
    approve(staff["village"], case)
    end_notice(case)
    approve(staff["township"], case)
    services.decide(actor=staff["district"], task_id=open_task(case).pk, decision="reject",
                    reason="预算已用完")
    case.refresh_from_db()
    assert case.status == CaseStatus.REJECTED
    assert open_human_tasks(case) == []
    assert not Entitlement.objects.filter(case=case).exists()


def test_a_rejected_person_may_apply_again(programs, family_home, staff):
    case = submit(programs, family_home, "medical_discount")
    services.decide(actor=staff["village"], task_id=open_task(case).pk, decision="reject",
                    reason="x")
    again = submit(programs, family_home, "medical_discount")
    assert again.pk != case.pk and again.status == CaseStatus.VILLAGE_REVIEW


def test_withdraw_cancels_the_process(programs, family_home, staff):
    case = submit(programs, family_home, "medical_discount")
    approve(staff["village"], case)
    services.withdraw(actor=family_home["user"], case=case, reason="不需要了")
    case.refresh_from_db()
    assert case.status == CaseStatus.WITHDRAWN
    assert case.closed_at is not None
    assert case.process.status == PROCESS.CANCELED
    assert open_human_tasks(case) == []
    assert not Task.objects.filter(process_id=case.process.pk,
                                   status__in=OPEN + ("SCHEDULED",)).exists()
    assert actions(case)[-1] == "withdrawn"
    assert templates(case)[-1] == "case_withdrawn"
    assert_history_well_formed(case)
    with pytest.raises(CaseConflict):
        services.withdraw(actor=family_home["user"], case=case)


def test_a_withdrawn_person_may_apply_again(programs, family_home, staff):
    case = submit(programs, family_home, "pension_subsidy")
    services.withdraw(actor=family_home["user"], case=case)
    again = submit(programs, family_home, "pension_subsidy")
    assert again.status == CaseStatus.VILLAGE_REVIEW and again.pk != case.pk


def test_district_return_runs_the_notice_again_after_resubmission(programs, family_home,
                                                                   staff):
    case = submit(programs, family_home, "welfare_grant")
    approve(staff["village"], case)
    end_notice(case)
    approve(staff["township"], case)
    services.decide(actor=staff["district"], task_id=open_task(case).pk, decision="return",
                    reason="请补充收入证明")
    case.refresh_from_db()
    assert case.status == CaseStatus.RETURNED
    services.resubmit(actor=family_home["user"], case=case)
    approve(staff["village"], case)
    assert case.status == CaseStatus.PUBLIC_NOTICE
    timers = Task.objects.filter(process_id=case.process.pk, flow_task_type="TIMER")
    assert sorted(timers.values_list("status", flat=True)) == [STATUS.DONE, STATUS.SCHEDULED]
    assert end_notice(case) == 1
    case.refresh_from_db()
    assert case.status == CaseStatus.TOWNSHIP_REVIEW
    approve(staff["township"], case)
    approve(staff["district"], case)
    assert case.status == CaseStatus.APPROVED
    assert_entitlement(case, years=1, amount="3000")
    assert_finished(case)
    acts = actions(case)
    assert acts.count("public_notice_started") == 2 and acts.count("public_notice_ended") == 2
    assert_history_well_formed(case)


def test_withdraw_during_objection_review(programs, family_home, staff):
    case = submit(programs, family_home, "pension_subsidy")
    approve(staff["village"], case)
    services.lodge_objection(actor=staff["village"], case=case, lodged_by_name="x", text="y")
    end_notice(case)
    assert step_of(open_task(case)) == "objection_review"
    services.withdraw(actor=family_home["user"], case=case)
    case.refresh_from_db()
    assert case.status == CaseStatus.WITHDRAWN
    assert open_human_tasks(case) == []


def test_withdraw_during_the_public_notice_cancels_the_timer(programs, family_home, staff):
    case = submit(programs, family_home, "pension_subsidy")
    approve(staff["village"], case)
    services.withdraw(actor=family_home["user"], case=case)
    case.refresh_from_db()
    assert case.status == CaseStatus.WITHDRAWN
    assert notice_timer(case).status == STATUS.CANCELED
    Task.objects.filter(process_id=case.process.pk, flow_task_type="TIMER").update(
        scheduled=timezone.now() - timedelta(days=1))
    assert fire_due_timers() == 0
    case.refresh_from_db()
    assert case.status == CaseStatus.WITHDRAWN


def test_withdraw_a_returned_case(programs, family_home, staff):
    case = submit(programs, family_home, "medical_discount")
    services.decide(actor=staff["village"], task_id=open_task(case).pk, decision="return",
                    reason="缺材料")
    services.withdraw(actor=family_home["user"], case=case)
    case.refresh_from_db()
    assert case.status == CaseStatus.WITHDRAWN
    assert open_human_tasks(case) == []


def test_withdraw_after_the_grant_conflicts(programs, family_home, staff):
    case = submit(programs, family_home, "health_check")
    approve(staff["village"], case)
    with pytest.raises(CaseConflict):
        services.withdraw(actor=family_home["user"], case=case)
    case.refresh_from_db()
    assert case.status == CaseStatus.APPROVED


def test_approvers_and_auditors_may_not_withdraw(programs, family_home, staff):
    case = submit(programs, family_home, "medical_discount")
    for who in ("township", "auditor"):
        with pytest.raises(NotPermitted):
            services.withdraw(actor=staff[who], case=case)
    case.refresh_from_db()
    assert case.status == CaseStatus.VILLAGE_REVIEW


# --- the public notice and objections -------------------------------------------------------

def test_objection_holds_the_case_for_village_review_which_dismisses_it(programs, family_home,
                                                                        staff):
    case = submit(programs, family_home, "pension_subsidy")
    with pytest.raises(CaseConflict):  # not in notice yet
        services.lodge_objection(actor=staff["village"], case=case, lodged_by_name="邻居",
                                 text="情况不实")
    approve(staff["village"], case)
    objection = services.lodge_objection(actor=staff["village"], case=case,
                                         lodged_by_name="邻居", text="情况不实")
    with pytest.raises(InvalidInput):
        services.lodge_objection(actor=staff["village"], case=case, lodged_by_name="邻居",
                                 text="  ")

    end_notice(case)
    case.refresh_from_db()
    assert case.status == CaseStatus.PUBLIC_NOTICE
    task = open_task(case)
    assert step_of(task) == "objection_review"

    approve(staff["village"], case, reason="经核实，异议不成立")
    assert case.status == CaseStatus.TOWNSHIP_REVIEW
    objection.refresh_from_db()
    assert objection.resolved_at is not None and objection.upheld is False
    assert objection.resolution == "经核实，异议不成立"
    approve(staff["township"], case)
    approve(staff["district"], case)
    assert case.status == CaseStatus.APPROVED
    assert actions(case) == [
        "submitted", "eligibility_precheck", "enter_village_review", "decision_approve",
        "public_notice_started", "objection_lodged", "public_notice_ended",
        "enter_objection_review", "decision_approve", "enter_township_review",
        "decision_approve", "enter_district_review", "decision_approve", "granted",
    ]
    assert_history_well_formed(case)


def test_objection_upheld_rejects_the_case(programs, family_home, staff):
    case = submit(programs, family_home, "welfare_grant")
    approve(staff["village"], case)
    objection = services.lodge_objection(actor=staff["village"], case=case,
                                         lodged_by_name="村民甲", text="收入隐瞒")
    end_notice(case)
    services.decide(actor=staff["village"], task_id=open_task(case).pk, decision="reject",
                    reason="异议成立")
    case.refresh_from_db()
    assert case.status == CaseStatus.REJECTED
    objection.refresh_from_db()
    assert objection.upheld is True and objection.resolved_at is not None
    assert open_human_tasks(case) == []
    assert not Entitlement.objects.filter(case=case).exists()


def test_objections_are_refused_after_the_notice(programs, family_home, staff):
    case = submit(programs, family_home, "pension_subsidy")
    approve(staff["village"], case)
    end_notice(case)
    with pytest.raises(CaseConflict):
        services.lodge_objection(actor=staff["village"], case=case, lodged_by_name="x",
                                 text="太晚了")
    assert not Objection.objects.filter(case=case).exists()


def test_a_family_may_not_lodge_an_objection(programs, family_home, staff):
    """Not against its own case (that would hold it), nor through the API: objections are
    recorded by the staff who receive them."""
    case = submit(programs, family_home, "pension_subsidy")
    approve(staff["village"], case)
    with pytest.raises(NotPermitted) as refused:
        services.lodge_objection(actor=family_home["user"], case=case, lodged_by_name="x",
                                 text="y")
    assert refused.value.code == "staff_only"
    assert not Objection.objects.filter(case=case).exists()


def test_an_auditor_may_not_lodge_an_objection(programs, family_home, staff):
    case = submit(programs, family_home, "pension_subsidy")
    approve(staff["village"], case)
    with pytest.raises(NotPermitted):
        services.lodge_objection(actor=staff["auditor"], case=case, lodged_by_name="x",
                                 text="y")


def test_firing_timers_twice_fires_once(programs, family_home, staff):
    case = submit(programs, family_home, "pension_subsidy")
    approve(staff["village"], case)
    assert end_notice(case) == 1
    assert fire_due_timers() == 0
    assert actions(case).count("public_notice_ended") == 1
    assert len(open_human_tasks(case)) == 1


# --- duplicates, scope and roles ------------------------------------------------------------

def test_duplicate_open_application_is_refused(programs, family_home, staff):
    submit(programs, family_home, "pension_subsidy")
    with pytest.raises(IneligibleApplication) as exc:
        submit(programs, family_home, "pension_subsidy")
    assert exc.value.code == "duplicate"
    assert exc.value.message
    assert Case.objects.filter(applicant=family_home["applicant"]).count() == 1
    # another program for the same person is fine
    submit(programs, family_home, "medical_discount")


def test_duplicate_of_a_live_entitlement_is_refused(programs, family_home, staff):
    case = submit(programs, family_home, "assistance_pairing")
    approve(staff["village"], case)
    approve(staff["township"], case)
    with pytest.raises(IneligibleApplication):
        submit(programs, family_home, "assistance_pairing")


def test_submit_outside_scope_or_read_only_is_not_permitted(programs, family_home, areas,
                                                           staff):
    other_family = f.user("family", areas["v11"], household=f.household(areas["v11"]))
    for actor in (other_family, staff["village_other"], staff["auditor"], staff["township"],
                  staff["district"]):
        with pytest.raises(NotPermitted):
            submit(programs, family_home, "medical_discount", actor=actor)
    assert not Case.objects.exists()


def test_applicant_from_another_household_is_invalid(programs, family_home, areas):
    stranger = f.person(f.household(areas["v11"]), birth=unique_birth())
    with pytest.raises(InvalidInput):
        services.submit_application(actor=family_home["user"],
                                    household=family_home["household"],
                                    program=programs["medical_discount"], applicant=stranger)


def test_closed_program_refuses_applications(programs, family_home):
    programs["medical_discount"].active = False
    programs["medical_discount"].save()
    with pytest.raises(IneligibleApplication):
        submit(programs, family_home, "medical_discount")


def test_decisions_are_scoped_to_role_and_area(programs, family_home, staff):
    case = submit(programs, family_home, "medical_discount")
    task = open_task(case)
    for who in ("village_other", "township", "district"):
        with pytest.raises(Task.DoesNotExist):
            services.decide(actor=staff[who], task_id=task.pk, decision="approve")
    with pytest.raises(Task.DoesNotExist):
        services.decide(actor=family_home["user"], task_id=task.pk, decision="approve")
    with pytest.raises(NotPermitted):
        services.decide(actor=staff["auditor"], task_id=task.pk, decision="approve")
    approve(staff["village"], case)
    task = open_task(case)
    with pytest.raises(Task.DoesNotExist):
        services.decide(actor=staff["township_other"], task_id=task.pk, decision="approve")
    with pytest.raises(Task.DoesNotExist):
        services.decide(actor=staff["village"], task_id=task.pk, decision="approve")
    assert case.decisions.count() == 1


def test_unknown_task_is_not_found(programs, staff):
    with pytest.raises(Task.DoesNotExist):
        services.decide(actor=staff["village"], task_id=987654, decision="approve")


def test_a_revision_task_takes_no_decision(programs, family_home, staff):
    case = submit(programs, family_home, "medical_discount")
    services.decide(actor=staff["village"], task_id=open_task(case).pk, decision="return",
                    reason="缺材料")
    with pytest.raises(CaseConflict):
        services.decide(actor=staff["village"], task_id=open_task(case).pk,
                        decision="approve")


def test_nobody_manages_processes_by_hand_around_the_audit_trail(programs, family_home, staff,
                                                                 client):
    """viewflow's cancel/undo/revive pages would change a case without an audit event."""
    from casework.models import User
    from workflows.applications.flow import BenefitApplicationFlow

    root = User.objects.create_superuser("root", password="pw-Test-12345", role="admin",
                                         area=staff["district"].area)
    assert BenefitApplicationFlow.instance.has_manage_permission(root) is False
    case = submit(programs, family_home, "medical_discount")
    client.force_login(root)
    response = client.post(f"/workflow/benefitapplication/{case.process.pk}/cancel/")
    assert response.status_code in (403, 404)
    case.refresh_from_db()
    assert case.status == "village_review"
    assert case.process.status != "CANCELED"


@pytest.mark.parametrize("method", ["get", "post"])
def test_cancel_of_a_process_outside_the_area_is_404_like_a_missing_one(
        programs, family_home, staff, client, method):
    """The answer must not tell an existing case of another village from none at all."""
    case = submit(programs, family_home, "medical_discount")
    client.force_login(staff["village_other"])
    outside = getattr(client, method)(f"/workflow/benefitapplication/{case.process.pk}/cancel/")
    missing = getattr(client, method)(
        f"/workflow/benefitapplication/{case.process.pk + 10_000}/cancel/")
    assert outside.status_code == missing.status_code == 404
    client.force_login(staff["village"])  # in the area: found, and nobody may cancel
    inside = getattr(client, method)(f"/workflow/benefitapplication/{case.process.pk}/cancel/")
    assert inside.status_code == 403
    case.refresh_from_db()
    assert case.status == "village_review"


def test_withdrawing_during_the_notice_closes_its_objections(programs, family_home, staff):
    case = submit(programs, family_home, "pension_subsidy")
    services.decide(actor=staff["village"], task_id=open_task(case).pk, decision="approve")
    objection = services.lodge_objection(actor=staff["village"], case=case,
                                         lodged_by_name="村民甲", text="收入情况不实")
    services.withdraw(actor=family_home["user"], case=case, reason="不再需要")
    objection.refresh_from_db()
    assert objection.resolved_at is not None and objection.upheld is None
