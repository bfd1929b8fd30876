"""Everything this project does with viewflow beyond its documented API, in one place.

viewflow (pinned in requirements.lock; ``VIEWFLOW_VERSION`` below) is used through its
public API everywhere else: flows, nodes, activations and their status transitions,
``Task`` / ``Process`` and their managers. What it offers no public hook for lives here,
so an upgrade has one module to re-read, and ``tests/workflows/test_viewflow_adapter.py``
(pinned to the version) fails first when viewflow changes underneath:

- the task rows of the hot path, written with SQL of our own (``insert_task``,
  ``complete_task_row``): on PostgreSQL a new task and its link to the task before it
  (``viewflow_task_previous``) go in one statement, a data-modifying CTE, and completing
  a task closes its deadline (``workflows.deadlines.services``) in the same statement. Same rows
  as viewflow writes, one round trip fewer per step;
- a task built as viewflow's ``Activation.create`` builds it, unsaved (``new_task``);
- creating a node's activation from another's (``create_node``: ``Node._create``);
- nodes that route like an exclusive gateway folded into them (``Routed``: overrides
  ``Node._resolve`` and ``Node._outgoing``, and sets ``_next`` for viewflow's graph);
- the URL resolver class viewflow's ``Site`` nests (``URLResolver``);
- a node's name read off the reference viewflow stores in ``Task.flow_task``
  (``node_name``), for lists that read task columns without building tasks;
- the relation between an application's process and its case (``link_cases``): the
  process row names its case in viewflow's own artifact column (``artifact_object_id``),
  and this module gives that column a relation Django can join and select, so casework's
  ``Case`` holds no reference to viewflow.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

from django.apps import apps
from django.db import connection, models
from django.db.models.fields.related import ForeignObjectRel
from django.db.models.fields.related_descriptors import ReverseOneToOneDescriptor
from django.utils import timezone
from django.utils.functional import cached_property
from viewflow import this
from viewflow.urls.base import _URLResolver
from viewflow.workflow.base import Edge
from viewflow.workflow.exceptions import FlowRuntimeError

#: the viewflow release this module was written against (the contract test checks it)
VIEWFLOW_VERSION = "2.4.0"

#: the resolver viewflow's ``Site`` and ``Application`` nest their URLs in (private in
#: viewflow; ``workflows.frontend`` copies such trees with its own callbacks)
URLResolver = _URLResolver


def node_name(ref: str) -> str:
    """The name of the node a stored task reference (``viewflow_task.flow_task``, as
    ``"<app>/<module>.<FlowClass>.<node>"``) points to: its last dotted part."""
    return ref.rpartition(".")[2]


# --- task rows -----------------------------------------------------------------------------


def new_task(flow_task, prev_activation, token, data=None, seed=None):
    """The task row a human step's activation creates after ``prev_activation``, as
    viewflow's own ``Activation.create`` builds it, unsaved: the caller sets its scope and
    inserts it with its link (``insert_task``)."""
    task = flow_task.flow_class.task_class(process=prev_activation.process, flow_task=flow_task,
                                           token=token, flow_task_type=flow_task.task_type)
    task.data = data if data is not None else {}
    task.seed = seed
    return task


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


#: the columns a completion changes (viewflow's ``complete`` saves the whole row)
COMPLETION_COLUMNS = ("status", "finished", "owner", "started")


def complete_task_row(task) -> None:
    """Save a completed task's changed columns and close its deadline, if it has one."""
    # by name: workflows.models imports this module (``link_cases``)
    Deadline = apps.get_model("workflows", "Deadline")  # noqa: N806

    if connection.vendor != "postgresql":
        task.save(update_fields=list(COMPLETION_COLUMNS))
        Deadline.objects.filter(task_id=task.pk, closed_at__isnull=True).update(
            closed_at=task.finished, next_at=None, stage=Deadline.Stage.DONE)
        return
    quote = connection.ops.quote_name
    fields = [type(task)._meta.get_field(name) for name in COMPLETION_COLUMNS]
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


# --- nodes ---------------------------------------------------------------------------------


def create_node(node, activation) -> Any:
    """The activation of ``node`` created after ``activation`` (viewflow's own step from a
    node to the next, ``Node._create``), on the same token."""
    return node._create(activation, activation.task.token)


