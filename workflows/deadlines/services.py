"""Working-day deadlines of human steps: plan, open, close, and the sweep that acts on them.

Each program sets, per step, a deadline in working days, a reminder point (working
days before it) and a grace period after which an overdue step is escalated; the
values are policy parameters, taken from the case's snapshot so a case keeps the
deadlines it was filed under. When a deadline passes:

1. at the reminder point the assignees are reminded;
2. at the deadline the case is marked overdue, the assignees and the level above
   are told;
3. after the grace period the step is escalated: the level above is told again and
   the case carries an escalation mark and an audit note.

None of these approves or rejects anything. Every action is one transaction that
writes the deadline's new stage, the audit event and the outbox rows together; the
stage advances with a compare-and-set, and rows are claimed with ``SKIP LOCKED``, so
two sweeps running at once (two beat ticks, two workers) act on each row once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from celery import shared_task
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from casework.history.audit import queue_outbox, record_event, unit_of_work
from casework.models import Case, OutboxMessage
from eligibility.defaults import SLA_PARAMETERS

from .. import steps
from ..case_process import lock_many
from ..models import Deadline
from ..notifications.notify import kick_relay, sms_recipient
from .workdays import WorkingCalendar, current_calendar

logger = logging.getLogger(__name__)

# used when a case's parameter snapshot predates the deadline parameters
DEFAULTS = SLA_PARAMETERS
# who is told, beyond the assignees, when a step is overdue or escalated
LEVEL_ABOVE = {
    steps.VILLAGE_REVIEW: steps.TOWNSHIP_REVIEW,
    steps.OBJECTION_REVIEW: steps.TOWNSHIP_REVIEW,
    steps.TOWNSHIP_REVIEW: steps.DISTRICT_REVIEW,
    steps.FAMILY_REVISION: steps.VILLAGE_REVIEW,  # the family's village helps it
}
# a family's own step is reminded and watched, never escalated
ESCALATES = {steps.VILLAGE_REVIEW, steps.OBJECTION_REVIEW, steps.TOWNSHIP_REVIEW}
REMIND_AT = time(9, 0)
END_OF_DAY = time(23, 59, 59)
SWEEP_BATCH = 200


@dataclass(frozen=True)
class Plan:
    working_days: int
    due_at: datetime
    remind_at: datetime | None
    escalate_at: datetime | None

    @property
    def first_stage(self) -> tuple[str, datetime]:
        if self.remind_at is not None:
            return Deadline.Stage.REMIND, self.remind_at
        return Deadline.Stage.DUE, self.due_at


def _tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _at(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, tzinfo=_tz())


def plan(step: str, start: datetime, params: dict, calendar: WorkingCalendar) -> Plan | None:
    """When ``step``, begun at ``start``, is due, reminded and escalated; None if untimed.

    Pure: the parameters and the calendar are passed in. The deadline is the end of
    the N-th working day after the start day (the start day is not counted); the
    reminder is at 09:00 of the working day ``sla_reminder_days_before`` before it,
    skipped if that is not after the start; escalation is at the end of the
    ``sla_escalation_grace_days``-th working day after the deadline.
    """
    def value(key: str) -> int:
        raw = params.get(key, DEFAULTS.get(key))
        return int(raw) if raw not in (None, "") else 0

    days = value(f"sla_{step}_days")
    if days <= 0:
        return None
    start_day = timezone.localtime(start, _tz()).date()
    due_day = calendar.add_working_days(start_day, days)
    due_at = _at(due_day, END_OF_DAY)
    before = value("sla_reminder_days_before")
    remind_at = None
    if before > 0:
        candidate = _at(calendar.subtract_working_days(due_day, before), REMIND_AT)
        remind_at = candidate if candidate > start else None
    grace = value("sla_escalation_grace_days")
    escalate_at = None
    if grace > 0 and step in ESCALATES:
        escalate_at = _at(calendar.add_working_days(due_day, grace), END_OF_DAY)
    return Plan(days, due_at, remind_at, escalate_at)


def new_deadline(task, case: Case, step: str) -> Deadline | None:
    """The (unsaved) deadline row of a new human task, or None if the step is untimed."""
    params = (case.eligibility or {}).get("parameters") or {}
    planned = plan(step, task.created or timezone.now(), params, current_calendar())
    if planned is None:
        return None
    stage, next_at = planned.first_stage
    return Deadline(task=task, case=case, step=step, working_days=planned.working_days,
                    due_at=planned.due_at, remind_at=planned.remind_at,
                    escalate_at=planned.escalate_at, stage=stage, next_at=next_at,
                    # the task's scope, copied for the inbox's order (``due_order``)
                    role=task.owner_permission or "",
                    scope_key=task.owner_permission_obj_pk or "")


def close_for_case(case: Case) -> int:
    """Stop every open deadline of ``case`` (withdrawal cancels its tasks)."""
    return Deadline.objects.filter(case=case, closed_at__isnull=True).update(
        closed_at=timezone.now(), next_at=None, stage=Deadline.Stage.DONE)


def is_overdue(due_at: datetime | None, closed_at: datetime | None = None,
               now: datetime | None = None) -> bool:
    return bool(due_at) and closed_at is None and (now or timezone.now()) > due_at


def with_due(cases):
    """Annotate a case queryset with its open step's deadline (``open_due_at``): one
    indexed subquery per listed row, no extra round trip."""
    from django.db.models import OuterRef, Subquery

    return cases.annotate(open_due_at=Subquery(
        Deadline.objects.filter(case=OuterRef("pk"), closed_at__isnull=True)
        .order_by("-due_at").values("due_at")[:1]))


def open_due_at(case: Case) -> datetime | None:
    """The open step's deadline of ``case`` (from ``with_due`` when annotated)."""
    if hasattr(case, "open_due_at"):
        return case.open_due_at
    return (Deadline.objects.filter(case=case, closed_at__isnull=True)
            .order_by("-due_at").values_list("due_at", flat=True).first())


