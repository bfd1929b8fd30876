"""Assistance pairing (会员联系户 / 帮扶结对) for hardship households."""

from collections.abc import Mapping
from datetime import date
from typing import Any

from ..decision import Criterion, check
from ..facts import Facts
from .common import no_duplicate, no_duplicate_v2

PROGRAM = "assistance_pairing"
RULE_VERSION = "assistance_pairing/2"  # the version new decisions use


def rule_v1(facts: Facts, params: Mapping[str, Any], on: date) -> tuple[Criterion, ...]:
    return (
        check("hardship", facts.hardship or bool(facts.special_family),
              "计生困难家庭", "Family-planning hardship household"),
        check("not_paired", not facts.already_paired,
              "尚未结对帮扶", "Not already paired"),
        no_duplicate(facts, PROGRAM),
    )


def rule_v2(facts: Facts, params: Mapping[str, Any], on: date) -> tuple[Criterion, ...]:
    """``rule_v1`` with one grant per unit and period (``units.py``): the duplicate
    criterion reads what the applicant's person, couple or household holds, and only an
    open application or an entitlement whose period reaches the day counts.
    One pairing per household at a time."""
    return (
        check("hardship", facts.hardship or bool(facts.special_family),
              "计生困难家庭", "Family-planning hardship household"),
        check("not_paired", not facts.already_paired,
              "尚未结对帮扶", "Not already paired"),
        no_duplicate_v2(facts, PROGRAM, on),
    )


# every version ever released stays here, unchanged (see rules/__init__.py)
VERSIONS = {
    "assistance_pairing/1": rule_v1,
    "assistance_pairing/2": rule_v2,
}
rule = VERSIONS[RULE_VERSION]