def first_route(activation) -> Iterator[Any]:
    """The next node of a routed node (``Routed``): the first of its routes whose
    condition holds for ``activation``."""
    for node, condition in activation.flow_task._routes:
        if condition is None or condition(activation):
            yield create_node(node, activation)
            return
    raise FlowRuntimeError(f"No route out of {activation.flow_task.name}")


class Routed:
    """A node that routes, like an exclusive gateway folded into it, to the first of its
    routes whose condition holds (its activation's ``create_next``: ``first_route``)."""

    _routes: list[tuple[Any, Callable[[Any], bool] | None]]

    def Route(self, *routes):
        """``(node, condition)`` pairs, first match wins; ``condition`` None is the default."""
        self._routes = list(routes)
        self._next = routes[-1][0]  # for viewflow's own graph helpers
        return self

    def _resolve(self, instance):
        super()._resolve(instance)
        self._routes = [(this.resolve(instance, node), this.resolve(instance, cond))
                        for node, cond in self._routes]

    def _outgoing(self):
        for node, cond in self._routes:
            yield Edge(src=self, dst=node, edge_class="cond_true" if cond else "default")

# --- the case an application's process is about ------------------------------------------


class _CaseRel(ForeignObjectRel):
    """The case's side of ``CaseLink``: one process at most (``case.process``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.multiple = False


class CaseLink(models.ForeignObject):
    """``process.case``, over the process's own ``artifact_object_id`` column, and its
    reverse ``case.process`` (one-to-one) with the query name ``process``.

    viewflow gives every process a generic "artifact" reference (a content type and an
    object id) for the object the process produces or works on. An application's process
    stores its case's id there; only the application flow sets it, and the unique index
    ``wf_process_case`` (workflows migration 0009) keeps it to one process per case: when
    an upheld appeal resumes a case in a new process, the ended one lets go first
    (``workflows.appeals.flow``). The content-type column is left empty: the flow says
    what the id names, and a join without it needs no content-type lookup.

    A virtual field (no column of its own, ``private_only``): it is not part of viewflow's
    migration state, and Django builds the joins, ``select_related`` and the descriptors
    from it as it does for any relation. Nothing cascades: a case is never deleted, and a
    process row outlives its link."""

    many_to_one = False
    one_to_one = True
    rel_class = _CaseRel
    related_accessor_class = ReverseOneToOneDescriptor

    def get_joining_fields(self, reverse_join=False):
        """The join's columns, the artifact column typed as the case's id: PostgreSQL's
        backend casts one side of a join whose two columns' types differ
        (``prepare_join_on_clause``), and viewflow's artifact column is an integer, a case
        id a bigint: the cast side could not use its index (a join from a task to its case
        would scan every case). PostgreSQL compares integer with bigint natively, with the
        indexes on both sides."""
        return tuple((self._typed(lhs), self._typed(rhs))
                     for lhs, rhs in super().get_joining_fields(reverse_join))

    def _typed(self, field):
        return self._artifact_as_case_id if field is self.related_fields[0][0] else field

    @cached_property
    def _artifact_as_case_id(self):
        source, target = self.related_fields[0]
        twin = copy.copy(target)  # the case id's type, the artifact column's name
        twin.column, twin.attname, twin.model = source.column, source.attname, source.model
        return twin


def link_cases(process_model, case_model) -> None:
    """Give ``process_model`` (viewflow's ``Process``) its ``case`` relation; called once,
    when ``workflows.models`` is imported, before the models' relations are resolved."""
    if "case" in {f.name for f in process_model._meta.private_fields}:
        return
    field = CaseLink(case_model, on_delete=models.DO_NOTHING,
                     from_fields=["artifact_object_id"], to_fields=["id"],
                     related_name="process", related_query_name="process",
                     unique=True, null=True, blank=True, editable=False)
    field.contribute_to_class(process_model, "case", private_only=True)


def release_case(process_model, case_id: int) -> None:
    """Have the process that names ``case_id`` let go of it (an upheld appeal resumes the
    case in a new process, which names it from then on: one process per case)."""
    process_model.objects.filter(case=case_id).update(artifact_object_id=None)


__all__ = ["COMPLETION_COLUMNS", "URLResolver", "VIEWFLOW_VERSION", "CaseLink", "Routed",
           "complete_task_row", "create_node", "first_route", "insert_task", "link_cases",
           "new_task", "release_case"]