# --- the sweep -------------------------------------------------------------
def _next_stage(deadline: Deadline) -> tuple[str, datetime | None]:
    if deadline.stage == Deadline.Stage.REMIND:
        return Deadline.Stage.DUE, deadline.due_at
    if deadline.stage == Deadline.Stage.DUE and deadline.escalate_at is not None:
        return Deadline.Stage.ESCALATE, deadline.escalate_at
    return Deadline.Stage.DONE, None


def _messages(deadline: Deadline, case: Case, template: str, to_level_above: bool,
              owner: int | None) -> list[OutboxMessage]:
    """Who hears of a deadline: the one who took the task, else everyone who may take
    it; the family by SMS too for its own step; and for overdue and escalation, the
    level above. (Delivering a staff notice in-app also e-mails those with an address.)"""
    now = timezone.now()
    local_due = timezone.localtime(deadline.due_at, _tz()).date().isoformat()
    payload = {"step": deadline.step, "due_at": local_due, "program": case.program_id}
    rows = []

    def row(channel: str, recipient: str = "", user_id: int | None = None) -> None:
        rows.append(OutboxMessage(case=case, channel=channel, recipient=recipient,
                                  recipient_user_id=user_id, template=template,
                                  payload=payload, created_at=now))

    if deadline.step == steps.FAMILY_REVISION:
        row(OutboxMessage.Channel.INAPP, f"household:{case.household_id}")
        if case.applicant.phone and template == "task_reminder":
            row(OutboxMessage.Channel.SMS, sms_recipient(case.applicant_id))
    elif owner is not None:  # delivery adds the e-mail of staff who have an address
        row(OutboxMessage.Channel.INAPP, user_id=owner)
    else:
        row(OutboxMessage.Channel.INAPP, f"{deadline.step}:{case.area_id}")
    if to_level_above and deadline.step in LEVEL_ABOVE:
        row(OutboxMessage.Channel.INAPP, f"{LEVEL_ABOVE[deadline.step]}:{case.area_id}")
    return rows


