"""Migrations ``workflows/0006`` and ``0007``: the appeal, re-certification and application
flows moved into their feature packages; processes and tasks stored under the old module
paths are moved to the new ones (so they resolve again), and the moves reverse."""

from importlib import import_module

import pytest
from django.apps import apps
from django.db import connection
from viewflow.workflow.models import Process, Task
from viewflow.workflow.token import Token

from workflows.appeals.flow import AppealFlow
from workflows.applications.flow import BenefitApplicationFlow
from workflows.recertification.flow import RecertificationFlow

migration = import_module("workflows.migrations.0006_flow_packages")
application_migration = import_module("workflows.migrations.0007_application_flow_package")


def stored() -> list[tuple[str, str]]:
    """Each task's (process flow_class, task flow_task) as the database holds them."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT p.flow_class, t.flow_task FROM viewflow_task t JOIN "
                       "viewflow_process p ON p.id = t.process_id ORDER BY t.id")
        return [tuple(row) for row in cursor.fetchall()]


@pytest.mark.django_db
def test_old_references_move_to_the_packages_and_back():
    for flow_class, node in ((AppealFlow, "appeal_review"),
                             (RecertificationFlow, "recertification_review")):
        process = Process.objects.create(flow_class=flow_class)
        Task.objects.create(process=process, flow_task=flow_class.instance.node(node),
                            flow_task_type="HUMAN", status="NEW", token=Token("start"))
    new = [("workflows/appeals.flow.AppealFlow",
            "workflows/appeals.flow.AppealFlow.appeal_review"),
           ("workflows/recertification.flow.RecertificationFlow",
            "workflows/recertification.flow.RecertificationFlow.recertification_review")]
    assert stored() == new

    migration.backward(apps, connection.schema_editor())
    assert stored() == [
        ("workflows/appeals.AppealFlow", "workflows/appeals.AppealFlow.appeal_review"),
        ("workflows/recertification.RecertificationFlow",
         "workflows/recertification.RecertificationFlow.recertification_review")]

    migration.forward(apps, connection.schema_editor())
    assert stored() == new
    tasks = Task.objects.order_by("id")
    assert [(t.process.flow_class, t.flow_task.name) for t in tasks] == [
        (AppealFlow, "appeal_review"), (RecertificationFlow, "recertification_review")]


@pytest.mark.django_db
def test_the_application_flow_moves_to_its_package_and_back():
    process = Process.objects.create(flow_class=BenefitApplicationFlow)
    Task.objects.create(process=process,
                        flow_task=BenefitApplicationFlow.instance.node("village_review"),
                        flow_task_type="HUMAN", status="NEW", token=Token("start"))
    new = [("workflows/applications.flow.BenefitApplicationFlow",
            "workflows/applications.flow.BenefitApplicationFlow.village_review")]
    assert stored() == new

    application_migration.backward(apps, connection.schema_editor())
    assert stored() == [("workflows/flows.BenefitApplicationFlow",
                         "workflows/flows.BenefitApplicationFlow.village_review")]

    application_migration.forward(apps, connection.schema_editor())
    assert stored() == new
    task = Task.objects.get()
    assert (task.process.flow_class, task.flow_task.name) == (
        BenefitApplicationFlow, "village_review")
