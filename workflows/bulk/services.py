"""Approving several cases at once (the staff inbox and queue, and the API).

A reviewer selects open tasks of one step that are theirs to decide and approves them
with one optional note. Each case is then decided by ``services.decide``, the same call
as one case's form: its own transaction, its own lock, its own decision, audit event and
notifications; a case that fails (decided meanwhile by a colleague, separation of duties,
its household is the reviewer's own...) is reported with its reason and the others go
on. Nothing is approved that the same reviewer could not approve one by one.

Never in bulk, and refused here whatever the request says:
- a cash program's case (``Program.is_cash``): money is granted one case at a time;
- the objection review: whether an objection stands is weighed case by case;
- any other step than a review that takes a decision (``BULK_STEPS``);
- returning or rejecting: one by one, each with its reason (only "approve" exists here).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from viewflow.workflow.fields import get_flow_ref
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from casework import access
from casework.errors import DomainError, InvalidInput
from casework.models import Decision, User

from .. import steps
from ..applications import services
from ..selectors import tasks_for

# the steps whose tasks may be approved together
BULK_STEPS = (steps.VILLAGE_REVIEW, steps.TOWNSHIP_REVIEW, steps.DISTRICT_REVIEW)
MAX_BULK = 100  # tasks in one bulk approval (a page of the lists is 25)
NOT_YOURS = gettext_lazy("This task is not among yours: it is outside your area, "
                         "already taken by someone else or no longer open.")
CASH = gettext_lazy("A cash benefit is approved one case at a time.")
OBJECTION = gettext_lazy("An objection review is decided one case at a time.")
NOT_BULK_STEP = gettext_lazy("This step is not approved in bulk.")
CLOSED = gettext_lazy("This task has already been decided.")
# what the confirmation page and the API show of a selected task (no JSON snapshot)
REVIEW_FIELDS = (
    "id", "flow_task", "flow_task_type", "status", "owner_id", "process_id", "created",
    "owner_permission", "owner_permission_obj_pk", "process__id", "process__flow_class",
    "process__case__id", "process__case__status", "process__case__household_id",
    "process__case__program__id", "process__case__program__code",
    "process__case__program__name_zh", "process__case__program__name_en",
    "process__case__program__is_cash", "process__case__applicant__id",
    "process__case__applicant__name", "process__case__area__code",
    "process__case__area__name", "deadline__task_id", "deadline__due_at",
    "deadline__escalated_at", "deadline__closed_at",
)


@dataclass
class BulkItem:
    """One selected task: its case and step, and why it may not be approved in bulk (an
    empty ``refusal`` if it may); after ``approve``, whether it was and, if not, why."""

    task_id: int
    task: Task | None = None
    refusal: str = ""
    approved: bool = False
    error: str = ""

    @property
    def case(self):
        """The task's application case (None for a task of another kind of process)."""
        if self.task is None:
            return None
        return getattr(self.task.process, "case", None)

    @property
    def step(self) -> str:
        return self.task.flow_task.name if self.task is not None else ""

    @property
    def may_approve(self) -> bool:
        return self.task is not None and not self.refusal


def refusal(task) -> str:
    """Why ``task`` (with its process, case and program read) is not approved in bulk;
    "" if it may be."""
    step = task.flow_task.name
    if step == steps.OBJECTION_REVIEW:
        return str(OBJECTION)
    if step not in BULK_STEPS:
        return str(NOT_BULK_STEP)
    if task.process.case.program.is_cash:
        return str(CASH)
    return ""


def may_approve_row(user: User, step: str, program) -> bool:
    """Whether a list row of ``step`` on a case of ``program`` may be selected for bulk
    approval by ``user`` (no query: the list has the row's step and program)."""
    return (step in BULK_STEPS and not program.is_cash and access.can_write(user))


