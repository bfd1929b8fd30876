"""Migrations casework 0021 and workflows 0008: ``Recertification`` moved from casework to
workflows (the model, not the table): back and forth, the table stays (no operation
touches it) and the content type follows the model."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from workflows.models import Recertification

BEFORE = [("casework", "0020_field_rules"), ("workflows", "0007_application_flow_package")]
AFTER = [("casework", "0021_delete_recertification"), ("workflows", "0008_recertification")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def content_type_apps() -> set[str]:
    return set(ContentType.objects.filter(model="recertification")
               .values_list("app_label", flat=True))


def test_the_model_reads_the_table_it_always_had():
    assert Recertification._meta.db_table == "casework_recertification"
    assert Recertification._meta.app_label == "workflows"


@pytest.mark.django_db(transaction=True)
def test_the_move_keeps_the_table_and_moves_the_content_type():
    ContentType.objects.filter(model="recertification").delete()
    ContentType.objects.create(app_label="workflows", model="recertification")
    try:
        migrate(BEFORE)
        assert "casework_recertification" in connection.introspection.table_names()
        assert content_type_apps() == {"casework"}

        migrate(AFTER)
        assert "casework_recertification" in connection.introspection.table_names()
        assert content_type_apps() == {"workflows"}
        assert Recertification.objects.count() == 0  # the table answers the moved model
    finally:
        migrate(AFTER)
        ContentType.objects.clear_cache()
