"""The fast constructors of the hot path build what the dataclasses' own would."""

from __future__ import annotations

import pickle
from dataclasses import FrozenInstanceError, fields, replace
from datetime import date
from decimal import Decimal

import pytest

from eligibility.decision import Criterion, EligibilityDecision
from eligibility.facts import Facts, PersonFacts

HEAD = ("person_id", 1, "sex", "M", "birth_date", date(1960, 2, 29), "relationship", "head",
        "is_active_member", True, "pension_insured", False)


def _person_values() -> dict:
    return dict(zip(HEAD[::2], HEAD[1::2], strict=True))


def _facts_values(applicant: PersonFacts) -> dict:
    return {
        "household_id": 7, "village_code": "330703001001", "registration": "migrant",
        "applicant": applicant, "members": (applicant,),
        "one_child_certificate_date": date(1990, 1, 1), "two_daughter_household": True,
        "second_birth_renounced_date": None, "hardship": True,
        "special_family": "lost_only_child", "annual_income_yuan": Decimal("30500.50"),
        "village_health_check_enrolled": True, "already_paired": False,
        "open_programs": ("welfare_grant",), "live_entitlement_programs": (),
        "health_checks_this_year": 1,
    }


def test_person_from_values_is_the_dataclass_instance():
    values = _person_values()
    # every field, in field order: a field added to the dataclass fails here first
    assert [f.name for f in fields(PersonFacts)] == list(values)
    fast = PersonFacts.from_values(*values.values())
    assert fast == PersonFacts(**values)
    assert vars(fast) == vars(PersonFacts(**values))
    assert fast.age_on(date(2024, 2, 28)) == 63 and hash(fast) == hash(PersonFacts(**values))


def test_facts_from_values_is_the_dataclass_instance():
    applicant = PersonFacts(**_person_values())
    values = _facts_values(applicant)
    # every field but the two from_values leaves empty (``extra``, ``unit_holdings``: the
    # bulk reader reads no holdings)
    assert [f.name for f in fields(Facts)] == [*values, "extra", "unit_holdings"]
    fast = Facts.from_values(*values.values())
    slow = Facts(**values)
    assert fast == slow and vars(fast) == vars(slow)
    assert fast.to_json() == slow.to_json()
    assert Facts.from_json(fast.to_json()) == slow
    assert replace(fast, hardship=False) == replace(slow, hardship=False)
    assert pickle.loads(pickle.dumps(fast)) == slow
    assert fast.extra == {} and fast.extra is not Facts.from_values(*values.values()).extra
    assert fast.unit_holdings == ()
    with pytest.raises(FrozenInstanceError):
        fast.hardship = False


def test_criterion_and_decision_build_as_generated():
    a = Criterion("min_age", False, "甲", "a")
    assert a.values == {} and a.values is not Criterion("x", True, "", "").values
    assert a == Criterion(code="min_age", passed=False, reason_zh="甲", reason_en="a",
                          values={})
    assert replace(a, passed=True).passed and not a.passed
    with pytest.raises(FrozenInstanceError):
        a.passed = True  # still frozen
    decision = EligibilityDecision("pension_subsidy", "pension_subsidy/2", "2026-01-01",
                                   (a, replace(a, code="b", passed=True)))
    assert decision.parameters == {} and not decision.eligible
    assert decision.failed_codes == ["min_age"]
    assert EligibilityDecision.from_json(decision.to_json()) == decision
    assert pickle.loads(pickle.dumps(decision)) == decision
    assert EligibilityDecision("p", "p/1", "2026-01-01", ()).eligible  # no criteria
