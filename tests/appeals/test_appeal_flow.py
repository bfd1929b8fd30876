"""Appeals through the service layer (workflows.appeals): the period and its last day, who
may appeal, who decides at each level (separation of duties), dismissal, and an upheld
appeal resuming the case (new process, old kept) or granting it; history and messages
written in the same transaction as the change."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import PROCESS, STATUS

from casework.errors import CaseConflict, InvalidInput, NotPermitted
from casework.models import AuditEvent, CaseStatus, Decision, Entitlement, OutboxMessage
from eligibility.defaults import SINCE
from eligibility.models import PolicyParameter
from tests import factories as f
from tests.appeals.helpers import (
    actions,
    appeal_task,
    decide,
    decide_appeal,
    end_notice,
    lodge,
    open_task,
    submit,
    templates,
)
from workflows import steps
from workflows.appeals import flow as appeals
from workflows.appeals.flow import AppealFlow
from workflows.applications import services
from workflows.models import Appeal, Deadline
from workflows.notifications.notify import recipient_users
from workflows.selectors import tasks_for

pytestmark = pytest.mark.django_db


# --- cases rejected at each level -----------------------------------------------------------

@pytest.fixture
def village_rejected(programs, family_home, staff):
    """A medical-discount card refused by the village (approval level: township)."""
    return decide(staff["village"], submit(programs, family_home, "medical_discount"),
                  "reject", "家庭情况与申报不符")


@pytest.fixture
def second_district(areas):
    return f.user("district_approver", areas["district"])


def pension_case(programs, family_home, staff):
    return submit(programs, family_home, "pension_subsidy")


def township_rejected_pension(programs, family_home, staff):
    case = end_notice(decide(staff["village"], pension_case(programs, family_home, staff)))
    return decide(staff["township"], case, "reject", "收入超标")


def district_rejected_pension(programs, family_home, staff):
    case = end_notice(decide(staff["village"], pension_case(programs, family_home, staff)))
    case = decide(staff["township"], case)
    return decide(staff["district"], case, "reject", "资格不符")


# --- the period -------------------------------------------------------------------------------

def test_the_default_period_is_30_days_and_the_letter_states_it(programs, village_rejected):
    from workflows.printing.views import letter_data

    rejected_on = timezone.localdate(village_rejected.decisions.get().decided_at)
    window = appeals.appeal_window(village_rejected)
    assert window.open and window.appeal is None
    assert window.last_day == rejected_on + timedelta(days=30)
    assert letter_data(None, village_rejected, "en").appeal_days == 30  # the letter's value


def test_without_a_parameter_row_the_letter_and_the_flow_still_say_30_days(
        programs, village_rejected):
    """The period is policy (eligibility.appeal_period): the letter once said nothing
    when the row was missing while the flow allowed the default."""
    from eligibility.models import PolicyParameter
    from workflows.printing.views import letter_data

    PolicyParameter.objects.filter(key="appeal_days").delete()
    village_rejected.eligibility.get("parameters", {}).pop("appeal_days", None)
    village_rejected.save(update_fields=["eligibility"])
    rejected_on = timezone.localdate(village_rejected.decisions.get().decided_at)
    assert appeals.appeal_window(village_rejected).last_day == rejected_on + timedelta(days=30)
    assert letter_data(None, village_rejected, "en").appeal_days == 30


def test_an_appeal_on_the_last_day_is_accepted(village_rejected, family_home):
    last = appeals.appeal_window(village_rejected).last_day
    appeal = lodge(family_home["user"], village_rejected, today=last)
    assert appeal.deadline == last and appeal.outcome == Appeal.Outcome.PENDING
    village_rejected.refresh_from_db()
    assert village_rejected.status == CaseStatus.APPEAL


def test_an_appeal_the_day_after_is_refused_naming_the_last_day(village_rejected, family_home):
    last = appeals.appeal_window(village_rejected).last_day
    with pytest.raises(CaseConflict) as exc:
        lodge(family_home["user"], village_rejected, today=last + timedelta(days=1))
    assert exc.value.code == "appeal_period_over"
    assert last.isoformat() in exc.value.message
    assert not Appeal.objects.exists()
    village_rejected.refresh_from_db()
    assert village_rejected.status == CaseStatus.REJECTED
    assert not appeals.appeal_window(village_rejected,
                                     today=last + timedelta(days=1)).open


def test_the_period_is_the_parameter_in_force_on_the_day_of_the_rejection(
        programs, family_home, staff):
    program = programs["medical_discount"]
    today = timezone.localdate()
    PolicyParameter.objects.filter(program=program, key="appeal_days").update(
        effective_to=today - timedelta(days=1))
    PolicyParameter.objects.create(program=program, key="appeal_days", value=15,
                                   effective_from=today)
    case = decide(staff["village"], submit(programs, family_home, "medical_discount"),
                  "reject", "不符合")
    assert appeals.appeal_window(case).last_day == today + timedelta(days=15)
    # a later change does not move the period of a rejection already made
    PolicyParameter.objects.filter(program=program, key="appeal_days", value=15).update(
        effective_to=today + timedelta(days=1))
    PolicyParameter.objects.create(program=program, key="appeal_days", value=60,
                                   effective_from=today + timedelta(days=2))
    assert appeals.appeal_window(case).last_day == today + timedelta(days=15)


# --- who may appeal, and what --------------------------------------------------------------

def test_the_village_staff_may_appeal_on_the_familys_behalf(village_rejected, staff):
    appeal = lodge(staff["village"], village_rejected)
    assert appeal.on_behalf is True and appeal.lodged_by == staff["village"]
    event = AuditEvent.objects.get(case=village_rejected, action="appeal_lodged")
    assert event.detail["on_behalf"] is True and event.actor == staff["village"]


def test_the_family_appeals_for_itself(village_rejected, family_home):
    appeal = lodge(family_home["user"], village_rejected)
    assert appeal.on_behalf is False and appeal.grounds == "家庭收入计算有误，请复核"
    assert appeal.review_role == "township_approver"
    assert appeal.appealed_step == steps.VILLAGE_REVIEW
    assert appeal.decision == village_rejected.decisions.get()


@pytest.mark.parametrize("who", ["village_other", "township", "district", "auditor",
                                 "neighbour"])
def test_others_may_not_appeal(village_rejected, staff, areas, who):
    if who == "neighbour":
        user = f.user("family", areas["v11"], household=f.household(areas["v11"]))
    else:
        user = staff[who]
    with pytest.raises(NotPermitted):
        lodge(user, village_rejected)
    assert not Appeal.objects.exists()


def test_grounds_are_required(village_rejected, family_home):
    with pytest.raises(InvalidInput) as exc:
        lodge(family_home["user"], village_rejected, grounds="   ")
    assert exc.value.field == "grounds"


def test_only_a_rejected_case_may_be_appealed(programs, family_home, staff):
    open_case = submit(programs, family_home, "medical_discount")
    with pytest.raises(CaseConflict) as exc:
        lodge(family_home["user"], open_case)
    assert exc.value.code == "not_rejected"
    granted = decide(staff["township"], decide(staff["village"], open_case))
    assert granted.status == CaseStatus.APPROVED
    with pytest.raises(CaseConflict):
        lodge(family_home["user"], granted)
    spouse = family_home["household"].members.get(relationship="spouse")
    withdrawn = services.withdraw(actor=family_home["user"], case=submit(
        programs, family_home, "health_check", applicant=spouse))
    with pytest.raises(CaseConflict) as exc:
        lodge(family_home["user"], withdrawn)
    assert exc.value.code == "not_rejected"


def test_one_appeal_per_rejection(village_rejected, family_home, staff):
    appeal = lodge(family_home["user"], village_rejected)
    with pytest.raises(CaseConflict) as exc:
        lodge(family_home["user"], village_rejected)
    assert exc.value.code == "under_appeal"
    decide_appeal(staff["township"], appeal, "dismiss", "理由不成立")
    with pytest.raises(CaseConflict) as exc:
        lodge(family_home["user"], village_rejected)
    assert exc.value.code == "already_appealed"
    assert Appeal.objects.count() == 1


# --- who decides ------------------------------------------------------------------------------

def test_a_village_rejection_goes_to_the_township_of_the_case(village_rejected, family_home,
                                                              staff):
    appeal = lodge(family_home["user"], village_rejected)
    task = appeal_task(appeal)
    assert task.owner_permission == "township_approver"
    assert task.owner_permission_obj_pk.startswith(village_rejected.area_id)
    assert task.pk in set(tasks_for(staff["township"]).values_list("pk", flat=True))
    for who in ("village", "village_other", "township_other", "district", "auditor"):
        assert task.pk not in set(tasks_for(staff[who]).values_list("pk", flat=True)), who
        with pytest.raises((Task.DoesNotExist, NotPermitted)):
            appeals.decide_appeal(actor=staff[who], task_id=task.pk, outcome="uphold")
    assert Appeal.objects.get().outcome == Appeal.Outcome.PENDING


def test_a_township_rejection_goes_to_the_district(programs, family_home, staff):
    case = township_rejected_pension(programs, family_home, staff)
    appeal = lodge(family_home["user"], case)
    task = appeal_task(appeal)
    assert task.owner_permission == "district_approver"
    assert task.pk not in set(tasks_for(staff["township"]).values_list("pk", flat=True))
    with pytest.raises(Task.DoesNotExist):
        appeals.decide_appeal(actor=staff["township"], task_id=task.pk, outcome="uphold")
    assert task.pk in set(tasks_for(staff["district"]).values_list("pk", flat=True))
    decided = decide_appeal(staff["district"], appeal, "uphold")
    assert decided.case.status == CaseStatus.DISTRICT_REVIEW


def test_a_district_rejection_goes_to_another_district_approver(
        programs, family_home, staff, second_district):
    case = district_rejected_pension(programs, family_home, staff)
    appeal = lodge(family_home["user"], case)
    task = appeal_task(appeal)
    rejecter = staff["district"]
    # separation of duties: not in the rejecter's queue, not theirs to take or decide
    assert task.pk not in set(tasks_for(rejecter).values_list("pk", flat=True))
    assert not AppealFlow.appeal_review.can_assign(rejecter, task)
    with pytest.raises(Task.DoesNotExist):
        appeals.decide_appeal(actor=rejecter, task_id=task.pk, outcome="uphold")
    assert task.pk in set(tasks_for(second_district).values_list("pk", flat=True))
    assert AppealFlow.appeal_review.can_assign(second_district, task)
    decided = decide_appeal(second_district, appeal, "uphold", "补充材料证明符合")
    assert decided.case.status == CaseStatus.APPROVED
    assert decided.decided_by == second_district


def test_the_service_refuses_the_maker_of_the_decision_even_if_the_task_is_theirs(
        programs, family_home, staff):
    """Belt and braces: a task row whose scope was not built by the flow still does not let
    the rejecter decide."""
    case = district_rejected_pension(programs, family_home, staff)
    appeal = lodge(family_home["user"], case)
    Task.objects.filter(pk=appeal_task(appeal).pk).update(
        owner_permission_obj_pk=case.area_id)
    with pytest.raises(NotPermitted) as exc:
        decide_appeal(staff["district"], appeal, "uphold")
    assert exc.value.code == "own_decision"


def test_the_reviewers_are_told_and_the_rejecter_is_not(programs, family_home, staff,
                                                       second_district):
    case = district_rejected_pension(programs, family_home, staff)
    lodge(family_home["user"], case)
    row = OutboxMessage.objects.get(case=case, template="task_waiting",
                                    recipient=f"appeal_review:{case.area_id}")
    assert set(recipient_users(row)) == {second_district}


# --- dismissed ----------------------------------------------------------------------------------

def test_dismissal_needs_a_reason(village_rejected, family_home, staff):
    appeal = lodge(family_home["user"], village_rejected)
    with pytest.raises(InvalidInput) as exc:
        decide_appeal(staff["township"], appeal, "dismiss", reason=" ")
    assert exc.value.field == "reason"


def test_a_dismissed_appeal_leaves_the_rejection_standing(village_rejected, family_home,
                                                         staff):
    appeal = lodge(family_home["user"], village_rejected)
    process_before = village_rejected.process.pk
    decided = decide_appeal(staff["township"], appeal, "dismiss", "理由不成立")
    case = decided.case
    assert case.status == CaseStatus.REJECTED and case.closed_at is not None
    assert case.process.pk == process_before  # nothing resumed
    assert decided.outcome == Appeal.Outcome.DISMISSED and decided.reason == "理由不成立"
    assert actions(case)[-3:] == ["rejected", "appeal_lodged", "appeal_dismissed"]
    event = AuditEvent.objects.get(case=case, action="appeal_dismissed")
    assert (event.from_status, event.to_status) == (CaseStatus.APPEAL, CaseStatus.REJECTED)
    assert event.detail["reason"] == "理由不成立"
    assert templates(case)[-2:] == ["appeal_dismissed", "appeal_dismissed"]  # SMS, in-app
    assert Process.objects.get(pk=decided.process_id).status == PROCESS.DONE
    assert appeal_task(decided).status == STATUS.DONE
    assert not Entitlement.objects.filter(case=case).exists()


# --- upheld: resumed, or granted ------------------------------------------------------------------

def test_an_upheld_village_rejection_resumes_at_township_review(village_rejected, family_home,
                                                                staff):
    old_process = village_rejected.process.pk
    appeal = lodge(family_home["user"], village_rejected)
    decided = decide_appeal(staff["township"], appeal, "uphold", "")
    case = decided.case
    assert case.status == CaseStatus.TOWNSHIP_REVIEW and case.closed_at is None
    # a new process, started at the flow's second start; the old one kept as it ended
    assert case.process.pk != old_process
    assert decided.appealed_process_id == old_process
    assert decided.resumed_process_id == case.process.pk
    assert Process.objects.get(pk=old_process).status == PROCESS.DONE
    new = Process.objects.get(pk=case.process.pk)
    assert new.data == {"resume_at": "township_review", "appeal": decided.pk}
    names = [t.flow_task.name for t in Task.objects.filter(process=new).order_by("id")]
    assert names == ["resume", "township_review"]
    assert actions(case)[-3:] == ["appeal_lodged", "appeal_upheld", "enter_township_review"]
    # who upheld the appeal does not also review the case (separation of duties) ...
    with pytest.raises(NotPermitted) as refused:
        decide(staff["township"], case)
    assert refused.value.code == "decided_appeal"
    # ... and the case goes on as any other: a colleague at the township grants it
    case = decide(f.user("township_approver", staff["township"].area), case)
    assert case.status == CaseStatus.APPROVED
    assert Entitlement.objects.get(case=case).state == Entitlement.State.LIVE
    assert "case_approved" in templates(case)


def test_an_upheld_village_rejection_of_a_cash_program_resumes_at_the_public_notice(
        programs, family_home, staff):
    case = decide(staff["village"], pension_case(programs, family_home, staff), "reject",
                  "不符合")
    decided = decide_appeal(staff["township"], lodge(family_home["user"], case), "uphold")
    case = decided.case
    assert case.status == CaseStatus.PUBLIC_NOTICE
    case = end_notice(case)
    assert case.status == CaseStatus.TOWNSHIP_REVIEW
    assert open_task(case).flow_task.name == "township_review"


def test_an_upheld_township_rejection_resumes_at_district_review(programs, family_home, staff):
    case = township_rejected_pension(programs, family_home, staff)
    decided = decide_appeal(staff["district"], lodge(family_home["user"], case), "uphold")
    assert decided.case.status == CaseStatus.DISTRICT_REVIEW
    case = decide(f.user("district_approver", staff["district"].area), decided.case)
    assert case.status == CaseStatus.APPROVED


def test_an_upheld_rejection_at_the_final_level_grants(programs, family_home, staff,
                                                       second_district):
    case = district_rejected_pension(programs, family_home, staff)
    process = case.process.pk
    decided = decide_appeal(second_district, lodge(family_home["user"], case), "uphold",
                            "复核后符合条件")
    case = decided.case
    assert case.status == CaseStatus.APPROVED and case.closed_at is not None
    assert case.process.pk == process  # nothing left to resume
    entitlement = Entitlement.objects.get(case=case)
    assert entitlement.amount_yuan == 600
    assert actions(case)[-3:] == ["appeal_lodged", "appeal_upheld", "granted"]
    assert templates(case)[-2:] == ["case_approved", "case_approved"]
    assert "appeal_upheld" in templates(case)


def test_an_upheld_village_rejection_of_a_village_level_program_grants(programs, family_home,
                                                                       staff):
    case = decide(staff["village"], submit(programs, family_home, "health_check"), "reject",
                  "不符合")
    decided = decide_appeal(staff["township"], lodge(family_home["user"], case), "uphold")
    assert decided.case.status == CaseStatus.APPROVED
    assert Entitlement.objects.filter(case=decided.case).exists()


def test_under_appeal_the_case_is_open_no_second_application(village_rejected, family_home,
                                                             staff, programs):
    """While the rejection may yet be overturned, the family may not apply again for the
    program (one open application per person and program), nor withdraw: the appeal is
    what is open, and its reviewer decides it."""
    from casework.errors import IneligibleApplication

    lodge(family_home["user"], village_rejected)
    with pytest.raises(IneligibleApplication) as exc:
        submit(programs, family_home, "medical_discount")
    assert exc.value.code == "duplicate"
    with pytest.raises(CaseConflict) as exc:
        services.withdraw(actor=family_home["user"], case=village_rejected)
    assert exc.value.code == "under_appeal"
    village_rejected.refresh_from_db()
    assert village_rejected.status == CaseStatus.APPEAL


def test_no_appeal_beside_a_new_application_for_the_program(village_rejected, family_home,
                                                           staff, programs):
    """The family applied again after the rejection: that application runs; the old one
    cannot be reopened by an appeal beside it until it is closed."""
    again = submit(programs, family_home, "medical_discount")
    with pytest.raises(CaseConflict) as exc:
        lodge(family_home["user"], village_rejected)
    assert exc.value.code == "duplicate"
    assert not Appeal.objects.exists()
    services.withdraw(actor=family_home["user"], case=again)
    appeal = lodge(family_home["user"], village_rejected)
    assert decide_appeal(staff["township"], appeal, "uphold").case.status == (
        CaseStatus.TOWNSHIP_REVIEW)


def test_a_decided_appeal_cannot_be_decided_again(village_rejected, family_home, staff):
    appeal = lodge(family_home["user"], village_rejected)
    task_id = appeal_task(appeal).pk
    decide_appeal(staff["township"], appeal, "dismiss", "不成立")
    with pytest.raises(CaseConflict) as exc:
        appeals.decide_appeal(actor=staff["township"], task_id=task_id, outcome="uphold")
    assert exc.value.code == "task_closed"


def test_a_rejection_after_an_upheld_appeal_may_be_appealed_again(village_rejected,
                                                                  family_home, staff):
    decide_appeal(staff["township"], lodge(family_home["user"], village_rejected), "uphold")
    village_rejected.refresh_from_db()
    colleague = f.user("township_approver", staff["township"].area)
    case = decide(colleague, village_rejected, "reject", "复核后仍不符合")
    second = lodge(family_home["user"], case)
    assert second.decision.step == steps.TOWNSHIP_REVIEW
    assert second.review_role == "district_approver"
    assert Appeal.objects.filter(case=case).count() == 2


# --- the working-day deadline -----------------------------------------------------------------

def test_the_appeal_review_has_a_working_day_deadline_closed_by_the_decision(
        village_rejected, family_home, staff):
    appeal = lodge(family_home["user"], village_rejected)
    deadline = Deadline.objects.get(task=appeal_task(appeal))
    assert deadline.step == "appeal_review" and deadline.working_days == 10
    assert deadline.case_id == village_rejected.pk and deadline.closed_at is None
    decide_appeal(staff["township"], appeal, "uphold")
    deadline.refresh_from_db()
    assert deadline.closed_at is not None and deadline.next_at is None


def test_an_overdue_appeal_reminds_who_may_decide_it(village_rejected, family_home, staff):
    from workflows.deadlines.services import sweep

    appeal = lodge(family_home["user"], village_rejected)
    deadline = Deadline.objects.get(task=appeal_task(appeal))
    while sweep(now=deadline.due_at + timedelta(minutes=1)):
        pass  # the reminder, then the deadline
    rows = OutboxMessage.objects.filter(case=village_rejected,
                                        template__in=["task_reminder", "task_overdue"])
    assert rows.count() == 2
    assert rows and {u.pk for row in rows for u in recipient_users(row)} == {
        staff["township"].pk}


# --- one transaction ------------------------------------------------------------------------------

def test_lodging_writes_history_and_messages_in_its_transaction(village_rejected, family_home,
                                                                monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("after the history, before the commit")

    before = (AuditEvent.objects.count(), OutboxMessage.objects.count(),
              Process.objects.count(), Task.objects.count())
    monkeypatch.setattr(appeals, "_notify", boom)
    with pytest.raises(RuntimeError):
        lodge(family_home["user"], village_rejected)
    assert (AuditEvent.objects.count(), OutboxMessage.objects.count(),
            Process.objects.count(), Task.objects.count()) == before
    assert not Appeal.objects.exists() and not Deadline.objects.filter(
        step="appeal_review").exists()
    village_rejected.refresh_from_db()
    assert village_rejected.status == CaseStatus.REJECTED
    monkeypatch.undo()
    appeal = lodge(family_home["user"], village_rejected)
    lodged = AuditEvent.objects.get(case=village_rejected, action="appeal_lodged")
    assert lodged.detail["appeal"] == appeal.pk and lodged.detail["task"] == appeal_task(
        appeal).pk
    assert (lodged.from_status, lodged.to_status) == (CaseStatus.REJECTED, CaseStatus.APPEAL)
    assert "grounds" not in lodged.detail  # the text is the appeal's, not the history's
    rows = OutboxMessage.objects.filter(case=village_rejected, template__in=[
        "appeal_lodged", "task_waiting"]).order_by("id")
    assert [r.recipient for r in rows][-3:] == [
        f"person:{village_rejected.applicant_id}", f"household:{village_rejected.household_id}",
        f"appeal_review:{village_rejected.area_id}"]


def test_deciding_writes_history_messages_and_the_resume_in_its_transaction(
        village_rejected, family_home, staff, monkeypatch):
    appeal = lodge(family_home["user"], village_rejected)
    village_rejected.refresh_from_db()
    before = (AuditEvent.objects.count(), OutboxMessage.objects.count(),
              Process.objects.count(), village_rejected.version)

    def boom(*args, **kwargs):
        raise RuntimeError("the process did not start")

    monkeypatch.setattr(appeals.BenefitApplicationFlow.resume, "run", boom)
    with pytest.raises(RuntimeError):
        decide_appeal(staff["township"], appeal, "uphold")
    village_rejected.refresh_from_db()
    assert (AuditEvent.objects.count(), OutboxMessage.objects.count(),
            Process.objects.count(), village_rejected.version) == before
    assert village_rejected.status == CaseStatus.APPEAL
    appeal.refresh_from_db()
    assert appeal.outcome == Appeal.Outcome.PENDING
    assert appeal_task(appeal).status == STATUS.NEW


def test_the_history_chain_stays_intact(village_rejected, family_home, staff):
    from casework.history.verification import verify_case

    decide_appeal(staff["township"], lodge(family_home["user"], village_rejected), "uphold")
    village_rejected.refresh_from_db()
    decide(f.user("township_approver", staff["township"].area), village_rejected)
    assert verify_case(village_rejected).intact
    seqs = list(AuditEvent.objects.filter(case=village_rejected).order_by("id")
                .values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))


def test_resume_targets():
    """Where an upheld appeal resumes, per program and appealed step (pure)."""
    from casework.models import Case

    def case(level, notice):
        return Case(eligibility={"parameters": {"approval_level": level,
                                                "public_notice_days": notice}})

    assert appeals.resume_target(case("township", 0), "village_review") == "township_review"
    assert appeals.resume_target(case("district", 7), "village_review") == "public_notice"
    assert appeals.resume_target(case("district", 7), "objection_review") == "township_review"
    assert appeals.resume_target(case("district", 7), "township_review") == "district_review"
    assert appeals.resume_target(case("township", 0), "township_review") == appeals.GRANT
    assert appeals.resume_target(case("district", 7), "district_review") == appeals.GRANT
    assert appeals.resume_target(case("village", 0), "village_review") == appeals.GRANT


def test_date_helpers_use_the_local_day(village_rejected):
    decision = Decision.objects.get(case=village_rejected)
    assert appeals.last_day(village_rejected, decision) == (
        timezone.localdate(decision.decided_at) + timedelta(days=30))
    assert isinstance(appeals.last_day(village_rejected, decision), date)
    assert SINCE <= appeals.last_day(village_rejected, decision)


def test_the_letter_offers_the_appeal_until_the_rejection_is_appealed(village_rejected,
                                                                     family_home, staff):
    from workflows.printing.views import letter_data

    assert letter_data(None, village_rejected, "en").appeal_days == 30
    decided = decide_appeal(staff["township"], lodge(family_home["user"], village_rejected),
                            "dismiss", "理由不成立")
    letter = letter_data(None, decided.case, "en")
    assert letter.appeal_days is None and letter.reason == "家庭情况与申报不符"


def test_an_upheld_appeal_grants_over_a_benefit_whose_period_ran_out_unswept(
        programs, family_home, staff):
    """Last year's health check is still marked live (the daily sweep has not reached
    it) but its period is over: an upheld appeal of this year's refusal ends it and
    grants, as an approval does; a benefit still running is refused by unit."""
    today = timezone.localdate()
    old = f.entitlement(family_home["applicant"], programs["health_check"],
                        valid_from=today - timedelta(days=400),
                        valid_to=today - timedelta(days=2))
    case = decide(staff["village"], submit(programs, family_home, "health_check"), "reject",
                  "不符合")
    decided = decide_appeal(staff["township"], lodge(family_home["user"], case), "uphold")
    assert decided.case.status == CaseStatus.APPROVED
    old.refresh_from_db()
    assert (old.state, old.end_reason) == (Entitlement.State.ENDED,
                                           Entitlement.EndReason.SUPERSEDED)
    assert Entitlement.objects.get(case=decided.case).state == Entitlement.State.LIVE


def test_an_upheld_appeal_does_not_grant_over_a_benefit_still_running(programs, family_home,
                                                                      staff):
    case = decide(staff["village"], submit(programs, family_home, "health_check"), "reject",
                  "不符合")
    today = timezone.localdate()
    running = f.entitlement(family_home["applicant"], programs["health_check"],
                            valid_from=today - timedelta(days=30),
                            valid_to=today + timedelta(days=30))
    appeal = lodge(family_home["user"], case)
    with pytest.raises(CaseConflict) as refused:
        decide_appeal(staff["township"], appeal, "uphold")
    assert refused.value.code == "duplicate" and running.number in refused.value.message
    running.refresh_from_db()
    assert running.state == Entitlement.State.LIVE
    assert Appeal.objects.get(pk=appeal.pk).outcome == Appeal.Outcome.PENDING
