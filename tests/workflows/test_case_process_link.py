"""An application's process names its case (``workflows.viewflow_adapter.CaseLink``):
viewflow's artifact column holds the case's id, casework's ``Case`` holds nothing of
viewflow, and casework 0022 moves the link from the case row to the process row and back."""

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from viewflow.workflow.models import Process, Task

from casework.models import Case
from tests.support.journey import submit
from workflows.case_process import lock_case, process_id_of, process_of
from workflows.viewflow_adapter import CaseLink

BEFORE = [("casework", "0021_delete_recertification")]
AFTER = [("casework", "0022_case_process_to_workflows"), ("workflows", "0009_process_case_index")]


def test_casework_holds_no_reference_to_viewflow():
    for model in apps.get_app_config("casework").get_models():
        for field in model._meta.concrete_fields:
            target = field.related_model
            assert target is None or target._meta.app_label not in ("viewflow",), (
                f"{model.__name__}.{field.name} points at viewflow's {target.__name__}")


def test_the_link_is_a_relation_over_viewflows_artifact_column():
    link = Process._meta.get_field("case")
    assert isinstance(link, CaseLink) and link in Process._meta.private_fields
    assert [f.attname for f in link.local_related_fields] == ["artifact_object_id"]
    reverse = Case._meta.get_field("process")
    assert reverse.one_to_one and reverse.related_model is Process
    # the joins go through the artifact column, both ways
    sql = str(Task.objects.filter(process__case__area_id="330703").query)
    assert '"viewflow_process"."artifact_object_id" = "casework_case"."id"' in sql
    sql = str(Case.objects.filter(process__status="NEW").query)
    assert '"casework_case"."id" = "viewflow_process"."artifact_object_id"' in sql


@pytest.mark.django_db
def test_a_submitted_case_and_its_process_name_each_other(programs, family_home):
    case = submit(programs, family_home)
    process = Process.objects.get(artifact_object_id=case.pk)
    assert process.case == case
    fresh = Case.objects.get(pk=case.pk)
    assert process_of(fresh) == process and process_id_of(fresh) == process.pk
    assert Case.objects.select_related("process").get(pk=case.pk).process == process
    assert Task.objects.filter(process__case=case.pk).exists()


@pytest.mark.django_db
def test_a_case_without_a_process_has_none_and_is_still_locked(programs, family_home):
    case = submit(programs, family_home)
    Process.objects.filter(pk=process_id_of(case)).update(artifact_object_id=None)
    case = Case.objects.get(pk=case.pk)
    assert process_of(case) is None and process_id_of(case) is None
    with transaction.atomic():
        lock_case(case.pk)  # its own row (PostgreSQL), nothing to take on SQLite


@pytest.mark.django_db
def test_one_process_per_case(programs, family_home):
    case = submit(programs, family_home)
    with pytest.raises(IntegrityError), transaction.atomic():
        Process.objects.create(flow_class=Process.objects.get(case=case.pk).flow_class,
                               artifact_object_id=case.pk)


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_the_link_to_the_process_and_back(programs, family_home):
    case = submit(programs, family_home)
    process_id = Process.objects.get(artifact_object_id=case.pk).pk
    try:
        migrate(BEFORE)
        with connection.cursor() as cursor:
            cursor.execute("SELECT process_id FROM casework_case WHERE id = %s", [case.pk])
            assert cursor.fetchone()[0] == process_id
            cursor.execute("SELECT artifact_object_id FROM viewflow_process WHERE id = %s",
                           [process_id])
            assert cursor.fetchone()[0] is None
        migrate(AFTER)
        assert Process.objects.get(pk=process_id).case == case
    finally:
        migrate(AFTER)


def test_the_retention_purge_takes_the_lock_the_services_take():
    from casework.privacy import retention

    assert retention._LOCK == [lock_case]
