"""Reading the parameters in force on a date.

``resolve`` is the one definition of "in force", over plain rows, so the
database reader (``parameters_on``), the YAML rule tests and any what-if
simulation agree on it.
"""

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db.models import Q

if TYPE_CHECKING:
    from .models import PolicyParameter, Program

#: (key, value, effective_from, effective_to); dates as ``date`` or ISO strings
ParameterRow = tuple[str, Any, date | str, date | str | None]
#: the columns of a ``ParameterRow``
PARAMETER_ROW = ("key", "value", "effective_from", "effective_to")


def _day(value: date | str | None) -> date | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, date) else date.fromisoformat(value)


def in_force(effective_from: date | str, effective_to: date | str | None, on: date) -> bool:
    """Whether a period holds ``on``: it has started and, if it has an end, that last day
    (inclusive) is not past."""
    end = _day(effective_to)
    return _day(effective_from) <= on and (end is None or on <= end)


def periods_overlap(a_from: date, a_to: date | None, b_from: date, b_to: date | None) -> bool:
    """Whether two periods (``*_to`` inclusive, ``None`` open-ended) share a day."""
    return (a_to is None or b_from <= a_to) and (b_to is None or a_from <= b_to)


def resolve(rows: Iterable[ParameterRow], on: date) -> dict[str, Any]:
    """The value of every key in force on ``on``.

    ``rows`` are plain ``(key, value, effective_from, effective_to)`` tuples (dates as
    ``date`` or ISO strings); ``effective_to`` is the last day in force, ``None`` means
    open-ended. Of the rows in force for a key, the one with the latest
    ``effective_from`` wins (on equal starts, the later row given). A key with no row in
    force is absent. Pure.
    """
    chosen: dict[str, tuple[date, Any]] = {}
    for key, value, effective_from, effective_to in rows:
        start = _day(effective_from)
        if not in_force(start, effective_to, on):
            continue
        held = chosen.get(key)
        if held is None or start >= held[0]:
            chosen[key] = (start, value)
    return {key: value for key, (_start, value) in sorted(chosen.items())}


def rows_in_force(program: "Program | int", on: date):
    """The rows of ``program`` (a ``Program`` or its id) whose period holds ``on``, a
    queryset; ``resolve`` picks each key's value among them."""
    from .models import PolicyParameter  # here: models.py imports this module

    program_id = getattr(program, "pk", program)
    return (PolicyParameter.objects.filter(program_id=program_id, effective_from__lte=on)
            .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on)))


def parameters_on(program: "Program | int", on: date) -> dict[str, Any]:
    """The value of every key of ``program`` (a ``Program`` or its id) in force on ``on``."""
    rows = rows_in_force(program, on).values_list(*PARAMETER_ROW)
    return resolve(rows, on)


def parameter_rows_on(program: "Program | int", on: date) -> list["PolicyParameter"]:
    """The row of each key of ``program`` in force on ``on``, with its source (what the
    API shows): the latest start wins, as ``resolve`` decides."""
    rows = rows_in_force(program, on).order_by("key", "effective_from")
    return list({row.key: row for row in rows}.values())
