"""Indexes viewflow lacks for the queries this project runs.

- the inbox: open human tasks by role and by village-code prefix, newest first;
- the timer sweep: due scheduled timers only (O(due rows), not O(all timers)).
Partial indexes on both backends; ``varchar_pattern_ops`` on PostgreSQL so the
prefix LIKE uses the index whatever the database collation.
"""

from django.db import migrations

INBOX = "wf_task_inbox_open"
TIMERS = "wf_task_timers_due"


def create(apps, schema_editor):
    pattern = " varchar_pattern_ops" if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INBOX} ON viewflow_task "
        f"(owner_permission, owner_permission_obj_pk{pattern}, id) "
        "WHERE flow_task_type = 'HUMAN' AND status IN ('NEW', 'ASSIGNED')"
    )
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {TIMERS} ON viewflow_task (scheduled) "
        "WHERE flow_task_type = 'TIMER' AND status = 'SCHEDULED'"
    )


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX IF EXISTS {INBOX}")
    schema_editor.execute(f"DROP INDEX IF EXISTS {TIMERS}")


class Migration(migrations.Migration):
    dependencies = [("viewflow", "0015_task_scheduled")]
    operations = [migrations.RunPython(create, drop)]
