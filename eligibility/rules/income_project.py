"""Income project support (少生快富) for working-age people in family-planning households.

Support in kind or training in a local project (e.g. the 源东 white-peach orchards),
decided by the township. The income limit and the age band are dated parameters.
"""

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from ..decision import Criterion, check, check_v2
from ..facts import Facts
from .common import no_duplicate, no_duplicate_v2

PROGRAM = "income_project"
RULE_VERSION = "income_project/3"  # the version new decisions use


def rule_v1(facts: Facts, params: Mapping[str, Any], on: date) -> tuple[Criterion, ...]:
    one_child = facts.one_child_certificate_date is not None and (
        facts.one_child_certificate_date <= on
    )
    renounced = facts.second_birth_renounced_date is not None and (
        facts.second_birth_renounced_date <= on
    )
    two_daughter = facts.two_daughter_household
    shown = ("独生子女父母光荣证" if one_child else "两女户" if two_daughter
             else "放弃生育二胎" if renounced else "均无")
    limit = Decimal(str(params["income_per_head_limit_yuan"]))
    per_head = facts.income_per_head_yuan
    min_age, max_age = int(params["min_age"]), int(params["max_age"])
    age = facts.applicant.age_on(on)
    return (
        check("family_planning_household", one_child or two_daughter or renounced,
              "计划生育家庭（独生子女父母光荣证、两女户或放弃生育二胎）",
              "Family-planning household (one-child certificate, two daughters, "
              "or second birth renounced)",
              shown, one_child_certificate=one_child, two_daughter=two_daughter,
              second_birth_renounced=renounced),
        check("income_below_limit", per_head < limit,
              f"家庭人均年收入低于{limit}元", f"Household income per head below {limit} yuan",
              f"{per_head}元", income_per_head=str(per_head), limit=str(limit)),
        check("working_age", min_age <= age <= max_age,
              f"申请人年龄在{min_age}至{max_age}周岁之间",
              f"Applicant is aged {min_age} to {max_age}",
              f"{age}岁", age=age, min_age=min_age, max_age=max_age),
        no_duplicate(facts, PROGRAM),
    )


def rule_v2(facts: Facts, params: Mapping[str, Any], on: date) -> tuple[Criterion, ...]:
    """``rule_v1`` with the status, income and age shown in each reason's own language
    (v1 showed "均无", "15000.00元" and "53岁" in English too). Same criteria, same
    outcome."""
    one_child = facts.one_child_certificate_date is not None and (
        facts.one_child_certificate_date <= on
    )
    renounced = facts.second_birth_renounced_date is not None and (
        facts.second_birth_renounced_date <= on
    )
    two_daughter = facts.two_daughter_household
    if one_child:
        shown_zh, shown_en = "独生子女父母光荣证", "one-child certificate"
    elif two_daughter:
        shown_zh, shown_en = "两女户", "two-daughter household"
    elif renounced:
        shown_zh, shown_en = "放弃生育二胎", "second birth renounced"
    else:
        shown_zh, shown_en = "均无", "none of these"
    limit = Decimal(str(params["income_per_head_limit_yuan"]))
    per_head = facts.income_per_head_yuan
    min_age, max_age = int(params["min_age"]), int(params["max_age"])
    age = facts.applicant.age_on(on)
    return (
        check_v2("family_planning_household", one_child or two_daughter or renounced,
                 "计划生育家庭（独生子女父母光荣证、两女户或放弃生育二胎）",
                 "Family-planning household (one-child certificate, two daughters, "
                 "or second birth renounced)",
                 shown_zh, shown_en, one_child_certificate=one_child,
                 two_daughter=two_daughter, second_birth_renounced=renounced),
        check_v2("income_below_limit", per_head < limit,
                 f"家庭人均年收入低于{limit}元", f"Household income per head below {limit} yuan",
                 f"{per_head}元", f"{per_head} yuan", income_per_head=str(per_head),
                 limit=str(limit)),
        check_v2("working_age", min_age <= age <= max_age,
                 f"申请人年龄在{min_age}至{max_age}周岁之间",
                 f"Applicant is aged {min_age} to {max_age}",
                 f"{age}岁", f"aged {age}", age=age, min_age=min_age, max_age=max_age),
        no_duplicate(facts, PROGRAM),
    )


def rule_v3(facts: Facts, params: Mapping[str, Any], on: date) -> tuple[Criterion, ...]:
    """``rule_v2`` with one grant per unit and period (``units.py``): the duplicate
    criterion reads what the applicant's person, couple or household holds, and only an
    open application or an entitlement whose period reaches the day counts.
    One project support per household at a time."""
    one_child = facts.one_child_certificate_date is not None and (
        facts.one_child_certificate_date <= on
    )
    renounced = facts.second_birth_renounced_date is not None and (
        facts.second_birth_renounced_date <= on
    )
    two_daughter = facts.two_daughter_household
    if one_child:
        shown_zh, shown_en = "独生子女父母光荣证", "one-child certificate"
    elif two_daughter:
        shown_zh, shown_en = "两女户", "two-daughter household"
    elif renounced:
        shown_zh, shown_en = "放弃生育二胎", "second birth renounced"
    else:
        shown_zh, shown_en = "均无", "none of these"
    limit = Decimal(str(params["income_per_head_limit_yuan"]))
    per_head = facts.income_per_head_yuan
    min_age, max_age = int(params["min_age"]), int(params["max_age"])
    age = facts.applicant.age_on(on)
    return (
        check_v2("family_planning_household", one_child or two_daughter or renounced,
                 "计划生育家庭（独生子女父母光荣证、两女户或放弃生育二胎）",
                 "Family-planning household (one-child certificate, two daughters, "
                 "or second birth renounced)",
                 shown_zh, shown_en, one_child_certificate=one_child,
                 two_daughter=two_daughter, second_birth_renounced=renounced),
        check_v2("income_below_limit", per_head < limit,
                 f"家庭人均年收入低于{limit}元", f"Household income per head below {limit} yuan",
                 f"{per_head}元", f"{per_head} yuan", income_per_head=str(per_head),
                 limit=str(limit)),
        check_v2("working_age", min_age <= age <= max_age,
                 f"申请人年龄在{min_age}至{max_age}周岁之间",
                 f"Applicant is aged {min_age} to {max_age}",
                 f"{age}岁", f"aged {age}", age=age, min_age=min_age, max_age=max_age),
        no_duplicate_v2(facts, PROGRAM, on),
    )


# every version ever released stays here, unchanged (see rules/__init__.py)
VERSIONS = {
    "income_project/1": rule_v1,
    "income_project/2": rule_v2,
    "income_project/3": rule_v3,
}
rule = VERSIONS[RULE_VERSION]
