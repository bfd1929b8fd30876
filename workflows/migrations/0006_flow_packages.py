"""The appeal and re-certification flows moved into their feature packages
(``workflows/appeals/flow.py``, ``workflows/recertification/flow.py``): viewflow stores
each process's flow class and each task's node by module path, so the stored references
move with them (and back, on reverse). Plain UPDATEs on viewflow's two columns; the
application flow moved in 0007."""

from django.db import migrations

from workflows.migrations._flow_refs import move_flow_refs

MOVES = [  # (old reference, new reference) of each moved flow class
    ("workflows/appeals.AppealFlow", "workflows/appeals.flow.AppealFlow"),
    ("workflows/recertification.RecertificationFlow",
     "workflows/recertification.flow.RecertificationFlow"),
]


def forward(apps, schema_editor):
    move_flow_refs(apps, MOVES)


def backward(apps, schema_editor):
    move_flow_refs(apps, [(new, old) for old, new in MOVES])


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0005_deadline_open_due"),
        ("viewflow", "0015_task_scheduled"),
    ]

    operations = [migrations.RunPython(forward, backward)]
