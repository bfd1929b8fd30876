"""Medical discount card (一免二优六减半).

Association members in one-child households (with the parents' certificate) or
two-daughter households; local and migrant members alike.
"""

from collections.abc import Mapping
from datetime import date
from typing import Any

from ..decision import Criterion, check, check_v2
from ..facts import Facts
from .common import active_member, no_duplicate, no_duplicate_v2

PROGRAM = "medical_discount"
RULE_VERSION = "medical_discount/3"  # the version new decisions use


def rule_v1(facts: Facts, params: Mapping[str, Any], on: date) -> tuple[Criterion, ...]:
    one_child = facts.one_child_certificate_date is not None and (
        facts.one_child_certificate_date <= on
    )
    qualifying = one_child or facts.two_daughter_household
    shown = "独生子女父母光荣证" if one_child else ("两女户" if facts.two_daughter_household
                                                  else "均无")
    family = check(
        "one_child_or_two_daughter", qualifying,
        "持独生子女父母光荣证或为两女户", "One-child certificate or two-daughter household",
        shown, one_child_certificate=one_child, two_daughter=facts.two_daughter_household,
    )
    return (active_member(facts), family, no_duplicate(facts, PROGRAM))


def rule_v2(facts: Facts, params: Mapping[str, Any], on: date) -> tuple[Criterion, ...]:
    """``rule_v1`` with the qualifying status shown in each reason's own language
    (v1 showed "均无" in the English reason too). Same criteria, same outcome."""
    one_child = facts.one_child_certificate_date is not None and (
        facts.one_child_certificate_date <= on
    )
    two_daughters = facts.two_daughter_household
    if one_child:
        shown_zh, shown_en = "独生子女父母光荣证", "one-child certificate"
    elif two_daughters:
        shown_zh, shown_en = "两女户", "two-daughter household"
    else:
        shown_zh, shown_en = "均无", "neither"
    family = check_v2(
        "one_child_or_two_daughter", one_child or two_daughters,
        "持独生子女父母光荣证或为两女户", "One-child certificate or two-daughter household",
        shown_zh, shown_en, one_child_certificate=one_child, two_daughter=two_daughters,
    )
    return (active_member(facts), family, no_duplicate(facts, PROGRAM))


def rule_v3(facts: Facts, params: Mapping[str, Any], on: date) -> tuple[Criterion, ...]:
    """``rule_v2`` with one grant per unit and period (``units.py``): the duplicate
    criterion reads what the applicant's person, couple or household holds, and only an
    open application or an entitlement whose period reaches the day counts.
    Same other criteria."""
    one_child = facts.one_child_certificate_date is not None and (
        facts.one_child_certificate_date <= on
    )
    two_daughters = facts.two_daughter_household
    if one_child:
        shown_zh, shown_en = "独生子女父母光荣证", "one-child certificate"
    elif two_daughters:
        shown_zh, shown_en = "两女户", "two-daughter household"
    else:
        shown_zh, shown_en = "均无", "neither"
    family = check_v2(
        "one_child_or_two_daughter", one_child or two_daughters,
        "持独生子女父母光荣证或为两女户", "One-child certificate or two-daughter household",
        shown_zh, shown_en, one_child_certificate=one_child, two_daughter=two_daughters,
    )
    return (active_member(facts), family, no_duplicate_v2(facts, PROGRAM, on))


# every version ever released stays here, unchanged (see rules/__init__.py)
VERSIONS = {
    "medical_discount/1": rule_v1,
    "medical_discount/2": rule_v2,
    "medical_discount/3": rule_v3,
}
rule = VERSIONS[RULE_VERSION]
