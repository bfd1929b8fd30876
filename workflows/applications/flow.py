"""The benefit-application process as a viewflow flow.

    start -> village_review -> [public_notice -> (objection_review)] -> township_review
          -> [district_review] -> end
    (any review may return the case to family_revision, which goes back to village review)
    resume -> public_notice | township_review | district_review
    (the second start: a case whose rejection an appeal overturned, ``workflows.appeals``,
    goes on in a new process after the level that rejected it)

Human steps are ``DecisionStep`` tasks. A decision is made through
``workflows.applications.services.decide``, which stores the outcome on the case
(``case.last_decision``) and completes the task; the step then routes on it
itself, like an exclusive gateway folded into the task (one task row fewer per
step than a separate ``flow.Switch``). Approval at the program's final level
issues the entitlement in the same step. Entering a step sets the case status
and writes the audit event, in the same transaction.
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock
from viewflow.workflow.activation import Activation
from viewflow.workflow.nodes.end import EndActivation
from viewflow.workflow.nodes.start import StartHandleActivation
from viewflow.workflow.nodes.timer import TimerActivation
from viewflow.workflow.nodes.view import ViewActivation
from viewflow.workflow.signals import flow_finished, flow_started, task_finished
from viewflow.workflow.status import PROCESS, STATUS

from casework.history.audit import queue_insert, record_event, transition
from casework.models import CaseStatus, Decision
from casework.services import case_parameter

from .. import steps, task_pages
from ..completion import actor_of
from ..deadlines.services import new_deadline
from ..notifications.notify import notify_step
from ..viewflow_adapter import Routed, complete_task_row, first_route, insert_task, new_task


def _case(activation):
    return activation.process.case


# --- task pages: registered by name (``task_pages``; views import services, which import
# this module)
DECISION_PAGE = "application.decision"  # views.DecisionView
REVISION_PAGE = "application.revision"  # views.RevisionView
decision_page = task_pages.page(DECISION_PAGE)
revision_page = task_pages.page(REVISION_PAGE)


# --- nodes -----------------------------------------------------------------
class ScopedTaskView(flow.View):
    """A human step whose task row carries who may act on it (``owner_permission``, and
    ``owner_permission_obj_pk``: see ``steps.user_may_act``)."""

    def _may_act(self, user, task) -> bool:
        return steps.user_may_act(user, task.owner_permission, task.owner_permission_obj_pk or "")

    def can_execute(self, user, task):
        """The task page: only its owner (assigned first, as viewflow's UI does)."""
        return task.owner_id == user.pk and self._may_act(user, task)

    def can_assign(self, user, task):
        return task.owner_id is None and self._may_act(user, task)


class StartCaseActivation(StartHandleActivation):
    """Start inside the caller's transaction, without locking the process row
    it has just inserted (nobody else can see it yet): saves a savepoint pair
    and a ``SELECT ... FOR UPDATE`` per case."""

    @StartHandleActivation.status.super()
    def execute(self):
        self.process.save()
        self.complete()
        flow_started.send(sender=self.flow_class, process=self.process, task=self.task)
        self.activate_next()


class StartCase(flow.StartHandle):
    activation_class = StartCaseActivation


class ResumeCaseActivation(StartCaseActivation):
    """The start of a case resumed after an upheld appeal: it routes, like an exclusive
    gateway folded into the start, to the step the appeal service chose
    (``process.data["resume_at"]``)."""

    @Activation.status.super()
    def create_next(self):
        yield from first_route(self)


class ResumeCase(Routed, StartCase):
    """A second start of the application flow: an upheld appeal (``workflows.appeals``)
    resumes its case in a new process at the step after the level whose rejection was
    overturned; the process the rejection ended is kept as it was."""

    activation_class = ResumeCaseActivation

    def __init__(self, func=None, undo_func=None):
        super().__init__(func, undo_func)
        self._routes: list = []


class DecisionStepActivation(ViewActivation):
    """Creates the task row with its scope already set (one statement with its link),
    and on completion activates the branch the stored decision selects."""

    @classmethod
    def create(cls, flow_task, prev_activation, token, data=None, seed=None):
        process = prev_activation.process
        task = new_task(flow_task, prev_activation, token, data, seed)
        task.owner_permission = steps.STEP_ROLE[flow_task.step]
        task.owner_permission_obj_pk = steps.task_scope_key(flow_task.step, process.case)
        insert_task(task, prev_activation.task.pk)
        deadline = new_deadline(task, process.case, flow_task.step)
        if deadline is not None:
            queue_insert(deadline)  # after the case, which may be new in this transaction
        activation = cls(task)
        flow_task.enter(activation, actor=actor_of(prev_activation))
        return activation

    @ViewActivation.status.super()
    def complete(self):
        """Save only the columns a completion changes (viewflow saves the whole row)."""
        self.task.finished = timezone.now()
        complete_task_row(self.task)  # and closes the step's deadline
        task_finished.send(sender=self.flow_class, process=self.process, task=self.task)

    @Activation.status.super()
    def create_next(self):
        yield from first_route(self)


class DecisionStep(Routed, ScopedTaskView):
    """A human step whose task row carries its role and area (see ``steps``) and
    that routes on the decision stored on the case."""

    activation_class = DecisionStepActivation

    def __init__(self, view, step: str, **kwargs):
        super().__init__(view, **kwargs)
        self.step = step
        self._routes: list = []

    def enter(self, activation, *, actor):
        """Entering the step: move the case, write the history (by ``actor``, who completed
        the step before, or None for the system), tell who must act."""
        case = _case(activation)
        to_status = steps.STEP_STATUS[self.step]
        if case.status != to_status or self.step == steps.OBJECTION_REVIEW:
            transition(case, to_status=to_status, actor=actor, action=f"enter_{self.step}",
                       detail={"task": activation.task.pk})
        notify_step(case, self.step)


class NoticeActivation(TimerActivation):
    """The notice period's timer: starting it moves the case to public notice, in the
    name of whoever completed the step before (the village reviewer's approval)."""

    actor = None

    @classmethod
    def create(cls, flow_task, prev_activation, token, data=None, seed=None):
        activation = super().create(flow_task, prev_activation, token, data, seed)
        activation.actor = actor_of(prev_activation)
        return activation

    @TimerActivation.status.super()
    def activate(self):
        super().activate.original()
        case = _case(self)
        transition(case, to_status=CaseStatus.PUBLIC_NOTICE, actor=self.actor,
                   action="public_notice_started",
                   detail={"until": self.task.scheduled.isoformat(), "task": self.task.pk})
        notify_step(case, "public_notice")


class NoticePeriod(flow.Timer):
    """公示: the names are posted for the program's notice period."""

    activation_class = NoticeActivation


class CaseEndActivation(EndActivation):
    """This flow has no parallel branches: reaching End finishes the process at
    once. The end task row is inserted already done (one INSERT, not INSERT then
    UPDATE), with no count of unfinished tasks and no savepoint."""

    @classmethod
    def create(cls, flow_task, prev_activation, token, data=None, seed=None):
        now = timezone.now()
        process = prev_activation.process
        task = flow_task.flow_class.task_class(
            process=process, flow_task=flow_task, token=token, flow_task_type=flow_task.task_type,
            status=STATUS.DONE, started=now, finished=now)
        task.data = data if data is not None else {}
        insert_task(task, prev_activation.task.pk)
        process.status = PROCESS.DONE
        process.finished = now
        process.save(update_fields=["status", "finished"])
        activation = cls(task)
        flow_finished.send(sender=flow_task.flow_class, process=process, task=task)
        return activation


class CaseEnd(flow.End):
    activation_class = CaseEndActivation


# --- routing conditions (read what the services stored on the case) ---------
def _decided(outcome):
    return lambda activation: _case(activation).last_decision == outcome


def _approved_final(step):
    def check(activation):
        case = _case(activation)
        return case.last_decision == Decision.Outcome.APPROVE and steps.is_final(case, step)
    return check


def _needs_notice(activation):
    return int(case_parameter(_case(activation), "public_notice_days", 0) or 0) > 0


def _notice_delay(activation):
    return timedelta(days=int(case_parameter(_case(activation), "public_notice_days", 7) or 7))


def _notice_ended_with_objections(activation):
    """Record the end of the notice; true when objections are still open."""
    case = _case(activation)
    record_event(case, actor=None, action="public_notice_ended", from_status=case.status,
                 to_status=case.status)
    return case.objections.filter(resolved_at__isnull=True).exists()


REJECTED = _decided(Decision.Outcome.REJECT)
RETURNED = _decided(Decision.Outcome.RETURN)


def _resume_at(step):
    return lambda activation: (activation.process.data or {}).get("resume_at") == step


class BenefitApplicationFlow(flow.Flow):
    """Benefit application

    A family's application for one program, from submission to grant.
    """

    process_title = _("Benefit application")
    lock_impl = lock.select_for_update_lock if settings.IS_POSTGRES else lock.no_lock

    start = StartCase(this.start_case).Next(this.village_review)
    # an upheld appeal resumes its case after the overturned level (workflows.appeals)
    resume = ResumeCase(this.resume_case).Route(
        (this.public_notice, _resume_at("public_notice")),
        (this.township_review, _resume_at(steps.TOWNSHIP_REVIEW)),
        (this.district_review, _resume_at(steps.DISTRICT_REVIEW)),
    )

    village_review = DecisionStep(decision_page, steps.VILLAGE_REVIEW).Route(
        (this.end, REJECTED),
        (this.family_revision, RETURNED),
        (this.end, _approved_final(steps.VILLAGE_REVIEW)),
        (this.public_notice, _needs_notice),
        (this.township_review, None),
    )
    family_revision = DecisionStep(revision_page, steps.FAMILY_REVISION).Route(
        (this.village_review, None),
    )

    public_notice = NoticePeriod(_notice_delay).Next(this.after_notice)
    after_notice = (
        flow.If(_notice_ended_with_objections)
        .Then(this.objection_review)
        .Else(this.township_review)
    )
    objection_review = DecisionStep(decision_page, steps.OBJECTION_REVIEW).Route(
        (this.end, REJECTED),
        (this.family_revision, RETURNED),
        (this.township_review, None),
    )

    township_review = DecisionStep(decision_page, steps.TOWNSHIP_REVIEW).Route(
        (this.end, REJECTED),
        (this.family_revision, RETURNED),
        (this.end, _approved_final(steps.TOWNSHIP_REVIEW)),
        (this.district_review, None),
    )
    district_review = DecisionStep(decision_page, steps.DISTRICT_REVIEW).Route(
        (this.family_revision, RETURNED),
        (this.end, None),
    )

    end = CaseEnd()

    def has_manage_permission(self, user, obj=None):
        """Nobody manages these processes by hand: viewflow's cancel, undo and revive
        pages would change a case without an audit event. Withdrawal and decisions go
        through ``workflows.applications.services``."""
        return False

    def start_case(self, activation, case, actor):
        """Link the new process to the case, already stored and pre-checked: the
        process row names the case (``process.case``, saved by the start activation
        right after this)."""
        activation.task.owner = actor  # who started it (viewflow's start views do the same)
        activation.process.case = case  # caches both directions, no query
        return case

    def resume_case(self, activation, case, actor, resume_at: str, appeal_id: int):
        """Link a new process to ``case``, resumed at ``resume_at`` by an upheld appeal.

        The process records where it resumed and why (``data``) and names the case from
        now on (the case's lock); the ended process let go of it first (the caller).
        """
        activation.task.owner = actor
        activation.process.data = {"resume_at": resume_at, "appeal": appeal_id}
        activation.process.case = case
        return case


__all__ = ["BenefitApplicationFlow", "STATUS"]
