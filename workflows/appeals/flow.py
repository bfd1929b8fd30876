"""Appeals: a family appeals a rejection, one level above the level that rejected.

    lodge_appeal(actor=..., case=..., grounds=...)
      -> within the program's appeal period (``appeal_days`` calendar days from the
         rejection, the last day included), one appeal per rejection: an ``Appeal`` row,
         an ``AppealFlow`` process with its review task scoped to the level above, the
         case "under appeal", the history, a message to the family and to the reviewers
    decide_appeal(actor=..., task_id=..., outcome="dismiss" | "uphold", reason=...)
      -> dismissed: the rejection stands, the case is rejected again (reason required);
         upheld: the rejection is overturned and the case resumes after the appealed
         level, in a new application process (``BenefitApplicationFlow.resume``), or is
         granted when the appealed level was the program's last

Who reviews (``steps.APPEAL_ROLE``): a village rejection (village or objection review)
the township approvers of the case's township; a township rejection the district
approvers; a district rejection also the district approvers, as the association has no
level above the district, but never the approver who rejected. Whoever made the appealed
decision never decides its appeal: the task's scope key bars them
(``steps.excluding``), so it is neither in their queue nor theirs to take or decide,
and ``decide_appeal`` checks it again.

Locks: the case's lock stays its application process row (every service takes it);
the appeal's own process row is locked with its task, as for any decision. Each state
change is one transaction with its audit events and outbox rows (the unit of work).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from viewflow import this
from viewflow.workflow import flow, lock
from viewflow.workflow.models import Process, Task
from viewflow.workflow.nodes.view import ViewActivation
from viewflow.workflow.signals import task_finished

from casework import access
from casework.errors import CaseConflict, InvalidInput, NotPermitted
from casework.history.audit import (
    queue_insert,
    record_event,
    save_case,
    transition,
    unit_of_work,
)
from casework.models import (
    OPEN_STATUSES,
    Case,
    CaseStatus,
    Decision,
    Entitlement,
    User,
)
from casework.services import case_parameter
from eligibility import appeal_period as period

from .. import steps, subjects, task_pages
from ..applications.flow import BenefitApplicationFlow, CaseEnd, ScopedTaskView, StartCase
from ..applications.services import grant, is_unit_conflict
from ..case_process import lock_case, process_id_of
from ..completion import already_decided, decide_task, forbid_own_household, task_reader
from ..deadlines.services import new_deadline
from ..entitlements import end_expired_for_unit
from ..models import Appeal
from ..notifications.notify import notify_step, queue_case_messages
from ..viewflow_adapter import complete_task_row, insert_task, new_task, release_case

APPEAL_STEP = steps.APPEAL_REVIEW
# who may lodge an appeal: the family, or its village staff on its behalf (recorded)
LODGERS = (User.Role.FAMILY, User.Role.VILLAGE_REVIEWER, User.Role.ADMIN)
# what the step after an overturned level is: a step of the application flow, or GRANT
GRANT = "grant"


class Outcome:
    """What the reviewer decides: dismiss (the rejection stands) or uphold it."""

    DISMISS = "dismiss"
    UPHOLD = "uphold"
    CHOICES = ((UPHOLD, gettext_lazy("uphold the appeal: overturn the rejection")),
               (DISMISS, gettext_lazy("dismiss the appeal: the rejection stands")))

REVIEW_PAGE = "appeal.review"  # its task page (views.AppealReviewView)


# --- the appeal flow ----------------------------------------------------------------------


class AppealReviewActivation(ViewActivation):
    """The review task, inserted with its scope already set (one statement with its link)
    like the application's steps: the reviewing role in ``owner_permission``, the case's
    village code barring the appealed decision's maker in ``owner_permission_obj_pk``;
    with its working-day deadline (``sla_appeal_review_days``)."""

    @classmethod
    def create(cls, flow_task, prev_activation, token, data=None, seed=None):
        process = prev_activation.process
        task = new_task(flow_task, prev_activation, token, data, seed)
        appeal = process.appeal
        task.owner_permission = appeal.review_role
        task.owner_permission_obj_pk = steps.excluding(appeal.area_id,
                                                       appeal.decision.actor_id)
        insert_task(task, prev_activation.task.pk)
        deadline = new_deadline(task, appeal.case, APPEAL_STEP)
        if deadline is not None:
            queue_insert(deadline)
        appeal._review_task = task
        return cls(task)

    @ViewActivation.status.super()
    def complete(self):
        """Save only the columns a completion changes, and close the deadline."""
        self.task.finished = timezone.now()
        complete_task_row(self.task)
        task_finished.send(sender=self.flow_class, process=self.process, task=self.task)


class AppealReview(ScopedTaskView):
    """The appeal's one human step: only the level above may act, never the person who
    made the appealed decision (``steps.user_may_act`` reads both off the task row)."""

    activation_class = AppealReviewActivation


class AppealFlow(flow.Flow):
    """Appeal

    A family's appeal against a rejection, reviewed one level above the level that
    rejected: dismissed, or upheld and the application resumed.
    """

    process_title = gettext_lazy("Appeal")
    subject = subjects.APPEAL  # its processes are scoped through their appeal row
    lock_impl = lock.select_for_update_lock if settings.IS_POSTGRES else lock.no_lock

    start = StartCase(this.start_appeal).Next(this.appeal_review)
    appeal_review = AppealReview(task_pages.page(REVIEW_PAGE)).Next(this.end)
    end = CaseEnd()

    def has_manage_permission(self, user, obj=None):
        """Nobody cancels or undoes an appeal by hand: ``decide_appeal`` writes the
        history."""
        return False

    def start_appeal(self, activation, appeal):
        """Link the new process to its (not yet saved) appeal; the caller saves the appeal
        once the flow has run (its process is saved by then)."""
        activation.process.appeal = appeal
        return appeal


# --- the rules: what may be appealed, until when, and who reviews it --------------------


def appeal_days(case: Case, decided_on: date) -> int:
    """The program's appeal period for a rejection of ``case`` on ``decided_on``
    (``eligibility.appeal_period``, which the decision letter reads too)."""
    return period.appeal_days(case.program_id, decided_on,
                              case.eligibility.get("parameters"))


def appealable_rejection(case: Case) -> Decision | None:
    """The rejection a rejected case ended with (its latest decision), else None."""
    if case.status != CaseStatus.REJECTED:
        return None
    latest = case.decisions.order_by("-id").first()
    if latest is None or latest.outcome != Decision.Outcome.REJECT:
        return None
    return latest


def last_day(case: Case, rejection: Decision) -> date:
    """The last day (local, inclusive) an appeal against ``rejection`` may be lodged."""
    return period.last_day_to_appeal(case.program_id, timezone.localdate(rejection.decided_at),
                                     case.eligibility.get("parameters"))


def review_role(step: str) -> str:
    """The role that reviews an appeal against a rejection at ``step``."""
    return steps.APPEAL_ROLE[steps.STEP_LEVEL[step]]


def resume_target(case: Case, step: str) -> str:
    """Where an upheld appeal against a rejection at ``step`` resumes the case: the step
    after that level (public notice first for a program that posts one, after a village
    review), or ``GRANT`` if that level was the program's last."""
    if steps.is_final(case, step if step != steps.OBJECTION_REVIEW else steps.VILLAGE_REVIEW):
        return GRANT
    level = steps.STEP_LEVEL[step]
    if level == "village":
        if step == steps.VILLAGE_REVIEW and int(
                case_parameter(case, "public_notice_days", 0) or 0) > 0:
            return "public_notice"
        return steps.TOWNSHIP_REVIEW
    if level == "township":
        return steps.DISTRICT_REVIEW
    return GRANT


