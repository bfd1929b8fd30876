"""The application flow moved into its feature package (``workflows/applications/flow.py``,
from ``workflows/flows.py``): viewflow stores each process's flow class and each task's
node by module path, so the stored references move with it (and back, on reverse), as in
0006."""

from django.db import migrations

from workflows.migrations._flow_refs import move_flow_refs

MOVES = [  # (old reference, new reference) of each moved flow class
    ("workflows/flows.BenefitApplicationFlow",
     "workflows/applications.flow.BenefitApplicationFlow"),
]


def forward(apps, schema_editor):
    move_flow_refs(apps, MOVES)


def backward(apps, schema_editor):
    move_flow_refs(apps, [(new, old) for old, new in MOVES])


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0006_flow_packages"),
    ]

    operations = [migrations.RunPython(forward, backward)]
