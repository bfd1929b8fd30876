"""What-if: how a proposed parameter change would move eligibility and cost.

Pure: it takes facts already read from the register (any iterable of
``(group, household id, Facts)``) and two parameter sets, and counts per group
(a township) who would gain or lose eligibility and what it would cost a year.
The duplicate-application criterion is left out: it says whether someone may
apply *again*, not whether the rules cover them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from .evaluate import evaluate
from .facts import Facts

IGNORED = frozenset({"no_duplicate"})


@dataclass
class GroupResult:
    persons: int = 0
    eligible_now: int = 0
    eligible_proposed: int = 0
    persons_gaining: int = 0
    persons_losing: int = 0
    households_gaining: set[int] = field(default_factory=set)
    households_losing: set[int] = field(default_factory=set)
    cost_now: Decimal = Decimal("0")
    cost_proposed: Decimal = Decimal("0")

    @property
    def cost_change(self) -> Decimal:
        return self.cost_proposed - self.cost_now


def _covered(facts: Facts, program: str, params: Mapping[str, Any], on: date) -> bool:
    decision = evaluate(facts, program, params, on)
    return all(c.passed for c in decision.criteria if c.code not in IGNORED)


def benefit(facts: Facts, program: str, params: Mapping[str, Any]) -> Decimal:
    """What one covered person costs a year under ``params`` (0 for in-kind programs)."""
    if program == "welfare_grant":
        from .rules.welfare_grant import grant_amount

        return grant_amount(facts, params)
    return Decimal(str(params.get("benefit_yuan", 0) or 0))


def simulate(rows: Iterable[tuple[str, int, Facts]], program: str,
             current: Mapping[str, Any], proposed: Mapping[str, Any], on: date
             ) -> dict[str, GroupResult]:
    """Evaluate every row under both parameter sets; results per group, in one pass."""
    results: dict[str, GroupResult] = {}
    households_now: dict[int, bool] = {}
    households_then: dict[int, bool] = {}
    household_group: dict[int, str] = {}
    for group, household_id, facts in rows:
        result = results.setdefault(group, GroupResult())
        now = _covered(facts, program, current, on)
        then = _covered(facts, program, proposed, on)
        result.persons += 1
        result.eligible_now += now
        result.eligible_proposed += then
        result.persons_gaining += then and not now
        result.persons_losing += now and not then
        if now:
            result.cost_now += benefit(facts, program, current)
        if then:
            result.cost_proposed += benefit(facts, program, proposed)
        households_now[household_id] = households_now.get(household_id, False) or now
        households_then[household_id] = households_then.get(household_id, False) or then
        household_group[household_id] = group
    for household_id, group in household_group.items():
        now, then = households_now[household_id], households_then[household_id]
        if then and not now:
            results[group].households_gaining.add(household_id)
        elif now and not then:
            results[group].households_losing.add(household_id)
    return results