@dataclass(frozen=True)
class Window:
    """What a case page shows about appealing: the rejection, the last day, whether an
    appeal may be lodged today, and the appeal already lodged against it (if any)."""

    rejection: Decision
    last_day: date
    open: bool
    appeal: Appeal | None


def appeal_window(case: Case, today: date | None = None) -> Window | None:
    """The appeal window of a rejected case (None for any other case)."""
    rejection = appealable_rejection(case)
    if rejection is None:
        return None
    today = today or timezone.localdate()
    appeal = Appeal.objects.filter(decision=rejection).first()
    final_day = last_day(case, rejection)
    return Window(rejection=rejection, last_day=final_day,
                  open=appeal is None and today <= final_day, appeal=appeal)


def appeals_of(case: Case):
    """The case's appeals, oldest first (the caller read the case through its scope)."""
    return (Appeal.objects.filter(case=case)
            .select_related("case", "decision", "lodged_by", "decided_by").order_by("id"))


def open_appeal(case: Case) -> Appeal | None:
    return Appeal.objects.filter(case=case, outcome=Appeal.Outcome.PENDING).first()


def appeal_reviewers(case_id: int | None):
    """The active users who may decide the case's pending appeal (the in-app recipients
    of ``appeal_review:<village>``): its reviewing role in an area holding the case's
    village, less whoever made the appealed decision."""
    appeal = (Appeal.objects.filter(case_id=case_id, outcome=Appeal.Outcome.PENDING)
              .select_related("decision").first() if case_id else None)
    if appeal is None:
        return User.objects.none()
    code = appeal.area_id
    return (User.objects.filter(is_active=True, role=appeal.review_role,
                                area_id__in=[code[:n] for n in range(1, len(code) + 1)])
            .exclude(pk=appeal.decision.actor_id))