def selectable(user: User, flow_class=None):
    """Open tasks ``user`` may approve in bulk: of their role and area (``tasks_for``),
    waiting in the queue or taken by ``user``; a colleague's task is not theirs."""
    tasks = tasks_for(user).filter(Q(status=STATUS.NEW)
                                   | Q(status=STATUS.ASSIGNED, owner_id=user.pk))
    if flow_class is not None:
        tasks = tasks.filter(flow_task__startswith=f"{get_flow_ref(flow_class)}.")
    return tasks


def parse_ids(values) -> list[int]:
    """The task ids in ``values`` (strings from a form or JSON), in order, once each;
    ``InvalidInput`` for anything else or too many."""
    ids = []
    for value in values:
        text = str(value)
        if not (text.isascii() and text.isdigit()) or not 0 < int(text) < 2**63:
            raise InvalidInput(_("Select tasks by their number."), field="tasks")
        if int(text) not in ids:
            ids.append(int(text))
    if len(ids) > MAX_BULK:
        raise InvalidInput(_("Select at most %(max)s tasks at a time.") % {"max": MAX_BULK},
                           field="tasks")
    return ids


def review(user: User, task_ids, flow_class=None) -> list[BulkItem]:
    """The selected tasks, each with its case and why it may not be approved in bulk: one
    statement. A task that is not ``user``'s to decide shows no case (``NOT_YOURS``)."""
    ids = list(task_ids)
    found, closed = {}, {}
    if ids and access.can_write(user):
        rows = (selectable(user, flow_class).filter(pk__in=ids).select_related(None)
                .select_related("process__case__program", "process__case__applicant",
                                "process__case__area", "deadline")
                .only(*REVIEW_FIELDS))
        found = {task.pk: task for task in rows}
        missing = [task_id for task_id in ids if task_id not in found]
        if missing:
            closed.update(_closed_tasks(user, missing))
    items = []
    for task_id in ids:
        task = found.get(task_id)
        if task_id in closed:  # the user's to decide, but decided (or withdrawn) meanwhile
            items.append(BulkItem(task_id, closed[task_id], refusal=str(CLOSED)))
        elif task is None:
            items.append(BulkItem(task_id, refusal=str(NOT_YOURS)))
        else:
            items.append(BulkItem(task_id, task, refusal=refusal(task)))
    return items


def _closed_tasks(user: User, task_ids) -> dict:
    """Of ``task_ids``, the tasks ``user`` may act on (their role and area) that are no
    longer open: decided by a colleague or cancelled since they were listed."""
    rows = (Task.objects.filter(pk__in=task_ids, flow_task_type="HUMAN")
            .exclude(status__in=(STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED))
            .select_related("process__case__program", "process__case__applicant",
                            "process__case__area", "deadline").only(*REVIEW_FIELDS))
    return {task.pk: task for task in rows
            if steps.user_may_act(user, task.owner_permission or "",
                                  task.owner_permission_obj_pk or "")}


def one_step(items: list[BulkItem]) -> bool:
    """Whether the approvable items are all at one step."""
    return len({item.step for item in items if item.may_approve}) <= 1


def approve(*, actor: User, task_ids, note: str = "", flow_class=None) -> list[BulkItem]:
    """Approve each selected task that ``actor`` may approve in bulk, one case per
    transaction through ``services.decide``, with ``note`` as each decision's reason.

    Returns every selected task with its outcome: approved, refused (``refusal``: not
    theirs, cash program, objection review...) or failed while deciding (``error``: the
    domain error's message). Raises ``InvalidInput`` when the approvable tasks are at
    more than one step, ``NotPermitted`` for a read-only role."""
    access.require_writer(actor)
    items = review(actor, parse_ids(task_ids), flow_class)
    if not one_step(items):
        raise InvalidInput(_("Select tasks of one step at a time."), field="tasks")
    note = (note or "").strip()
    for item in items:
        if not item.may_approve:
            continue
        try:
            services.decide(actor=actor, task_id=item.task_id,
                            decision=Decision.Outcome.APPROVE, reason=note)
        except Task.DoesNotExist:
            item.error = str(NOT_YOURS)
        except DomainError as exc:
            item.error = str(exc.message)
        else:
            item.approved = True
    return items
