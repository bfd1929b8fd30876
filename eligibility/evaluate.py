"""The evaluator: facts + parameters in force on a date -> an explained decision.

``evaluate`` applies a program's current rule version (or a named one);
``replay`` re-runs a stored decision from its snapshot with the version, the
parameter values and the date it was made with. Both are pure: no database.
"""

from collections.abc import Mapping
from datetime import date
from typing import Any

from .decision import EligibilityDecision
from .facts import Facts
from .rules import CURRENT, PROGRAM_OF, UnknownRuleVersion, program_of, rule_for

__all__ = ["UnknownProgram", "UnknownRuleVersion", "evaluate", "replay", "snapshot"]


class UnknownProgram(LookupError):
    pass


def evaluate(facts: Facts, program: str, params: Mapping[str, Any], on: date,
             version: str | None = None) -> EligibilityDecision:
    """Apply ``program``'s rule (its current version unless ``version`` names another).
    Pure: same inputs, same decision, forever."""
    if version is None:
        try:
            version = CURRENT[program]
        except KeyError as exc:
            raise UnknownProgram(program) from exc
    elif PROGRAM_OF.get(version) != program and program_of(version) != program:
        # (a version registered later, as tests do, is not in PROGRAM_OF: split it)
        raise UnknownRuleVersion(f"rule version {version!r} is not a {program} rule")
    rule = rule_for(version)
    return EligibilityDecision(
        program=program,
        rule_version=version,
        on=on.isoformat(),
        criteria=tuple(rule(facts, params, on)),
        parameters=dict(params),
    )


def snapshot(facts: Facts | Mapping[str, Any], decision: EligibilityDecision | Mapping[str, Any]
             ) -> dict[str, Any]:
    """What a case keeps to replay a decision: ``{"facts": ..., "eligibility": ...}``
    (``Facts.to_json`` and ``EligibilityDecision.to_json``), JSON-ready."""
    return {
        "facts": facts.to_json() if isinstance(facts, Facts) else dict(facts),
        "eligibility": (decision.to_json() if isinstance(decision, EligibilityDecision)
                        else dict(decision)),
    }


def replay(stored: Mapping[str, Any]) -> EligibilityDecision:
    """Re-run a stored decision: the stored facts, under the stored rule version, with the
    stored parameter values, on the stored date.

    ``stored`` is a :func:`snapshot`: ``{"facts": Facts.to_json(),
    "eligibility": EligibilityDecision.to_json()}`` (a case's ``facts`` and
    ``eligibility`` fields). Nothing is read from today's parameters or rules, so a
    decision replays identically however often the policy has changed since; a
    replay that differs from ``stored["eligibility"]`` is a bug.
    """
    decision = stored["eligibility"]
    facts = Facts.from_json(stored["facts"])
    return evaluate(facts, decision["program"], decision.get("parameters") or {},
                    date.fromisoformat(decision["on"]), version=decision["rule_version"])
