"""What one grant covers: a person, a couple or a household (the program's *unit*).

A benefit is granted once per unit and period. The unit is how the policy counts: the
report counts the pension subsidy in couples ("297对放弃生育二胎的夫妇享受到了养老保险的政府补助",
seed line 155), the medical discount applies to association members (line 149), the health
check to every member once a year (line 150), pairing to households in hardship (line 157:
"把实行计划生育的困难户与行业领头人、致富能手结成对子") and income projects to households
(line 56: "帮扶一百多户"). The welfare-fund grant's unit is not stated by the report (its
rules, 《区计划生育公益金管理暂行办法》, line 153, are not quoted): one grant per household is
assumed, set locally, as DOMAIN.md reads it ("family-planning households in hardship").

One table for everything that counts: the duplicate criterion of the rules (``rules.common
.no_duplicate_v2`` reads what the unit holds), the one-open-application and one-live-
entitlement constraints of casework (``unit_key`` on cases and entitlements), and the
what-if simulation's candidates (``candidates.py``).

Pure: imports nothing of ours but the standard library.
"""

from __future__ import annotations

from typing import Literal

Unit = Literal["person", "couple", "household"]
PERSON: Unit = "person"
COUPLE: Unit = "couple"
HOUSEHOLD: Unit = "household"

#: program code -> its unit, and where the unit comes from
UNIT_OF: dict[str, Unit] = {
    "medical_discount": PERSON,
    "pension_subsidy": COUPLE,
    "health_check": PERSON,
    "welfare_grant": HOUSEHOLD,
    "assistance_pairing": HOUSEHOLD,
    "income_project": HOUSEHOLD,
}

#: program code -> (the seed's line stating the unit, or "" when assumed, set locally)
UNIT_SOURCE: dict[str, str] = {
    "medical_discount": "146-149",
    "pension_subsidy": "155",
    "health_check": "150",
    "welfare_grant": "",
    "assistance_pairing": "157",
    "income_project": "56",
}

#: how each unit is named in a reason, (zh, en)
UNIT_WORDS: dict[Unit, tuple[str, str]] = {
    PERSON: ("本人", "you"),
    COUPLE: ("夫妇", "the couple"),
    HOUSEHOLD: ("本户", "the household"),
}


class UnknownUnit(LookupError):
    """A program without a unit: add it to ``UNIT_OF``."""


def unit_of(program: str) -> Unit:
    """The unit of ``program``."""
    try:
        return UNIT_OF[program]
    except KeyError as exc:
        raise UnknownUnit(f"no unit for program {program!r}") from exc


def unit_key(program: str, *, person_id: int, household_id: int) -> str:
    """The key of the unit an application by ``person_id`` of ``household_id`` is for:
    ``person:12``, ``couple:7`` (the household's couple, head and spouse) or
    ``household:7``. Two applications with the same program and key are for the same
    unit: only one may be open, and only one entitlement live, at a time."""
    unit = unit_of(program)
    if unit == PERSON:
        return f"person:{person_id}"
    return f"{unit}:{household_id}"


__all__ = ["COUPLE", "HOUSEHOLD", "PERSON", "UNIT_OF", "UNIT_SOURCE", "UNIT_WORDS", "Unit",
           "UnknownUnit", "unit_key", "unit_of"]
