"""Writing viewflow task rows cheaply on the hot path.

Each new task is a row plus a link to the task before it
(``viewflow_task_previous``). On PostgreSQL both go in one statement, a
data-modifying CTE; elsewhere in two. Same rows as viewflow writes, one round
trip fewer per step. Completing a task closes its deadline (``workflows.deadlines``)
in the same statement on PostgreSQL. ``lock_actor_task`` reads a task for a decision
under its lock, as every deciding service does.
"""

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone
from viewflow.workflow.models import Task

from casework.models import User

from . import steps


def _columns_and_values(obj) -> tuple[list[str], list]:
    fields = [f for f in type(obj)._meta.concrete_fields if not f.auto_created]
    quote = connection.ops.quote_name
    columns = [quote(f.column) for f in fields]
    values = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    return columns, values


def insert_task(task, previous_id: int) -> None:
    """Insert ``task`` (an unsaved Task) linked to ``previous_id``; sets ``task.pk``."""
    model = type(task)
    link = model.previous.through
    if connection.vendor != "postgresql":
        task.save()
        link.objects.create(from_task_id=task.pk, to_task_id=previous_id)
        return
    quote = connection.ops.quote_name
    columns, values = _columns_and_values(task)
    placeholders = ", ".join(["%s"] * len(values))
    sql = (
        f"WITH new_task AS (INSERT INTO {quote(model._meta.db_table)} ({', '.join(columns)}) "
        f"VALUES ({placeholders}) RETURNING id) "
        f"INSERT INTO {quote(link._meta.db_table)} (from_task_id, to_task_id) "
        "SELECT id, %s FROM new_task RETURNING from_task_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, previous_id])
        task.pk = cursor.fetchone()[0]
    task._state.adding = False
    task._state.db = connection.alias


def complete_task_row(task) -> None:
    """Save a completed task's changed columns and close its deadline, if it has one."""
    from .models import Deadline

    if connection.vendor != "postgresql":
        task.save(update_fields=["status", "finished", "owner", "started"])
        Deadline.objects.filter(task_id=task.pk, closed_at__isnull=True).update(
            closed_at=task.finished, next_at=None, stage=Deadline.Stage.DONE)
        return
    quote = connection.ops.quote_name
    fields = [type(task)._meta.get_field(name) for name in ("status", "finished", "owner",
                                                            "started")]
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    values = [f.get_db_prep_save(f.pre_save(task, False), connection) for f in fields]
    closed_at = Deadline._meta.get_field("closed_at").get_db_prep_save(
        task.finished or timezone.now(), connection)
    sql = (
        f"WITH closed AS (UPDATE {quote(Deadline._meta.db_table)} "
        "SET closed_at = %s, next_at = NULL, stage = %s "
        "WHERE task_id = %s AND closed_at IS NULL) "
        f"UPDATE {quote(type(task)._meta.db_table)} SET {assignments} WHERE id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [closed_at, Deadline.Stage.DONE, task.pk, *values, task.pk])


def lock_actor_task(tasks: QuerySet[Task], task_id: int, actor: User) -> Task:
    """Read task ``task_id`` from ``tasks`` (the caller's joins and annotations), locking
    the task and process rows inside the caller's transaction. Raises
    ``Task.DoesNotExist`` when it is missing or not ``actor``'s to act on
    (``steps.user_may_act``): the API answers 404, not saying a task exists elsewhere."""
    if connection.features.has_select_for_update_of:
        tasks = tasks.select_for_update(of=("self", "process"))
    task = tasks.filter(pk=task_id).first()
    if task is None or not task.owner_permission or not steps.user_may_act(
        actor, task.owner_permission, task.owner_permission_obj_pk or ""
    ):
        raise Task.DoesNotExist
    return task
