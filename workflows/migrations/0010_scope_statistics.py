"""Finer planner statistics for the task scope's village column and its copy on the
deadline (PostgreSQL only), as casework 0023 does for the case's: the inbox, the queue
and the due order filter on a village-code prefix of these columns, and a village's
share of 100,000 tasks needs more than the default 100 histogram buckets to be told
from its neighbours'. ANALYZE (autovacuum's, or a manual one) applies it."""

from django.db import migrations

TARGET = 1000  # PostgreSQL's default is 100 (default_statistics_target)
COLUMNS = (("viewflow_task", "owner_permission_obj_pk"), ("workflows_deadline", "scope_key"))


def statistics(target):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for table, column in COLUMNS:
            schema_editor.execute(
                f"ALTER TABLE {table} ALTER COLUMN {column} SET STATISTICS {int(target)}")

    return apply


class Migration(migrations.Migration):

    dependencies = [("casework", "0023_area_statistics"), ("workflows", "0009_process_case_index")]

    operations = [migrations.RunPython(statistics(TARGET), statistics(-1), elidable=True)]