# --- messages -----------------------------------------------------------------------------

FAMILY_TEMPLATES = {
    "lodged": "appeal_lodged",
    "dismissed": "appeal_dismissed",
    "upheld": "appeal_upheld",
}


def _notify(case: Case, event: str, payload: dict, *, reviewers: bool = False) -> None:
    """The family's messages (SMS if it has a phone, and in-app) and, for a new appeal,
    the reviewers' in-app notice; relayed after commit like every outbox row."""
    queue_case_messages(case, FAMILY_TEMPLATES[event], payload,
                        staff_recipient=f"{APPEAL_STEP}:{case.area_id}" if reviewers else None)


# --- lodging --------------------------------------------------------------------------------


def _lock_case(case_id: int) -> Case:
    """The case, read after locking its process row (every case's lock), in the caller's
    transaction."""
    lock_case(case_id)
    return Case.objects.select_related("applicant", "program", "process").get(pk=case_id)


def lodge_appeal(*, actor: User, case: Case, grounds: str, today: date | None = None
                 ) -> Appeal:
    """The family (or its village staff, on its behalf) appeals the rejection of ``case``.

    Raises ``NotPermitted`` (403) for someone who may not appeal for this family,
    ``InvalidInput`` (400) without grounds, ``CaseConflict`` (409) for a case that is not
    rejected (approved, withdrawn, open or already under appeal), a rejection already
    appealed, or after the appeal period (the message names its last day).
    """
    access.require_writer(actor)
    if actor.role not in LODGERS or not access.in_scope(actor, case.area_id, case.household_id):
        raise NotPermitted(_("Only the family or its village staff may appeal."))
    grounds = (grounds or "").strip()
    if not grounds:
        raise InvalidInput(_("Please state why you disagree with the decision."),
                           field="grounds")
    today = today or timezone.localdate()
    try:
        with transaction.atomic(), unit_of_work():
            case = _lock_case(case.pk)
            if case.status == CaseStatus.APPEAL:
                raise CaseConflict(_("This application is already under appeal."),
                                   code="under_appeal")
            rejection = appealable_rejection(case)
            if rejection is None:
                raise CaseConflict(_("Only a rejected application can be appealed."),
                                   code="not_rejected")
            if Appeal.objects.filter(decision=rejection).exists():
                raise CaseConflict(_("This decision has already been appealed; it cannot be "
                                     "appealed again."), code="already_appealed")
            final_day = last_day(case, rejection)
            if today > final_day:
                raise CaseConflict(
                    _("The appeal period ended on %(date)s: an appeal can no longer be "
                      "lodged.") % {"date": final_day.isoformat()},
                    code="appeal_period_over")
            if Case.objects.filter(applicant_id=case.applicant_id, program_id=case.program_id,
                                   status__in=OPEN_STATUSES).exclude(pk=case.pk).exists():
                # under appeal the case is open again, and one open application per person
                # and program is the rule
                raise CaseConflict(_("The applicant has applied again for this program: the "
                                     "appeal can be lodged once that application is closed."),
                                   code="duplicate")
            appeal = _start(case, rejection, actor, grounds, final_day)
    except IntegrityError as exc:  # a concurrent appeal of the same rejection
        raise CaseConflict(_("This decision has already been appealed; it cannot be "
                             "appealed again."), code="already_appealed") from exc
    except OperationalError as exc:
        raise CaseConflict(_("The case is busy; try again."), code="locked") from exc
    return appeal


