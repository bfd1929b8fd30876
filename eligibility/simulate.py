"""What-if: how a proposed parameter change would move eligibility and cost.

Pure: it takes facts already read from the register (any iterable of
``(group, household id, Facts)``, one row per person, ``Facts.applicant`` the person)
and two parameter sets, and counts per group (a township) who would gain or lose
eligibility and what it would cost a year, per the program's unit (``units.py``).

Only the program's candidates are evaluated (``candidates.py``: who could apply, and
whether the program covers a person or a household): a household program is counted
and costed once per household, a person program once per candidate, and a member who
could not apply never makes their household "gain". A couple program (the pension
subsidy) counts and costs each couple once, as a household program does. The duplicate-application
criterion is left out: it says whether someone may apply *again*, not whether the
rules cover them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from .candidates import PERSON, Candidates, Unit, candidates_for
from .evaluate import evaluate
from .facts import Facts
from .grants import grant_amount

IGNORED = frozenset({"no_duplicate"})
_ZERO = Decimal("0")


@dataclass
class GroupResult:
    """One group's counts. ``candidates``, ``eligible_*``, ``gaining`` and ``losing``
    count the program's unit: candidate persons for a person program, households for a
    household program (``unit``). A household gains when none of its candidates is
    covered now and one is after the change; it loses the other way round."""

    unit: Unit = PERSON
    candidates: int = 0
    eligible_now: int = 0
    eligible_proposed: int = 0
    gaining: int = 0
    losing: int = 0
    households_gaining: set[int] = field(default_factory=set)
    households_losing: set[int] = field(default_factory=set)
    cost_now: Decimal = Decimal("0")
    cost_proposed: Decimal = Decimal("0")

    @property
    def cost_change(self) -> Decimal:
        return self.cost_proposed - self.cost_now

    # the names the admin page and earlier callers read, from when every person counted
    @property
    def persons(self) -> int:
        return self.candidates

    @property
    def persons_gaining(self) -> int:
        return self.gaining

    @property
    def persons_losing(self) -> int:
        return self.losing

    def add(self, other: GroupResult) -> None:
        """Add ``other``'s counts to these (a total over groups)."""
        self.unit = other.unit
        self.candidates += other.candidates
        self.eligible_now += other.eligible_now
        self.eligible_proposed += other.eligible_proposed
        self.gaining += other.gaining
        self.losing += other.losing
        self.households_gaining |= other.households_gaining
        self.households_losing |= other.households_losing
        self.cost_now += other.cost_now
        self.cost_proposed += other.cost_proposed


def _covered(facts: Facts, program: str, params: Mapping[str, Any], on: date) -> bool:
    decision = evaluate(facts, program, params, on)
    return all(c.passed for c in decision.criteria if c.code not in IGNORED)


def benefit(facts: Facts, program: str, params: Mapping[str, Any]) -> Decimal:
    """What one covered unit (a person, or a household for a household program) costs a
    year under ``params`` (0 for in-kind programs)."""
    return grant_amount(params, special_family=facts.special_family)


@dataclass(slots=True)
class _Household:
    """A household's candidates so far: its group, and whether one is covered now and
    after the change, as the household's yearly cost (None: not covered). The cost is
    kept, not the facts, so memory does not hold a register's worth of snapshots."""

    group: str
    now: Decimal | None = None
    then: Decimal | None = None


def simulate(rows: Iterable[tuple[str, int, Facts]], program: str,
             current: Mapping[str, Any], proposed: Mapping[str, Any], on: date,
             candidates: Candidates | None = None) -> dict[str, GroupResult]:
    """Evaluate every candidate row under both parameter sets; results per group, in one
    pass (memory: one small entry per household with a candidate).

    ``candidates`` defaults to the program's own selection (``candidates_for``).
    """
    chosen = candidates if candidates is not None else candidates_for(program)
    # a couple program covers the household's couple once, like a household program
    per_person = chosen.unit == PERSON
    results: dict[str, GroupResult] = {}
    households: dict[int, _Household] = {}
    for group, household_id, facts in rows:
        if not chosen(facts):
            continue
        result = results.get(group)
        if result is None:
            result = results[group] = GroupResult(unit=chosen.unit)
        now = _covered(facts, program, current, on)
        then = _covered(facts, program, proposed, on)
        household = households.get(household_id)
        if household is None:
            household = households[household_id] = _Household(group)
            if not per_person:
                result.candidates += 1
        if per_person:
            result.candidates += 1
            result.eligible_now += now
            result.eligible_proposed += then
            result.gaining += then and not now
            result.losing += now and not then
            if now:
                result.cost_now += benefit(facts, program, current)
            if then:
                result.cost_proposed += benefit(facts, program, proposed)
        if now and household.now is None:
            household.now = _ZERO if per_person else benefit(facts, program, current)
        if then and household.then is None:
            household.then = _ZERO if per_person else benefit(facts, program, proposed)
    for household_id, household in households.items():
        result = results[household.group]
        now, then = household.now is not None, household.then is not None
        if not per_person:
            result.eligible_now += now
            result.eligible_proposed += then
            result.gaining += then and not now
            result.losing += now and not then
            result.cost_now += household.now or _ZERO
            result.cost_proposed += household.then or _ZERO
        if then and not now:
            result.households_gaining.add(household_id)
        elif now and not then:
            result.households_losing.add(household_id)
    return results


__all__ = ["IGNORED", "GroupResult", "benefit", "simulate"]
