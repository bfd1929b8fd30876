"""Welfare-fund grant (计划生育公益金) for family-planning households in hardship."""

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from ..decision import Criterion, check, check_v2
from ..facts import Facts
from .common import no_duplicate, no_duplicate_v2

PROGRAM = "welfare_grant"
RULE_VERSION = "welfare_grant/3"  # the version new decisions use


def rule_v1(facts: Facts, params: Mapping[str, Any], on: date) -> tuple[Criterion, ...]:
    limit = Decimal(str(params["income_per_head_limit_yuan"]))
    per_head = facts.income_per_head_yuan
    hardship = facts.hardship or bool(facts.special_family)
    return (
        check("hardship_or_special", hardship,
              "计生困难家庭或计生特殊家庭", "Hardship or special family-planning household",
              kind=facts.special_family or ("hardship" if facts.hardship else "")),
        check("income_below_limit", per_head < limit,
              f"家庭人均年收入低于{limit}元", f"Household income per head below {limit} yuan",
              f"{per_head}元", income_per_head=str(per_head), limit=str(limit)),
        no_duplicate(facts, PROGRAM),
    )


def rule_v2(facts: Facts, params: Mapping[str, Any], on: date) -> tuple[Criterion, ...]:
    """``rule_v1`` with the income shown in each reason's own language ("5000.00 yuan",
    not the "5000.00元" v1 showed in English too). Same criteria, same outcome."""
    limit = Decimal(str(params["income_per_head_limit_yuan"]))
    per_head = facts.income_per_head_yuan
    hardship = facts.hardship or bool(facts.special_family)
    return (
        check_v2("hardship_or_special", hardship,
                 "计生困难家庭或计生特殊家庭", "Hardship or special family-planning household",
                 kind=facts.special_family or ("hardship" if facts.hardship else "")),
        check_v2("income_below_limit", per_head < limit,
                 f"家庭人均年收入低于{limit}元", f"Household income per head below {limit} yuan",
                 f"{per_head}元", f"{per_head} yuan", income_per_head=str(per_head),
                 limit=str(limit)),
        no_duplicate(facts, PROGRAM),
    )


def rule_v3(facts: Facts, params: Mapping[str, Any], on: date) -> tuple[Criterion, ...]:
    """``rule_v2`` with one grant per unit and period (``units.py``): the duplicate
    criterion reads what the applicant's person, couple or household holds, and only an
    open application or an entitlement whose period reaches the day counts.
    One grant per household and period."""
    limit = Decimal(str(params["income_per_head_limit_yuan"]))
    per_head = facts.income_per_head_yuan
    hardship = facts.hardship or bool(facts.special_family)
    return (
        check_v2("hardship_or_special", hardship,
                 "计生困难家庭或计生特殊家庭", "Hardship or special family-planning household",
                 kind=facts.special_family or ("hardship" if facts.hardship else "")),
        check_v2("income_below_limit", per_head < limit,
                 f"家庭人均年收入低于{limit}元", f"Household income per head below {limit} yuan",
                 f"{per_head}元", f"{per_head} yuan", income_per_head=str(per_head),
                 limit=str(limit)),
        no_duplicate_v2(facts, PROGRAM, on),
    )


# every version ever released stays here, unchanged (see rules/__init__.py)
VERSIONS = {
    "welfare_grant/1": rule_v1,
    "welfare_grant/2": rule_v2,
    "welfare_grant/3": rule_v3,
}
rule = VERSIONS[RULE_VERSION]
