"""Run a what-if over the register: the reading half of ``eligibility.simulate``.

Every person of the area is read (``bulk_facts.iter_person_facts``); which of them are
the program's candidates, and whether it covers persons or households, is policy and
is decided in ``eligibility.candidates``, not here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from eligibility.candidates import Candidates, candidates_for
from eligibility.models import Program
from eligibility.parameters import parameters_on
from eligibility.simulate import GroupResult, simulate

from ..models import Area
from .bulk_facts import iter_person_facts


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
    #: who was counted: the program's candidates and its unit (person or household)
    candidates: Candidates


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
    """``program``'s parameters in force on ``on``, and the same with ``overrides``,
    evaluated for the program's candidates in ``area_prefix``, per township."""
    candidates = candidates_for(program.code)
    current = parameters_on(program, on)
    unknown = sorted(set(overrides) - set(current))
    if unknown:
        raise ValueError(f"unknown parameter(s) for {program.code}: {', '.join(unknown)}")
    proposed = {**current, **overrides}
    rows = ((facts.village_code[:9], facts.household_id, facts)
            for _, facts in iter_person_facts(on, area_prefix=area_prefix,
                                              program_code=program.code))
    results = simulate(rows, program.code, current, proposed, on, candidates)
    names = dict(Area.objects.filter(code__in=list(results)).values_list("code", "name"))
    lines = [TownshipLine(code, names.get(code, code), results[code]) for code in sorted(results)]
    total = GroupResult(unit=candidates.unit)
    for line in lines:
        total.add(line.result)
    return SimulationReport(program, on, current, proposed, lines, total, candidates)


__all__ = ["Decimal", "SimulationReport", "TownshipLine", "parse_overrides", "run_simulation"]
