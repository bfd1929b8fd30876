"""Reading the parameters in force on a date."""

from datetime import date
from typing import Any

from django.db.models import Q

from .models import PolicyParameter, Program


def parameters_on(program: Program | int, on: date) -> dict[str, Any]:
    """The value of every key of ``program`` in force on ``on`` (latest start wins)."""
    program_id = program.pk if isinstance(program, Program) else program
    rows = (
        PolicyParameter.objects.filter(program_id=program_id, effective_from__lte=on)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on))
        .order_by("key", "effective_from")
        .values_list("key", "value")
    )
    return dict(rows)  # later starts overwrite earlier ones per key
