"""The benefit-application process as a viewflow flow.

    start -> village_review -> [public_notice -> (objection_review)] -> township_review
          -> [district_review] -> end

Human steps are ``ScopedView`` tasks; a decision is made through
``workflows.services.decide`` which stores the outcome on the case
(``case.last_decision``) before completing the task, and the gateways route
on it. Approval at the program's final level issues the entitlement in the
same step (no automatic "grant" node: fewer statements on the hot path).
A returned case waits in ``family_revision`` and goes back to village review
when the family resubmits. Entering a step sets the case status and writes the
audit event, in the same transaction.
"""

from datetime import timedelta

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock
from viewflow.workflow.nodes.timer import TimerActivation
from viewflow.workflow.nodes.view import ViewActivation

from casework.audit import transition
from casework.models import CaseStatus, Decision
from casework.services import case_parameter

from . import steps
from .notify import notify_step


def _case(activation):
    return activation.process.case


class ScopedViewActivation(ViewActivation):
    """Creates the task row with its scope already set: one INSERT, one link INSERT."""

    @classmethod
    def create(cls, flow_task, prev_activation, token, data=None, seed=None):
        flow_class = flow_task.flow_class
        process = prev_activation.process
        task = flow_class.task_class(process=process, flow_task=flow_task, token=token,
                                     flow_task_type=flow_task.task_type)
        task.data = data if data is not None else {}
        task.seed = seed
        task.owner_permission = steps.STEP_ROLE[flow_task.step]
        task.owner_permission_obj_pk = steps.task_scope_key(flow_task.step, process.case)
        task.save()
        # Task.previous.add() would SELECT the existing links first; there are none
        flow_class.task_class.previous.through.objects.create(
            from_task_id=task.pk, to_task_id=prev_activation.task.pk)
        activation = cls(task)
        flow_task._enter(activation)
        return activation


class ScopedView(flow.View):
    """A human step whose task row carries its role and area (see ``steps``)."""

    activation_class = ScopedViewActivation

    def __init__(self, view, step: str, **kwargs):
        super().__init__(view, **kwargs)
        self.step = step

    def _enter(self, activation):
        """Entering the step: move the case, write the history, tell who must act."""
        case = _case(activation)
        task = activation.task
        to_status = steps.STEP_STATUS[self.step]
        actor = getattr(case, "_actor", None)
        if case.status != to_status or self.step == steps.OBJECTION_REVIEW:
            transition(case, to_status=to_status, actor=actor, action=f"enter_{self.step}",
                       detail={"task": task.pk})
        notify_step(case, self.step)

    def can_execute(self, user, task):
        return steps.user_may_act(user, task.owner_permission, task.owner_permission_obj_pk or "")

    def can_assign(self, user, task):
        return task.owner_id is None and self.can_execute(user, task)


class NoticeActivation(TimerActivation):
    @TimerActivation.status.super()
    def activate(self):
        super().activate.original()
        case = _case(self)
        transition(case, to_status=CaseStatus.PUBLIC_NOTICE, actor=getattr(case, "_actor", None),
                   action="public_notice_started",
                   detail={"until": self.task.scheduled.isoformat(), "task": self.task.pk})
        notify_step(case, "public_notice")


class NoticePeriod(flow.Timer):
    """公示: the names are posted for the program's notice period."""

    activation_class = NoticeActivation


def _notice_delay(activation):
    return timedelta(days=int(case_parameter(_case(activation), "public_notice_days", 7) or 7))


def _decided(outcome):
    return lambda activation: _case(activation).last_decision == outcome


def _needs_notice(activation):
    return int(case_parameter(_case(activation), "public_notice_days", 0) or 0) > 0


def _is_final(level):
    def check(activation):
        return case_parameter(_case(activation), "approval_level", "township") == level
    return check


def _has_open_objections(activation):
    return _case(activation).objections.filter(resolved_at__isnull=True).exists()


def _notice_ended(activation):
    case = _case(activation)
    from casework.audit import record_event

    record_event(case, actor=None, action="public_notice_ended",
                 from_status=case.status, to_status=case.status)
    case.save(update_fields=["version"])
    return _has_open_objections(activation)


def _review_view():
    from .views import DecisionView

    return DecisionView.as_view()


def _revision_view():
    from .views import RevisionView

    return RevisionView.as_view()


class BenefitApplicationFlow(flow.Flow):
    """Benefit application

    A family's application for one program, from submission to grant.
    """

    process_title = _("Benefit application")
    lock_impl = lock.select_for_update_lock if settings.IS_POSTGRES else lock.no_lock

    start = flow.StartHandle(this.start_case).Next(this.village_review)

    village_review = ScopedView(_review_view(), steps.VILLAGE_REVIEW).Next(this.after_village)
    after_village = (
        flow.Switch()
        .Case(this.end, _decided(Decision.Outcome.REJECT))
        .Case(this.family_revision, _decided(Decision.Outcome.RETURN))
        .Case(this.end, _is_final("village"))
        .Case(this.public_notice, _needs_notice)
        .Default(this.township_review)
    )
    family_revision = ScopedView(_revision_view(), steps.FAMILY_REVISION).Next(
        this.village_review)

    public_notice = NoticePeriod(_notice_delay).Next(this.after_notice)
    after_notice = flow.If(_notice_ended).Then(this.objection_review).Else(this.township_review)
    objection_review = ScopedView(_review_view(), steps.OBJECTION_REVIEW).Next(
        this.after_objection)
    after_objection = (
        flow.Switch()
        .Case(this.end, _decided(Decision.Outcome.REJECT))
        .Case(this.family_revision, _decided(Decision.Outcome.RETURN))
        .Default(this.township_review)
    )

    township_review = ScopedView(_review_view(), steps.TOWNSHIP_REVIEW).Next(
        this.after_township)
    after_township = (
        flow.Switch()
        .Case(this.end, _decided(Decision.Outcome.REJECT))
        .Case(this.family_revision, _decided(Decision.Outcome.RETURN))
        .Case(this.end, _is_final("township"))
        .Default(this.district_review)
    )
    district_review = ScopedView(_review_view(), steps.DISTRICT_REVIEW).Next(
        this.after_district)
    after_district = (
        flow.Switch()
        .Case(this.family_revision, _decided(Decision.Outcome.RETURN))
        .Default(this.end)
    )

    end = flow.End()

    def start_case(self, activation, case, actor):
        """Link the new process to the case, already stored and pre-checked.

        The process is saved by the start activation right after this; the
        caller saves ``case.process`` once the flow has run.
        """
        case._actor = actor
        activation.process.case = case  # caches both directions, no query
        return case
