"""The contract between this project and viewflow's internals (``workflows.viewflow_adapter``).

Pinned to the viewflow release the adapter was written against: an upgrade fails here
first, naming what to re-read, instead of somewhere deep in a decision. The rows the
adapter writes are compared with the rows viewflow's own code writes.
"""

import inspect
from importlib.metadata import version

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from viewflow.workflow.activation import Activation
from viewflow.workflow.base import Node
from viewflow.workflow.models import Process, Task

from tests.support.journey import open_task, submit
from workflows import viewflow_adapter
from workflows.applications.flow import BenefitApplicationFlow


def test_viewflow_is_the_release_the_adapter_was_written_against():
    assert version("django-viewflow") == viewflow_adapter.VIEWFLOW_VERSION, (
        "viewflow changed: re-read workflows/viewflow_adapter.py against its source "
        "(Node._create, Node._resolve, Node._outgoing, Activation.create, "
        "viewflow.urls.base._URLResolver, the task tables) and then move the pin")


def test_the_private_names_the_adapter_uses_still_exist_with_their_shape():
    assert list(inspect.signature(Node._create).parameters)[:3] == [
        "self", "prev_activation", "token"]
    assert list(inspect.signature(Node._resolve).parameters) == ["self", "instance"]
    assert list(inspect.signature(Node._outgoing).parameters) == ["self"]
    assert list(inspect.signature(Activation.create).parameters) == [
        "flow_task", "prev_activation", "token", "data", "seed"]
    # workflows.frontend copies viewflow's resolvers with their extras
    resolver = viewflow_adapter.URLResolver("^x/", [], extra={"node": "n"})
    assert resolver.extra == {"node": "n"}
    link = Task.previous.through
    assert {f.column for f in link._meta.concrete_fields} >= {"from_task_id", "to_task_id"}
    assert {f.name for f in Task._meta.concrete_fields} >= {
        *viewflow_adapter.COMPLETION_COLUMNS, "owner_permission", "owner_permission_obj_pk",
        "flow_task", "flow_task_type", "token", "process", "data", "seed_object_id",
        "scheduled"}
    # an application's process names its case in viewflow's artifact column (CaseLink)
    artifact = Process._meta.get_field("artifact_object_id")
    assert artifact.get_internal_type() == "PositiveIntegerField" and artifact.null


def test_routed_nodes_draw_their_routes_in_viewflows_graph():
    node = BenefitApplicationFlow.instance.node("village_review")
    edges = list(node._outgoing())
    assert {e.dst.name for e in edges} >= {"township_review", "family_revision"}
    assert node._next is not None  # viewflow's own graph helpers follow _next


@pytest.mark.django_db
def test_a_task_row_written_by_the_adapter_is_the_row_viewflow_writes(programs, family_home,
                                                                       staff):
    case = submit(programs, family_home)
    ours = open_task(case)
    start = Task.objects.get(process_id=case.process.pk, flow_task_type="START")
    assert list(ours.previous.values_list("pk", flat=True)) == [start.pk]
    theirs = Task(process=ours.process, flow_task=ours.flow_task, token=ours.token,
                  flow_task_type=ours.flow_task_type, owner_permission=ours.owner_permission,
                  owner_permission_obj_pk=ours.owner_permission_obj_pk, data={})
    theirs.save()  # as viewflow's Activation.create saves it
    theirs.previous.add(start)
    skip = {"id", "created"}
    fields = [f.attname for f in Task._meta.concrete_fields if f.name not in skip]
    row = Task.objects.filter(pk=ours.pk).values(*fields).get()
    expected = Task.objects.filter(pk=theirs.pk).values(*fields).get()
    assert row == expected


@pytest.mark.django_db
def test_inserting_a_task_with_its_link_is_one_statement_on_postgresql(programs, family_home):
    case = submit(programs, family_home)
    start = Task.objects.get(process_id=case.process.pk, flow_task_type="START")
    human = open_task(case)
    task = Task(process_id=case.process.pk, flow_task=human.flow_task, token=human.token,
                flow_task_type="HUMAN", data={})
    with CaptureQueriesContext(connection) as queries:
        viewflow_adapter.insert_task(task, start.pk)
    assert task.pk is not None
    assert list(task.previous.values_list("pk", flat=True)) == [start.pk]
    assert len(queries) == (1 if connection.vendor == "postgresql" else 2)


def test_node_name_reads_the_reference_viewflow_stores():
    from viewflow.workflow.fields import get_task_ref

    for name in ("village_review", "township_review", "family_revision"):
        node = BenefitApplicationFlow.instance.node(name)
        assert viewflow_adapter.node_name(get_task_ref(node)) == node.name == name
