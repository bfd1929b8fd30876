"""What the migrations that move a flow class share (0006, 0007). Not a migration (the
loader skips modules named with a leading underscore); frozen like one: a change here
changes what those migrations did."""

from django.db.models import CharField, Value
from django.db.models.functions import Concat, Substr


def move_flow_refs(apps, pairs) -> None:
    """Point viewflow's stored references at each flow class's new module: a process's
    ``flow_class`` is ``<app>/<module>.<Class>``, a task's ``flow_task`` that reference
    followed by ``.<node name>``. Plain UPDATEs on viewflow's two columns."""
    Process = apps.get_model("viewflow", "Process")
    Task = apps.get_model("viewflow", "Task")
    for old, new in pairs:
        Process.objects.filter(flow_class=old).update(flow_class=new)
        Task.objects.filter(flow_task__startswith=f"{old}.").update(flow_task=Concat(
            Value(new), Substr("flow_task", len(old) + 1), output_field=CharField()))
