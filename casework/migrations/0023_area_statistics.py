"""Finer planner statistics for the case's village column (PostgreSQL only).

Every scoped list filters cases by a village-code prefix (``casework.access``). With the
default 100 histogram buckets a village's share of 100,000 cases is estimated to within
about a thousand rows, and a village of 400 cases was planned as 1,000: enough for
PostgreSQL to read every process and hash them instead of looking up the village's
processes by their case (14 ms against 0.6 ms; ``docs/benchmarks.md``, inbox run of
2026-12-07). 1,000 buckets tell one village from another. ANALYZE (autovacuum's, or a
manual one) applies it."""

from django.db import migrations

TARGET = 1000  # PostgreSQL's default is 100 (default_statistics_target)
COLUMNS = (("casework_case", "area_id"),)


def statistics(target):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for table, column in COLUMNS:
            schema_editor.execute(
                f"ALTER TABLE {table} ALTER COLUMN {column} SET STATISTICS {int(target)}")

    return apply


class Migration(migrations.Migration):

    dependencies = [("casework", "0022_case_process_to_workflows")]

    operations = [migrations.RunPython(statistics(TARGET), statistics(-1), elidable=True)]
