"""One way a human task is decided: lock, guard, record, complete.

Three flows put a decision in a person's hands: an application's reviews
(``services.decide``), an appeal (``appeals.flow.decide_appeal``) and a re-certification review
(``recertification.flow.decide_review``). They differ in what they read with the task, what
they check and what they record; ``decide_task`` does the rest one way for all three:

1. one transaction with its unit of work, so the audit events and the outbox rows the
   decision writes commit with it and the messages leave after commit (``deciding``);
   a lock timeout or a lost deadlock is a ``CaseConflict`` ("locked", 409);
2. the task read with the caller's joins (``task_reader``: compiled once a process),
   locking its task and process rows (the process row is each case's lock); missing or
   not the actor's to act on is ``Task.DoesNotExist`` (404: it does not say that a task
   exists elsewhere);
3. a task already done is ``CaseConflict`` ("task_closed", 409); a task of another kind
   (what ``subject_of`` finds no subject for) is ``CaseConflict`` ("wrong_step");
4. the caller's ``decide(task, subject, now)``: its separation-of-duties guard
   (``NotPermitted``, 403), then its rows, audit events and outbox messages;
5. the task completed as the actor (``complete_task``): viewflow routes to the next
   node, whose activation reads who acted off the completed task (``actor_of``).

The actor is passed explicitly at every step; nothing rides on the case object.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

from django.db import OperationalError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from casework.compiled_queries import CompiledQuery
from casework.errors import CaseConflict, NotPermitted
from casework.history.audit import unit_of_work
from casework.models import Case, User

from . import steps

#: the states of a task someone may still decide
OPEN_TASK = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)

S = TypeVar("S")
R = TypeVar("R")


@contextmanager
def deciding() -> Iterator[None]:
    """A decision on a task: one transaction with its unit of work. A lock timeout, or
    losing a deadlock to another decider, is a ``CaseConflict`` ("locked", 409)."""
    try:
        with transaction.atomic(), unit_of_work():
            yield
    except OperationalError as exc:  # lock timeout or deadlock victim
        raise CaseConflict(_("Someone else is deciding this case; try again."),
                           code="locked") from exc


def task_reader(build: Callable[..., QuerySet[Task]], **values: type
                ) -> CompiledQuery[Task]:
    """How a flow reads the task it decides: ``build(**arguments)`` (the flow's joins and
    annotations) narrowed to one task and locking its task and process rows, compiled
    once a process (a decision's read joins five tables; building and compiling it took
    more time than running it). ``values`` names the arguments that are only parameters
    (an actor's id), as ``CompiledQuery`` asks; ``task_id`` is one already."""

    def locked(*, task_id: int, **arguments: Any) -> QuerySet[Task]:
        tasks = build(**arguments)
        if connection.features.has_select_for_update_of:
            tasks = tasks.select_for_update(of=("self", "process"))
        return tasks.filter(pk=task_id)

    return CompiledQuery(locked, values={"task_id": int, **values})


def lock_actor_task(tasks: CompiledQuery[Task], task_id: int, actor: User,
                    arguments: dict[str, Any] | None = None) -> Task:
    """Read task ``task_id`` with ``tasks`` (a ``task_reader``, given ``arguments``),
    locking the task and process rows inside the caller's transaction. Raises
    ``Task.DoesNotExist`` when it is missing or not ``actor``'s to act on
    (``steps.user_may_act``)."""
    task = tasks.first(task_id=task_id, **(arguments or {}))
    if task is None or not task.owner_permission or not steps.user_may_act(
        actor, task.owner_permission, task.owner_permission_obj_pk or ""
    ):
        raise Task.DoesNotExist
    return task


def forbid_own_household(actor: User, case: Case) -> None:
    """Separation of duties every flow shares: nobody decides a case of their own
    household."""
    if actor.household_id is not None and actor.household_id == case.household_id:
        raise NotPermitted(_("You may not decide a case of your own household."),
                           code="own_household")


def complete_task(task: Task, *, actor: User, now: datetime) -> None:
    """Complete the locked human ``task`` as ``actor`` and let its flow go on: the node's
    activation saves the task (``viewflow_adapter.complete_task_row``) and creates the
    next node's, which reads ``actor`` off this task (``actor_of``)."""
    task.owner = actor
    task.status = STATUS.STARTED
    task.started = now
    activation = task.flow_task.activation_class(task)
    activation.execute()


def actor_of(activation) -> User | None:
    """Who completed ``activation``'s task: its owner, set by ``complete_task`` (or by the
    flow's start for the person who started it), read without a query; None when the
    system moved it on (a timer fired by the worker)."""
    task = activation.task
    if task.owner_id is None:
        return None
    return task.owner


def decide_task(*, actor: User, task_id: int, tasks: CompiledQuery[Task],
                subject_of: Callable[[Task], S | None], not_this_step: str,
                decide: Callable[[Task, S, datetime], R],
                task_arguments: dict[str, Any] | None = None) -> R:
    """Decide human task ``task_id`` as ``actor`` (the steps in the module doc).

    ``tasks`` is the caller's read (a ``task_reader``, run with ``task_arguments``),
    ``subject_of`` what the task decides (the
    case, the appeal, the re-certification) or None for a task of another kind, named by
    ``not_this_step``; ``decide`` checks the actor may decide it and writes what the
    decision changes, then the task is completed. Returns what ``decide`` returns.
    """
    with deciding():
        task = lock_actor_task(tasks, task_id, actor, task_arguments)
        if task.status not in OPEN_TASK:
            raise CaseConflict(_("This task has already been decided."), code="task_closed")
        subject = subject_of(task)
        if subject is None:
            raise CaseConflict(not_this_step, code="wrong_step")
        now = timezone.now()
        result = decide(task, subject, now)
        complete_task(task, actor=actor, now=now)
    return result


def already_decided() -> CaseConflict:
    """The conflict for a task whose subject was decided already (an appeal or review
    whose outcome is no longer pending)."""
    return CaseConflict(_("This task has already been decided."), code="task_closed")


__all__ = ["OPEN_TASK", "actor_of", "already_decided", "complete_task", "decide_task",
           "deciding", "forbid_own_household", "lock_actor_task", "task_reader"]
