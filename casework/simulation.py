"""Run a what-if over the register: the reading half of ``eligibility.simulate``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from eligibility.models import Program
from eligibility.parameters import parameters_on
from eligibility.simulate import GroupResult, simulate

from .bulk_facts import iter_person_facts
from .models import Area


@dataclass(frozen=True)
class TownshipLine:
    code: str
    name: str
    result: GroupResult


@dataclass(frozen=True)
class SimulationReport:
    program: Program
    on: date
    current: dict[str, Any]
    proposed: dict[str, Any]
    lines: list[TownshipLine]
    total: GroupResult


def parse_overrides(pairs: list[str]) -> dict[str, Any]:
    """``key=value`` pairs; values are JSON when they parse (numbers, true/false), else text."""
    overrides: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"expected key=value, got {pair!r}")
        try:
            overrides[key.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            overrides[key.strip()] = raw
    return overrides


def run_simulation(program: Program, overrides: dict[str, Any], on: date,
                   area_prefix: str = "") -> SimulationReport:
    current = parameters_on(program, on)
    unknown = sorted(set(overrides) - set(current))
    if unknown:
        raise ValueError(f"unknown parameter(s) for {program.code}: {', '.join(unknown)}")
    proposed = {**current, **overrides}
    rows = ((facts.village_code[:9], facts.household_id, facts)
            for _, facts in iter_person_facts(on, area_prefix=area_prefix,
                                              program_code=program.code))
    results = simulate(rows, program.code, current, proposed, on)
    names = dict(Area.objects.filter(code__in=list(results)).values_list("code", "name"))
    lines = [TownshipLine(code, names.get(code, code), results[code]) for code in sorted(results)]
    total = GroupResult()
    for line in lines:
        r = line.result
        total.persons += r.persons
        total.eligible_now += r.eligible_now
        total.eligible_proposed += r.eligible_proposed
        total.persons_gaining += r.persons_gaining
        total.persons_losing += r.persons_losing
        total.households_gaining |= r.households_gaining
        total.households_losing |= r.households_losing
        total.cost_now += r.cost_now
        total.cost_proposed += r.cost_proposed
    return SimulationReport(program, on, current, proposed, lines, total)


__all__ = ["Decimal", "SimulationReport", "TownshipLine", "parse_overrides", "run_simulation"]
