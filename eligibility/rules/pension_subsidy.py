"""Pension-insurance subsidy (养老保险补助) for couples who renounced a second birth."""

from collections.abc import Mapping
from datetime import date
from typing import Any

from ..decision import Criterion, check, check_v2
from ..facts import Facts
from .common import no_duplicate, no_duplicate_v2

PROGRAM = "pension_subsidy"
RULE_VERSION = "pension_subsidy/4"  # the version new decisions use

#: the couple of a household: its head and the head's spouse
COUPLE = frozenset({"head", "spouse"})


def rule_v1(facts: Facts, params: Mapping[str, Any], on: date) -> tuple[Criterion, ...]:
    min_age = int(params["min_age"])
    age = facts.applicant.age_on(on)
    renounced = facts.second_birth_renounced_date is not None and (
        facts.second_birth_renounced_date <= on
    )
    return (
        check("second_birth_renounced", renounced,
              "夫妇放弃生育二胎有书面记录",
              "The couple's renunciation of a second birth is on record",
              renounced_on=str(facts.second_birth_renounced_date or "")),
        check("min_age", age >= min_age,
              f"申请人年满{min_age}周岁", f"Applicant is aged {min_age} or over",
              f"{age}岁" , age=age, min_age=min_age),
        check("pension_insured", facts.applicant.pension_insured,
              "已参加城乡居民养老保险", "Enrolled in resident pension insurance"),
        no_duplicate(facts, PROGRAM),
    )


def rule_v2(facts: Facts, params: Mapping[str, Any], on: date) -> tuple[Criterion, ...]:
    """``rule_v1`` with the age shown in each reason's own language ("aged 58", not the
    "58岁" v1 showed in English too). Same criteria, same outcome."""
    min_age = int(params["min_age"])
    age = facts.applicant.age_on(on)
    renounced = facts.second_birth_renounced_date is not None and (
        facts.second_birth_renounced_date <= on
    )
    return (
        check_v2("second_birth_renounced", renounced,
                 "夫妇放弃生育二胎有书面记录",
                 "The couple's renunciation of a second birth is on record",
                 renounced_on=str(facts.second_birth_renounced_date or "")),
        check_v2("min_age", age >= min_age,
                 f"申请人年满{min_age}周岁", f"Applicant is aged {min_age} or over",
                 f"{age}岁", f"aged {age}", age=age, min_age=min_age),
        check_v2("pension_insured", facts.applicant.pension_insured,
                 "已参加城乡居民养老保险", "Enrolled in resident pension insurance"),
        no_duplicate(facts, PROGRAM),
    )


def rule_v3(facts: Facts, params: Mapping[str, Any], on: date) -> tuple[Criterion, ...]:
    """``rule_v2`` with one grant per unit and period (``units.py``): the duplicate
    criterion reads what the applicant's person, couple or household holds, and only an
    open application or an entitlement whose period reaches the day counts.
    One subsidy per couple: a spouse of a subsidised couple is refused, naming the grant."""
    min_age = int(params["min_age"])
    age = facts.applicant.age_on(on)
    renounced = facts.second_birth_renounced_date is not None and (
        facts.second_birth_renounced_date <= on
    )
    return (
        check_v2("second_birth_renounced", renounced,
                 "夫妇放弃生育二胎有书面记录",
                 "The couple's renunciation of a second birth is on record",
                 renounced_on=str(facts.second_birth_renounced_date or "")),
        check_v2("min_age", age >= min_age,
                 f"申请人年满{min_age}周岁", f"Applicant is aged {min_age} or over",
                 f"{age}岁", f"aged {age}", age=age, min_age=min_age),
        check_v2("pension_insured", facts.applicant.pension_insured,
                 "已参加城乡居民养老保险", "Enrolled in resident pension insurance"),
        no_duplicate_v2(facts, PROGRAM, on),
    )


def rule_v4(facts: Facts, params: Mapping[str, Any], on: date) -> tuple[Criterion, ...]:
    """``rule_v3`` for the couple only: the subsidy goes to "夫妇放弃生育二胎" couples (seed
    line 155), so the applicant must be the household's head or the head's spouse
    (``couple_member``). Up to v3 a parent or a grown child of the household passed, and
    their grant, held under the couple's unit key, then refused the couple itself."""
    return (
        *rule_v3(facts, params, on)[:3],
        check_v2("couple_member", facts.applicant.relationship in COUPLE,
                 "申请人是放弃生育二胎的夫妇一方（户主或其配偶）",
                 "Applicant is one of the couple (the household head or the head's spouse)",
                 relationship=facts.applicant.relationship),
        no_duplicate_v2(facts, PROGRAM, on),
    )


# every version ever released stays here, unchanged (see rules/__init__.py)
VERSIONS = {
    "pension_subsidy/1": rule_v1,
    "pension_subsidy/2": rule_v2,
    "pension_subsidy/3": rule_v3,
    "pension_subsidy/4": rule_v4,
}
rule = VERSIONS[RULE_VERSION]
