"""Criteria several programs share.

Each helper is part of every rule version that calls it: never change one in place
(a stored decision would replay differently). Add a new helper next to it and call
that from the new rule version (see ``rules/__init__.py``).
"""

from datetime import date

from ..decision import Criterion, check
from ..facts import Facts
from ..units import UNIT_WORDS, unit_of


def active_member(facts: Facts) -> Criterion:
    return check(
        "active_member", facts.applicant.is_active_member,
        "申请人为计生协会有效会员", "Applicant is an active association member",
    )


def no_duplicate(facts: Facts, program: str) -> Criterion:
    """Same person, same program: an open case or a live entitlement refuses a new one."""
    open_case = program in facts.open_programs
    live = program in facts.live_entitlement_programs
    passed = not (open_case or live)
    shown_zh = "已有在办申请" if open_case else ("已有有效待遇" if live else "无重复")
    return Criterion(
        code="no_duplicate",
        passed=passed,
        reason_zh=f"无重复申请或有效待遇：{'是' if passed else '否'}（{shown_zh}）",
        reason_en=(
            f"No open application or live entitlement for this program: "
            f"{'yes' if passed else 'no'}"
            + ("" if passed else (" (an application is open)" if open_case
                                  else " (an entitlement is live)"))
        ),
        values={"open_case": open_case, "live_entitlement": live},
    )


def no_duplicate_v2(facts: Facts, program: str, on: date) -> Criterion:
    """One grant per unit and period (``units.py``): the applicant's unit (the person, the
    couple or the household) may not have an open application for the program, nor an
    entitlement whose period reaches ``on`` (an entitlement whose period has ended, even
    if not yet marked ended, is no duplicate: the benefit is due again).

    Reads ``facts.unit_holdings``; the reason names the existing application or grant, its
    period and whose it is, so a spouse or a second member of a granted household is
    told why. Replaces ``no_duplicate`` (applicant-level, any live entitlement, forever)
    from each program's third rule version on.
    """
    unit = unit_of(program)
    unit_zh, unit_en = UNIT_WORDS[unit]
    found = None
    for holding in facts.unit_holdings:
        if holding.program != program:
            continue
        if holding.kind == "case" or (holding.valid_to is None or holding.valid_to >= on):
            found = holding
            break
    if found is None:
        return Criterion(
            code="no_duplicate", passed=True,
            reason_zh=f"{unit_zh}无在办申请或有效期内的同项待遇：是",
            reason_en=(f"No open application or current grant of this program for "
                       f"{unit_en}: yes"),
            values={"unit": unit, "open_case": False, "live_entitlement": False})
    whose_zh, whose_en = _whose(facts, found.holder_id)
    if found.kind == "case":
        shown_zh = f"{whose_zh}的申请{found.ref}正在办理"
        shown_en = f"application {found.ref} by {whose_en} is open"
    else:
        until = found.valid_to.isoformat() if found.valid_to else ""
        shown_zh = f"{whose_zh}已获待遇，证号{found.ref}，有效期至{until}"
        shown_en = f"{whose_en} already hold{'' if whose_en == 'you' else 's'} grant " \
                   f"{found.ref}, valid until {until}"
    return Criterion(
        code="no_duplicate", passed=False,
        reason_zh=f"{unit_zh}无在办申请或有效期内的同项待遇：否（{shown_zh}）",
        reason_en=(f"No open application or current grant of this program for {unit_en}: "
                   f"no ({shown_en})"),
        values={"unit": unit, "open_case": found.kind == "case",
                "live_entitlement": found.kind == "entitlement", "existing": found.ref,
                "holder": found.holder_id,
                "valid_to": found.valid_to.isoformat() if found.valid_to else ""})


_RELATION_WORDS = {"head": ("户主", "the head of the household"),
                   "spouse": ("配偶", "the spouse"), "child": ("子女", "a child"),
                   "parent": ("父母", "a parent"), "other": ("家庭成员", "a household member")}


def _whose(facts: Facts, holder_id: int) -> tuple[str, str]:
    """How the holder is named to the applicant: "本人"/"you", else their relation."""
    if holder_id == facts.applicant.person_id:
        return "本人", "you"
    for member in facts.members:
        if member.person_id == holder_id:
            return _RELATION_WORDS.get(member.relationship, _RELATION_WORDS["other"])
    return _RELATION_WORDS["other"]
