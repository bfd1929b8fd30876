"""Reasons in one language each, and the old wording kept for the decisions made with it.

Version 1 of five programs showed a Chinese value inside the English reason
("Applicant is aged 60 or over: yes (69岁)", "(均无)"). Their version 2 shows each value
in the reason's own language. Across every YAML rule case (``cases/``), the newest
version of each program must give English reasons with no Chinese character and
Chinese reasons with no Latin letter, and decide exactly as version 1 did. Decisions
stored under version 1 (``stored_v1_decisions.json``, written by the version-1 code
before version 2 existed) must still replay byte for byte.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from eligibility.decision import check_v2
from eligibility.defaults import PROGRAMS
from eligibility.evaluate import evaluate, replay
from eligibility.parameters import resolve
from eligibility.rules import CURRENT, MODULES, REGISTRY, program_of
from tests.eligibility.test_rule_cases import ALL_CASES, RuleCase, build_facts, timeline

#: CJK ideographs and symbols, kana, full-width forms (the "（" and "：" of a Chinese
#: reason count: an English reason must not borrow them either)
CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]")
LATIN = re.compile(r"[A-Za-z]")
STORED = Path(__file__).parent / "stored_v1_decisions.json"


def _decide(case: RuleCase, version: str):
    spec = case.spec
    on = spec["date"]
    params = resolve(timeline(case.program, spec.get("parameters")), on)
    return evaluate(build_facts(spec["facts"]), case.program, params, on, version=version)


def _cases_of(program: str) -> list[RuleCase]:
    return [case for case in ALL_CASES if case.program == program]


def _canonical(data: Any) -> str:
    """The bytes a decision is compared on: JSON as the database's JSON column keeps it
    (key order aside), Chinese kept as written."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


@pytest.mark.parametrize("program", sorted(PROGRAMS))
def test_the_newest_version_gives_each_language_its_own_reasons(program):
    version = CURRENT[program]
    cases = _cases_of(program)
    assert cases
    for case in cases:  # whatever version a case pins, the newest one is checked here
        for criterion in _decide(case, version).criteria:
            # a certificate number ("JD2024...") is an identifier, not English
            zh = criterion.reason_zh.replace(str(criterion.values.get("existing", "")), "")
            assert not CJK.search(criterion.reason_en), (case.id, criterion.reason_en)
            assert not LATIN.search(zh), (case.id, criterion.reason_zh)
            assert criterion.reason_en and criterion.reason_zh, (case.id, criterion.code)


#: each program's version that fixed the languages of its reasons (assistance pairing
#: never mixed them); the versions after it changed the duplicate criterion only
LANGUAGE_FIX = {"medical_discount": "medical_discount/2", "pension_subsidy": "pension_subsidy/2",
                "health_check": "health_check/2", "welfare_grant": "welfare_grant/2",
                "income_project": "income_project/2",
                "assistance_pairing": "assistance_pairing/1"}
#: the version that counts duplicates per unit and period, where a later one followed it
PER_UNIT = {"pension_subsidy": "pension_subsidy/3"}


@pytest.mark.parametrize("program", sorted(PROGRAMS))
def test_the_language_fix_decides_as_version_1(program):
    """Only the wording of the English reasons changed: the same criteria, outcomes,
    values and Chinese reasons on every rule case."""
    fixed, first = LANGUAGE_FIX[program], f"{program}/1"
    for case in _cases_of(program):
        now, then = _decide(case, fixed), _decide(case, first)
        assert [(c.code, c.passed, c.values, c.reason_zh) for c in now.criteria] == [
            (c.code, c.passed, c.values, c.reason_zh) for c in then.criteria], case.id


@pytest.mark.parametrize("program", sorted(PROGRAMS))
def test_the_newest_version_changes_only_the_duplicate_criterion(program):
    """The versions after the language fix count duplicates per unit and period
    (``units.py``); every other criterion decides and reads exactly as before."""
    newest, fixed = PER_UNIT.get(program, CURRENT[program]), LANGUAGE_FIX[program]
    assert newest != fixed
    for case in _cases_of(program):
        now, then = _decide(case, newest), _decide(case, fixed)
        assert [c.code for c in now.criteria] == [c.code for c in then.criteria], case.id
        for new, old in zip(now.criteria, then.criteria, strict=True):
            if new.code != "no_duplicate":
                assert new == old, (case.id, new.code)