def _act(deadline: Deadline, case: Case, now: datetime,
         owner: int | None = None) -> None:
    """Do what ``deadline.stage`` says, in the caller's transaction and unit of work."""
    detail = {"task": deadline.task_id, "step": deadline.step,
              "due_at": deadline.due_at.isoformat()}
    if deadline.stage == Deadline.Stage.REMIND:
        action, template, above = "deadline_reminder", "task_reminder", False
    elif deadline.stage == Deadline.Stage.DUE:
        action, template, above = "deadline_overdue", "task_overdue", True
    else:
        detail["escalated_to"] = LEVEL_ABOVE.get(deadline.step, "")
        detail["note"] = ("Escalated: the step passed its deadline and the grace period; "
                          "the level above has been told. Nothing was decided automatically.")
        action, template, above = "deadline_escalated", "task_escalated", True
    record_event(case, actor=None, action=action, from_status=case.status,
                 to_status=case.status, detail=detail)
    queue_outbox(_messages(deadline, case, template, above, owner))


def _claim(now: datetime, limit: int) -> list[Deadline]:
    """Lock up to ``limit`` due rows that no other sweep holds (SKIP LOCKED on PostgreSQL)."""
    qs = Deadline.objects.filter(next_at__lte=now).order_by("next_at")
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    return list(qs[:limit])


def sweep(now: datetime | None = None, batch: int = SWEEP_BATCH) -> int:
    """Act on every deadline due by ``now``, in batches; returns the actions taken.

    Reads only due rows (partial index on ``next_at``). Each batch is one
    transaction; a row's stage moves with a compare-and-set on (stage, next_at), so
    a second sweep that read the same row before this one committed does nothing.
    """
    now = now or timezone.now()
    done = 0
    while True:
        with transaction.atomic(), unit_of_work():
            claimed = _claim(now, batch)
            if not claimed:
                return done
            cases = {c.pk: c for c in Case.objects.select_related("applicant").filter(
                pk__in={d.case_id for d in claimed})}
            _lock_cases(cases.values())
            owners = _owners(d.task_id for d in claimed)
            for deadline in claimed:
                stage, next_at = _next_stage(deadline)
                moved = Deadline.objects.filter(
                    pk=deadline.pk, stage=deadline.stage, next_at=deadline.next_at,
                    closed_at__isnull=True,
                ).update(stage=stage, next_at=next_at, **_stamp(deadline.stage, now))
                if moved:
                    _act(deadline, cases[deadline.case_id], now,
                         owners.get(deadline.task_id))
                    done += 1
            if done:
                transaction.on_commit(kick_relay)  # reminders leave now, not at the next beat
        if len(claimed) < batch:
            return done


def _stamp(stage: str, now: datetime) -> dict:
    return {{Deadline.Stage.REMIND: "reminded_at", Deadline.Stage.DUE: "overdue_at"}
            .get(stage, "escalated_at"): now}


def _owners(task_ids) -> dict[int, int]:
    """The user who took each task, for tasks someone has taken."""
    from viewflow.workflow.models import Task

    return dict(Task.objects.filter(pk__in=list(task_ids), owner__isnull=False)
                .values_list("pk", "owner_id"))


def _lock_cases(cases) -> None:
    """Serialise history appends with the services, which lock the process row."""
    lock_many([c.pk for c in cases])


@shared_task(name="workflows.tasks.sweep_deadlines", acks_late=True, ignore_result=True)
def sweep_deadlines() -> int:
    """Beat runs this every minute; safe to run twice at once (see ``sweep``)."""
    return sweep()


__all__ = ["Plan", "plan", "new_deadline", "close_for_case", "is_overdue", "sweep",
           "sweep_deadlines"]
