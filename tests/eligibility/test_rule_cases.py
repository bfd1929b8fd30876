"""Rule tests as data: every case of ``cases/<program>.yaml`` is one test (``program::name``).

The format and the default household are documented in ``cases/README.md``. Pure: no
database; parameters come from ``eligibility.defaults.PROGRAMS`` (in force from ``SINCE``)
plus each case's dated rows, resolved with ``eligibility.parameters.resolve``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from eligibility.defaults import PROGRAMS, SINCE
from eligibility.evaluate import evaluate
from eligibility.facts import Facts
from eligibility.parameters import ParameterRow, resolve
from eligibility.rules import CURRENT

CASES = Path(__file__).parent / "cases"

DEFAULT_APPLICANT: dict[str, Any] = {
    "person_id": 1, "sex": "M", "birth_date": date(1970, 6, 15), "relationship": "head",
    "is_active_member": True, "pension_insured": True,
}
DEFAULT_SPOUSE: dict[str, Any] = {
    "person_id": 2, "sex": "F", "birth_date": date(1972, 3, 10), "relationship": "spouse",
    "is_active_member": False, "pension_insured": True,
}
DEFAULT_MEMBER: dict[str, Any] = {
    "sex": "F", "birth_date": date(1972, 3, 10), "relationship": "other",
    "is_active_member": False, "pension_insured": False,
}
DEFAULT_FACTS: dict[str, Any] = {
    "household_id": 1, "village_code": "330703001001", "registration": "local",
    "one_child_certificate_date": None, "two_daughter_household": False,
    "second_birth_renounced_date": None, "hardship": False, "special_family": "",
    "annual_income_yuan": 30000, "village_health_check_enrolled": False,
    "already_paired": False, "open_programs": [], "live_entitlement_programs": [],
    "health_checks_this_year": 0, "extra": {}, "unit_holdings": [],
}
CASE_KEYS = {"name", "date", "facts", "parameters", "rule_version", "eligible", "failing",
             "reasons_zh", "reasons_en", "in_force"}
REQUIRED = {"name", "date", "facts", "eligible", "failing"}
ROW_KEYS = {"key", "value", "from", "to"}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):  # YAML floats: keep the digits as written
        return str(Decimal(repr(value)))
    return value


def build_facts(overrides: dict[str, Any]) -> Facts:
    """The default household with ``overrides`` merged over it (see cases/README.md)."""
    over = copy.deepcopy(overrides or {})
    applicant = {**DEFAULT_APPLICANT, **over.pop("applicant", {})}
    members = over.pop("members", None)
    unknown = set(over) - set(DEFAULT_FACTS)
    assert not unknown, f"unknown facts {sorted(unknown)}"
    data = {**copy.deepcopy(DEFAULT_FACTS), **over, "applicant": applicant}
    if members is None:
        data["members"] = [applicant, DEFAULT_SPOUSE]
    else:
        data["members"] = [{**DEFAULT_MEMBER, "person_id": n, **m}
                           for n, m in enumerate(members, start=1)]
    data["annual_income_yuan"] = str(data["annual_income_yuan"])
    # through the stored form, as a case keeps it: from_json is what replay uses too
    return Facts.from_json(_jsonable(data))


def timeline(program: str, rows: list[dict[str, Any]] | None) -> list[ParameterRow]:
    """The default rows of ``program`` (from SINCE, open-ended), then the case's rows."""
    result: list[ParameterRow] = [(key, value, SINCE, None)
                                  for key, value in PROGRAMS[program][3].items()]
    for row in rows or ():
        assert set(row) <= ROW_KEYS and {"key", "value", "from"} <= set(row), row
        result.append((row["key"], row["value"], row["from"], row.get("to")))
    return result


@dataclass(frozen=True)
class RuleCase:
    program: str
    spec: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{self.program}::{self.spec['name']}"


def load_cases() -> list[RuleCase]:
    cases = []
    for path in sorted(CASES.glob("*.yaml")):
        program = path.stem
        assert program in PROGRAMS, f"{path.name}: no program {program!r}"
        specs = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert isinstance(specs, list) and specs, f"{path.name}: a non-empty list of cases"
        names = [spec.get("name") for spec in specs]
        assert len(set(names)) == len(names), f"{path.name}: case names must be unique"
        cases += [RuleCase(program, spec) for spec in specs]
    return cases


ALL_CASES = load_cases()


def test_every_program_has_its_cases():
    counts: dict[str, int] = {}
    for case in ALL_CASES:
        counts[case.program] = counts.get(case.program, 0) + 1
    assert set(counts) == set(PROGRAMS) == set(CURRENT)
    assert min(counts.values()) >= 10, counts


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda case: case.id)
def test_rule_case(case: RuleCase):
    spec = case.spec
    assert set(spec) <= CASE_KEYS and REQUIRED <= set(spec), (
        f"keys: unknown {sorted(set(spec) - CASE_KEYS)}, missing {sorted(REQUIRED - set(spec))}")
    on = spec["date"]
    assert isinstance(on, date), "date: an unquoted ISO date"
    assert spec["eligible"] == (not spec["failing"]), "eligible iff nothing fails"
    params = resolve(timeline(case.program, spec.get("parameters")), on)
    decision = evaluate(build_facts(spec["facts"]), case.program, params, on,
                        version=spec.get("rule_version"))

    codes = [c.code for c in decision.criteria]
    assert set(spec["failing"]) <= set(codes), f"unknown criterion codes; the rule has {codes}"
    assert sorted(decision.failed_codes) == sorted(spec["failing"]), [
        c.reason_en for c in decision.criteria]
    assert decision.eligible is spec["eligible"]
    for key, value in (spec.get("in_force") or {}).items():
        assert decision.parameters.get(key) == value, f"parameter {key} on {on}"
    for language, field in (("reasons_zh", "reason_zh"), ("reasons_en", "reason_en")):
        for code, text in (spec.get(language) or {}).items():
            criterion = decision.criterion(code)
            assert criterion is not None, f"{language}: no criterion {code}"
            assert getattr(criterion, field) == text
