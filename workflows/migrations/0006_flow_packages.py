"""The appeal and re-certification flows moved into their feature packages
(``workflows/appeals/flow.py``, ``workflows/recertification/flow.py``): viewflow stores
each process's flow class and each task's node by module path, so the stored references
move with them (and back, on reverse). Plain UPDATEs on viewflow's two columns; the
application flow (``workflows/flows.py``) did not move."""

from django.db import migrations
from django.db.models import CharField, Value
from django.db.models.functions import Concat, Substr

MOVES = [  # (old reference, new reference) of each moved flow class
    ("workflows/appeals.AppealFlow", "workflows/appeals.flow.AppealFlow"),
    ("workflows/recertification.RecertificationFlow",
     "workflows/recertification.flow.RecertificationFlow"),
]


def _move(apps, schema_editor, pairs):
    Process = apps.get_model("viewflow", "Process")
    Task = apps.get_model("viewflow", "Task")
    for old, new in pairs:
        Process.objects.filter(flow_class=old).update(flow_class=new)
        # a task's node reference is "<flow reference>.<node name>"
        Task.objects.filter(flow_task__startswith=f"{old}.").update(flow_task=Concat(
            Value(new), Substr("flow_task", len(old) + 1), output_field=CharField()))


def forward(apps, schema_editor):
    _move(apps, schema_editor, MOVES)


def backward(apps, schema_editor):
    _move(apps, schema_editor, [(new, old) for old, new in MOVES])


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0005_deadline_open_due"),
        ("viewflow", "0015_task_scheduled"),
    ]

    operations = [migrations.RunPython(forward, backward)]
