"""How long a family may appeal a rejection: policy, so it lives with the policy.

The period is the program's dated ``appeal_days`` parameter (calendar days from the day
of the decision, the last day included) as in force on the day of the rejection, else as
the case's pre-check recorded it, else the default (``defaults.APPEAL_PARAMETERS``: 30
days, assumed, set locally). The right to appeal never depends on a parameter row being
there, and the decision letter (``workflows.printing.views``) and the appeal flow
(``workflows.appeals``) read this one function, so they cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from .defaults import APPEAL_PARAMETERS
from .parameters import parameters_on


def _days(value: Any) -> int | None:
    try:
        days = int(value)
    except (TypeError, ValueError):
        return None
    return days if days > 0 else None


def appeal_days(program_id: int, decided_on: date,
                recorded: Mapping[str, Any] | None = None) -> int:
    """The appeal period in calendar days for a decision of ``program_id`` made on
    ``decided_on``; ``recorded`` is the parameters the case's pre-check stored."""
    return (_days(parameters_on(program_id, decided_on).get("appeal_days"))
            or _days((recorded or {}).get("appeal_days"))
            or int(APPEAL_PARAMETERS["appeal_days"]))


def last_day_to_appeal(program_id: int, decided_on: date,
                       recorded: Mapping[str, Any] | None = None) -> date:
    """The last day (inclusive) an appeal against a decision made on ``decided_on`` may
    be lodged."""
    return decided_on + timedelta(days=appeal_days(program_id, decided_on, recorded))
