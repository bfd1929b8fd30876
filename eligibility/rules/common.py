"""Criteria several programs share.

Each helper is part of every rule version that calls it: never change one in place
(a stored decision would replay differently). Add a new helper next to it and call
that from the new rule version (see ``rules/__init__.py``).
"""

from ..decision import Criterion, check
from ..facts import Facts


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