def test_the_pension_subsidys_fourth_version_adds_only_the_couple():
    """pension_subsidy/4 asks that the applicant be one of the couple (head or spouse);
    every criterion of version 3 decides and reads as before."""
    assert CURRENT["pension_subsidy"] == "pension_subsidy/4"
    for case in _cases_of("pension_subsidy"):
        now, then = _decide(case, "pension_subsidy/4"), _decide(case, "pension_subsidy/3")
        [couple] = [c for c in now.criteria if c.code == "couple_member"]
        assert couple.passed == (couple.values["relationship"] in ("head", "spouse"))
        assert [c for c in now.criteria if c.code != "couple_member"] == list(then.criteria)


def test_every_version_that_mixed_languages_is_superseded_and_kept():
    mixed = set()
    for case in ALL_CASES:
        first = f"{case.program}/1"
        if any(CJK.search(c.reason_en) for c in _decide(case, first).criteria):
            mixed.add(first)
    # the five programs whose version 1 showed a Chinese value in English
    assert {program_of(v) for v in mixed} == {"medical_discount", "pension_subsidy",
                                              "health_check", "welfare_grant",
                                              "income_project"}
    for version in mixed:
        assert CURRENT[program_of(version)] != version
        assert version in REGISTRY  # kept: stored decisions name it
    for module in MODULES:
        assert f"{module.PROGRAM}/1" in module.VERSIONS


def _stored() -> list[dict[str, Any]]:
    return json.loads(STORED.read_text(encoding="utf-8"))


@pytest.mark.parametrize("stored", _stored(), ids=lambda stored: stored["case"])
def test_a_stored_version_1_decision_replays_byte_for_byte(stored):
    eligibility = stored["eligibility"]
    assert eligibility["rule_version"] == f"{eligibility['program']}/1"
    replayed = replay(stored)
    assert replayed.rule_version == eligibility["rule_version"]  # not today's version
    assert _canonical(replayed.to_json()) == _canonical(eligibility)


def test_the_stored_decisions_hold_the_old_english_wording():
    """The fixture covers what changed: Chinese inside English reasons, for every
    program that had it, and one program (assistance pairing) that never did."""
    stored = _stored()
    mixed = {s["eligibility"]["program"] for s in stored
             if any(CJK.search(c["reason_en"]) for c in s["eligibility"]["criteria"])}
    assert mixed == {"medical_discount", "pension_subsidy", "health_check", "welfare_grant",
                     "income_project"}
    assert {s["eligibility"]["program"] for s in stored} == set(PROGRAMS)
    texts = {c["reason_en"] for s in stored for c in s["eligibility"]["criteria"]}
    assert "Applicant is aged 60 or over: no (59岁)" in texts
    assert "One-child certificate or two-daughter household: no (均无)" in texts


def test_a_stored_version_1_decision_and_the_language_fix_differ_only_in_english_wording():
    for stored in _stored():
        eligibility = stored["eligibility"]
        program = eligibility["program"]
        then = replay(stored)
        now = replay({**stored, "eligibility": {**eligibility,
                                                "rule_version": LANGUAGE_FIX[program]}})
        assert now.eligible == then.eligible, stored["case"]
        assert [c.reason_zh for c in now.criteria] == [c.reason_zh for c in then.criteria]


class TestCheckV2:
    def test_shows_each_language_its_own_value(self):
        criterion = check_v2("min_age", False, "申请人年满60周岁", "Applicant is aged 60 or over",
                             "58岁", "aged 58", age=58)
        assert criterion.reason_zh == "申请人年满60周岁：否（58岁）"
        assert criterion.reason_en == "Applicant is aged 60 or over: no (aged 58)"
        assert criterion.values == {"age": 58}

    def test_without_a_value_reads_like_check(self):
        criterion = check_v2("insured", True, "已参保", "Insured")
        assert (criterion.reason_zh, criterion.reason_en) == ("已参保：是", "Insured: yes")

    @pytest.mark.parametrize("shown", [("58岁", ""), ("", "aged 58")])
    def test_refuses_a_value_in_one_language_only(self, shown):
        with pytest.raises(ValueError, match="both languages"):
            check_v2("min_age", False, "申请人年满60周岁", "Applicant is aged 60 or over", *shown)
