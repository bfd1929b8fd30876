"""Annual health check (全面体检) for members of villages that fund it."""

from collections.abc import Mapping
from datetime import date
from typing import Any

from ..decision import Criterion, check, check_v2
from ..facts import Facts
from .common import active_member, no_duplicate, no_duplicate_v2

PROGRAM = "health_check"
RULE_VERSION = "health_check/3"  # the version new decisions use


def rule_v1(facts: Facts, params: Mapping[str, Any], on: date) -> tuple[Criterion, ...]:
    per_year = int(params.get("checks_per_year", 1))
    return (
        active_member(facts),
        check("village_enrolled", facts.village_health_check_enrolled,
              f"本村已参加{on.year}年度体检项目",
              f"The village is enrolled in the {on.year} health-check scheme"),
        check("yearly_quota", facts.health_checks_this_year < per_year,
              f"本年度体检次数未满{per_year}次", f"Fewer than {per_year} check(s) this year",
              f"已{facts.health_checks_this_year}次", used=facts.health_checks_this_year),
        no_duplicate(facts, PROGRAM),
    )


def rule_v2(facts: Facts, params: Mapping[str, Any], on: date) -> tuple[Criterion, ...]:
    """``rule_v1`` with the checks used shown in each reason's own language ("0 so far",
    not the "已0次" v1 showed in English too). Same criteria, same outcome."""
    per_year = int(params.get("checks_per_year", 1))
    used = facts.health_checks_this_year
    return (
        active_member(facts),
        check_v2("village_enrolled", facts.village_health_check_enrolled,
                 f"本村已参加{on.year}年度体检项目",
                 f"The village is enrolled in the {on.year} health-check scheme"),
        check_v2("yearly_quota", used < per_year,
                 f"本年度体检次数未满{per_year}次", f"Fewer than {per_year} check(s) this year",
                 f"已{used}次", f"{used} so far", used=used),
        no_duplicate(facts, PROGRAM),
    )


def rule_v3(facts: Facts, params: Mapping[str, Any], on: date) -> tuple[Criterion, ...]:
    """``rule_v2`` with one grant per unit and period (``units.py``): the duplicate
    criterion reads what the applicant's person, couple or household holds, and only an
    open application or an entitlement whose period reaches the day counts.
    The yearly check is due again each calendar year."""
    per_year = int(params.get("checks_per_year", 1))
    used = facts.health_checks_this_year
    return (
        active_member(facts),
        check_v2("village_enrolled", facts.village_health_check_enrolled,
                 f"本村已参加{on.year}年度体检项目",
                 f"The village is enrolled in the {on.year} health-check scheme"),
        check_v2("yearly_quota", used < per_year,
                 f"本年度体检次数未满{per_year}次", f"Fewer than {per_year} check(s) this year",
                 f"已{used}次", f"{used} so far", used=used),
        no_duplicate_v2(facts, PROGRAM, on),
    )


# every version ever released stays here, unchanged (see rules/__init__.py)
VERSIONS = {
    "health_check/1": rule_v1,
    "health_check/2": rule_v2,
    "health_check/3": rule_v3,
}
rule = VERSIONS[RULE_VERSION]