def _start(case: Case, rejection: Decision, actor: User, grounds: str, final_day: date
           ) -> Appeal:
    appeal = Appeal(case=case, area_id=case.area_id, decision=rejection,
                    appealed_step=rejection.step, appealed_process_id=process_id_of(case),
                    review_role=review_role(rejection.step), grounds=grounds, lodged_by=actor,
                    on_behalf=actor.role != User.Role.FAMILY, lodged_at=timezone.now(),
                    deadline=final_day)
    AppealFlow.start.run(appeal=appeal)
    appeal.save()
    task = appeal._review_task
    case.closed_at = None
    transition(case, to_status=CaseStatus.APPEAL, actor=actor, action="appeal_lodged",
               detail={"appeal": appeal.pk, "step": rejection.step,
                       "decision": rejection.pk, "review_role": appeal.review_role,
                       "on_behalf": appeal.on_behalf, "deadline": final_day.isoformat(),
                       "task": task.pk},  # not the grounds: the history outlives retention
               extra_fields=("closed_at",))
    _notify(case, "lodged", _payload(appeal), reviewers=True)
    return appeal


def _payload(appeal: Appeal, **extra) -> dict:
    return {"step": APPEAL_STEP, "program": appeal.case.program_id, "appeal": appeal.pk,
            "appealed_step": appeal.appealed_step, **extra}


# --- deciding -------------------------------------------------------------------------------


def _appeal_tasks() -> QuerySet[Task]:
    """Appeal tasks read with their process, appeal and appealed decision."""
    return Task.objects.select_related("process", "process__appeal",
                                       "process__appeal__decision").order_by()


APPEAL_TASKS = task_reader(_appeal_tasks)


def _appeal_of_task(task: Task) -> Appeal | None:
    """The appeal an appeal task decides; None for any other task."""
    node = task.flow_task
    if node is None or node.name != APPEAL_STEP or node.flow_class is not AppealFlow:
        return None
    return getattr(task.process, "appeal", None)


def decide_appeal(*, actor: User, task_id: int, outcome: str, reason: str = "") -> Appeal:
    """The level above decides an appeal: ``dismiss`` (a reason is required) or
    ``uphold``.

    Raises ``Task.DoesNotExist`` for a task the actor may not act on (404),
    ``CaseConflict`` (409) when it is not an open appeal task, or the case cannot
    resume (another application of the applicant for the program is open, or a benefit
    is already live), ``NotPermitted`` (403) for the maker of the appealed decision or
    a member of the case's household, ``InvalidInput`` (400).
    """
    access.require_writer(actor)
    if outcome not in (Outcome.DISMISS, Outcome.UPHOLD):
        raise InvalidInput(_("Choose uphold or dismiss."), field="outcome")
    reason = (reason or "").strip()
    if outcome == Outcome.DISMISS and not reason:
        raise InvalidInput(_("A reason is required to dismiss an appeal."), field="reason")

    def decide(task: Task, appeal: Appeal, now) -> Appeal:
        if appeal.outcome != Appeal.Outcome.PENDING:
            raise already_decided()
        case = _lock_case(appeal.case_id)
        if appeal.decision.actor_id == actor.pk:
            raise NotPermitted(_("You made the decision under appeal; someone else must "
                                 "decide the appeal."), code="own_decision")
        forbid_own_household(actor, case)
        appeal.case = case
        _record_outcome(appeal, case, task, actor, outcome, reason, now)
        return appeal

    def run() -> Appeal:
        return decide_task(actor=actor, task_id=task_id, tasks=APPEAL_TASKS,
                           subject_of=_appeal_of_task,
                           not_this_step=_("This task is not an appeal."), decide=decide)

    try:
        return run()
    except IntegrityError as exc:
        # an upheld appeal that grants, where the unit still holds an entitlement whose
        # period is over (the daily sweep has not reached it): end it and decide again,
        # as an approval does (``applications.services.decide``)
        unit = (Appeal.objects.filter(process__task__id=task_id)
                .values_list("case__program_id", "case__unit_key").first()
                if is_unit_conflict(exc) else None)
        if unit is None or not end_expired_for_unit(program_id=unit[0], unit_key=unit[1]):
            raise
    return run()


