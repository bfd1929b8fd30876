"""The evaluator: facts + parameters in force on a date -> an explained decision."""

from collections.abc import Mapping
from datetime import date
from typing import Any

from .decision import EligibilityDecision
from .facts import Facts
from .rules import RULES


class UnknownProgram(LookupError):
    pass


def evaluate(facts: Facts, program: str, params: Mapping[str, Any], on: date
             ) -> EligibilityDecision:
    """Apply ``program``'s rule. Pure: same inputs, same decision, forever."""
    try:
        version, rule = RULES[program]
    except KeyError as exc:
        raise UnknownProgram(program) from exc
    return EligibilityDecision(
        program=program,
        rule_version=version,
        on=on.isoformat(),
        criteria=tuple(rule(facts, params, on)),
        parameters=dict(params),
    )
