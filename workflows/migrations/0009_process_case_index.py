"""One application process per case (``workflows.viewflow_adapter.CaseLink``): a unique
index on the process's artifact column, which holds its case's id since casework 0022.
It also serves every join from a process to its case and back."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0022_case_process_to_workflows'),
        ('workflows', '0008_recertification'),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE UNIQUE INDEX wf_process_case ON viewflow_process (artifact_object_id)",
            reverse_sql="DROP INDEX wf_process_case"),
    ]