def _may_resume(case: Case, target: str) -> None:
    """Refuse to reopen or grant a case when the applicant has, meanwhile, another open
    application or a live benefit of the program (at most one of each is allowed)."""
    if Case.objects.filter(applicant_id=case.applicant_id, program_id=case.program_id,
                           status__in=OPEN_STATUSES).exclude(pk=case.pk).exists():
        raise CaseConflict(_("The applicant has another open application for this program; "
                             "it must be closed before this appeal can be upheld."),
                           code="duplicate")
    # the unit (person, couple or household) holds the program's benefit and its period
    # still runs; one whose period is over is ended when the grant replaces it
    held = Entitlement.objects.filter(
        unit_key=case.unit_key, program_id=case.program_id, state=Entitlement.State.LIVE,
        valid_to__gte=timezone.localdate()).first() if target == GRANT else None
    if held is not None:
        raise CaseConflict(_("This person, couple or household already holds entitlement "
                             "%(number)s of this program, valid until %(until)s.") % {
            "number": held.number, "until": held.valid_to}, code="duplicate")


def _record_outcome(appeal: Appeal, case: Case, task: Task, actor: User, outcome: str,
                    reason: str, now) -> None:
    """What the appeal's outcome changes, in the caller's transaction: the appeal row,
    the case rejected for good or resumed (or granted), the family told."""
    upheld = outcome == Outcome.UPHOLD
    target = resume_target(case, appeal.appealed_step) if upheld else ""
    if upheld:
        _may_resume(case, target)
    appeal.outcome = Appeal.Outcome.UPHELD if upheld else Appeal.Outcome.DISMISSED
    appeal.reason = reason
    appeal.decided_by = actor
    appeal.decided_at = now
    detail = {"appeal": appeal.pk, "step": appeal.appealed_step, "reason": reason,
              "task": task.pk}
    if not upheld:
        case.closed_at = now
        transition(case, to_status=CaseStatus.REJECTED, actor=actor, action="appeal_dismissed",
                   detail=detail, extra_fields=("closed_at",))
        _notify(case, "dismissed", _payload(appeal, reason=reason))
    else:
        record_event(case, actor=actor, action="appeal_upheld", from_status=case.status,
                     to_status=case.status, detail={**detail, "resume_at": target})
        _notify(case, "upheld", _payload(appeal, reason=reason, resume_at=target))
        _resume(appeal, case, actor, target, now)
    appeal.save(update_fields=["outcome", "reason", "decided_by", "decided_at",
                               "resumed_process"])


def _resume(appeal: Appeal, case: Case, actor: User, target: str, now) -> None:
    """The overturned rejection's case goes on: granted at once when the appealed level
    was the program's last, else in a new application process entering ``target``."""
    case.last_decision = ""
    if target == GRANT:
        entitlement = grant(case, actor=actor)
        case.closed_at = now
        transition(case, to_status=CaseStatus.APPROVED, actor=actor, action="granted",
                   detail={"entitlement": entitlement.number,
                           "amount_yuan": str(entitlement.amount_yuan), "appeal": appeal.pk},
                   extra_fields=("last_decision", "closed_at"))
        notify_step(case, "approved")
        return
    case.closed_at = None
    # the rejected process keeps its history but no longer names the case: the new one
    # does (the case's lock and open process from now on)
    release_case(Process, case.pk)
    BenefitApplicationFlow.resume.run(case=case, actor=actor, resume_at=target,
                                      appeal_id=appeal.pk)
    appeal.resumed_process = case.process  # cached by the flow's link, no query
    save_case(case, "closed_at", "last_decision")


__all__ = ["AppealFlow", "Outcome", "appeal_window", "appeals_of", "decide_appeal",
           "lodge_appeal", "open_appeal", "resume_target"]
