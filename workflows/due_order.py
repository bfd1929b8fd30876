"""Open tasks in the order they are due: overdue first, then by deadline, untimed last.

A task is overdue when its open deadline has passed (``deadlines.is_overdue``: ``due_at``
before now), so "overdue first, then by due date" is one ascending order on ``due_at``:
the most overdue first, then the rest by when they fall due; ties by task id (the older
task first); tasks without an open deadline (untimed steps, re-certification reviews)
after all of them, oldest first. No sort key is stored that the clock would make stale.

A page is read by keyset on ``(due_at, task id)``, never OFFSET or COUNT, in at most two
statements:

1. the timed tasks: the scoped task query joined to its open deadline, ordered by
   ``(due_at, task_id)`` after the cursor with a row comparison. The deadline row carries
   a copy of its task's scope (``role``, ``scope_key``), and the page query repeats the
   task's scope on it (``deadline_scope``: redundant for the result, the task's own filter
   decides) so that the deadline table's partial indexes (migration ``workflows/0005``)
   serve it alone: the planner walks ``wf_deadline_open_due`` in due order for a wide
   scope (a township, the district: a few rows walked per row shown), or reads a narrow
   scope's rows (a village) from ``wf_deadline_open_scope`` and sorts them;
2. only when the timed tasks run out on this page, the untimed ones by id.

The cursor (``?after=``) is ``<due_at in µs since the epoch>_<task id>``, or ``_<task id>``
once the page is among the untimed tasks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import DateTimeField, Exists, F, OuterRef, Q, Value
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan

from casework.models import User

from .models import Deadline

# the roles whose tasks ``selectors.tasks_for`` finds by role and village-code prefix
ACTING_ROLES = (User.Role.VILLAGE_REVIEWER, User.Role.TOWNSHIP_APPROVER,
                User.Role.DISTRICT_APPROVER)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_ID = 2**63
# a cursor's due time must be a datetime Python can hold (years 1..9999)
MAX_MICROS = 253_402_300_799 * 10**6
MIN_MICROS = -62_135_596_800 * 10**6


@dataclass(frozen=True)
class DueCursor:
    """Where a page ends: the last row's due time (None: an untimed task) and task id."""

    due_at: datetime | None
    task_id: int

    @classmethod
    def parse(cls, value: str | None) -> DueCursor | None:
        """The cursor in ``value``, or None (the first page) for anything else."""
        if not value or not value.isascii() or value.count("_") != 1:
            return None
        due, _sep, task = value.partition("_")
        if not task.isdigit() or not 0 < int(task) < MAX_ID:
            return None
        if not due:
            return cls(None, int(task))
        digits = due[1:] if due.startswith("-") else due
        if not digits.isdigit() or not MIN_MICROS <= int(due) <= MAX_MICROS:
            return None
        return cls(EPOCH + timedelta(microseconds=int(due)), int(task))

    @classmethod
    def of(cls, task) -> DueCursor:
        """The cursor after ``task`` (a row read by ``due_page``: a task or a tuple of its
        ``columns``, either with ``id`` and ``due_at``)."""
        return cls(task.due_at, task.id)

    def __str__(self) -> str:
        if self.due_at is None:
            return f"_{self.task_id}"
        delta = self.due_at - EPOCH
        return f"{(delta.days * 86400 + delta.seconds) * 10**6 + delta.microseconds}_{self.task_id}"


def deadline_scope(user) -> Q | None:
    """``selectors.tasks_for(user)``'s scope said on the deadline's copy of it (role and
    village-code prefix), or None for a user whose tasks it does not describe. Only an
    index's way in: the tasks' own scope filter stays and decides."""
    role, area = getattr(user, "role", None), getattr(user, "area_id", None)
    if not area or role not in ACTING_ROLES:
        return None
    roles = [role, User.Role.FAMILY] if role == User.Role.VILLAGE_REVIEWER else [role]
    return Q(deadline__role__in=roles, deadline__scope_key__startswith=area)


def area_scope(user) -> Q | None:
    """The deadlines of tasks in ``user``'s area (for a read-only role's queue, which
    lists every open task of the area): the scope key starts with the village code."""
    area = getattr(user, "area_id", None)
    return Q(deadline__scope_key__startswith=area) if area else None


def timed(tasks, scope: Q | None = None):
    """``tasks`` with an open deadline, annotated with it (``due_at``, ``escalated_at``),
    most urgent first; ``scope``: the tasks' scope on the deadline (``deadline_scope``)."""
    tasks = tasks.filter(deadline__closed_at__isnull=True, deadline__due_at__isnull=False)
    if scope is not None:
        tasks = tasks.filter(scope)
    return (tasks.annotate(due_at=F("deadline__due_at"), escalated_at=F("deadline__escalated_at"))
            .order_by("deadline__due_at", "deadline__task_id"))


def untimed(tasks):
    """``tasks`` without an open deadline, oldest first (``due_at`` None)."""
    no_date = Value(None, output_field=DateTimeField())
    return (tasks.exclude(Exists(Deadline.objects.filter(task_id=OuterRef("pk"),
                                                         closed_at__isnull=True)))
            .annotate(due_at=no_date, escalated_at=no_date).order_by("id"))


def due_page(tasks, after: DueCursor | None, size: int, scope: Q | None = None,
             columns: tuple[str, ...] = ()) -> list:
    """Up to ``size`` of ``tasks`` (a task queryset, filtered and scoped) that follow
    ``after`` in due order, each annotated with ``due_at`` and ``escalated_at``; ``scope``
    repeats the tasks' scope on their deadlines (``deadline_scope``). With ``columns``,
    named tuples of those task columns and ``due_at``, ``escalated_at`` instead of tasks:
    no model built per row (``selectors.inbox_page``)."""

    def read(rows, n: int) -> list:
        if columns:
            rows = rows.select_related(None).values_list(*columns, "due_at", "escalated_at",
                                                         named=True)
        return list(rows[:n])

    rows = []
    if after is None or after.due_at is not None:
        first = timed(tasks, scope)
        if after is not None:
            first = first.filter(TupleGreaterThan(
                Tuple(F("deadline__due_at"), F("deadline__task_id")),
                (after.due_at, after.task_id)))
        rows = read(first, size)
    if len(rows) < size:
        rest = untimed(tasks)
        if after is not None and after.due_at is None:
            rest = rest.filter(id__gt=after.task_id)
        rows += read(rest, size - len(rows))
    return rows
