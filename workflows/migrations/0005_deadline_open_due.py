"""The inbox and queue, most urgent first (``workflows.due_order``).

Each deadline gets a copy of its task's scope (``role``, ``scope_key``: the task's
``owner_permission`` and ``owner_permission_obj_pk``, fixed when the task is created),
filled here for the deadlines already planned, and two partial indexes over the open
deadlines (``closed_at IS NULL``, so their size follows the open tasks): by
``(due_at, task_id)``, walked in order for a wide scope, and by
``(role, scope_key, due_at, task_id)`` (prefix-matchable on PostgreSQL), read and sorted for
a narrow one.
"""

from django.db import migrations, models

FILL = """
UPDATE workflows_deadline SET
    role = COALESCE((SELECT t.owner_permission FROM viewflow_task t
                     WHERE t.id = workflows_deadline.task_id), ''),
    scope_key = COALESCE((SELECT t.owner_permission_obj_pk FROM viewflow_task t
                          WHERE t.id = workflows_deadline.task_id), '')
"""


class Migration(migrations.Migration):

    dependencies = [
        ("workflows", "0004_appeal"),
    ]

    operations = [
        migrations.AddField(
            model_name="deadline",
            name="role",
            field=models.CharField(blank=True, default="", db_default="", max_length=255),
        ),
        migrations.AddField(
            model_name="deadline",
            name="scope_key",
            field=models.CharField(blank=True, default="", db_default="", max_length=255),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop, elidable=True),
        migrations.AddIndex(
            model_name="deadline",
            index=models.Index(condition=models.Q(("closed_at__isnull", True)),
                               fields=["due_at", "task"], name="wf_deadline_open_due"),
        ),
        migrations.AddIndex(
            model_name="deadline",
            index=models.Index(condition=models.Q(("closed_at__isnull", True)),
                               fields=["role", "scope_key", "due_at", "task"],
                               name="wf_deadline_open_scope",
                               opclasses=["varchar_pattern_ops", "varchar_pattern_ops",
                                          "timestamptz_ops", "int8_ops"]),
        ),
    ]
