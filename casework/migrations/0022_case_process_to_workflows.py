"""The link between a case and its application process moves to the process row: viewflow's
own artifact column (``viewflow_process.artifact_object_id``) holds the case's id, and
``workflows.viewflow_adapter.CaseLink`` makes it the relation ``process.case`` /
``case.process``. casework's ``Case`` no longer refers to viewflow. The rows move before
the column goes, and back before it returns; workflows 0009 adds the unique index."""

from django.db import migrations

TO_PROCESS = """
UPDATE viewflow_process SET artifact_object_id = (
    SELECT c.id FROM casework_case c WHERE c.process_id = viewflow_process.id)
WHERE id IN (SELECT process_id FROM casework_case WHERE process_id IS NOT NULL)
"""

TO_CASE = """
UPDATE casework_case SET process_id = (
    SELECT p.id FROM viewflow_process p
    WHERE p.artifact_object_id = casework_case.id AND p.artifact_content_type_id IS NULL)
"""

CLEAR_PROCESS = """
UPDATE viewflow_process SET artifact_object_id = NULL
WHERE artifact_content_type_id IS NULL AND artifact_object_id IS NOT NULL
"""


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0021_delete_recertification'),
        ('viewflow', '0015_task_scheduled'),
    ]

    operations = [
        # reversed in the opposite order: the column returns, then the rows come back
        migrations.RunSQL(TO_PROCESS, reverse_sql=[TO_CASE, CLEAR_PROCESS]),
        migrations.RemoveField(
            model_name='case',
            name='process',
        ),
    ]
