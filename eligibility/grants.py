"""What a grant gives, as policy: the period it runs for, how it goes on, and its amount.

Pure functions of a program's parameters (the values in force when it is granted or
renewed); ``casework.services.issue_entitlement``, the re-certification's renewals and the
what-if simulation all ask here, so a period or an amount is computed one way.

- ``validity_period``: "calendar_year" (the grant runs to 31 December of its year: the
  yearly health check, "每年…一次", seed line 150; the yearly pension subsidy) or "years"
  (``card_validity_years`` years from the grant, less a day: the medical card). A missing
  value reads as "years".
- ``renewal``: "recertification" (the year's re-check renews it when its period ends in
  that year, or a village review decides) or "application" (once the period has ended the
  family applies again; the welfare grant, the health check).
- the amount: ``benefit_yuan``, one name for every program (0 for a benefit in kind);
  a program may pay a special family (计生特殊家庭) more: ``benefit_special_yuan`` (the
  welfare grant).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

CALENDAR_YEAR = "calendar_year"
YEARS = "years"
RECERTIFICATION = "recertification"
APPLICATION = "application"


def add_years(day: date, years: int) -> date:
    """``day`` ``years`` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def period_from(params: Mapping[str, Any], start: date) -> tuple[date, date]:
    """The period a grant (or a renewal) starting on ``start`` runs for: (first day, last
    day), both inclusive."""
    if params.get("validity_period") == CALENDAR_YEAR:
        return start, date(start.year, 12, 31)
    years = max(1, int(params.get("card_validity_years", 1) or 1))
    return start, add_years(start, years) - timedelta(days=1)


def renews_by_recertification(params: Mapping[str, Any]) -> bool:
    """Whether the year's re-certification renews this program's grants (else the family
    applies again once a period has ended)."""
    return params.get("renewal", RECERTIFICATION) == RECERTIFICATION


def due_for_renewal(valid_to: date, year: int) -> bool:
    """Whether a period ending on ``valid_to`` needs renewing by ``year``'s
    re-certification: it ends before the year does (a calendar-year grant of the year
    before ends on 31 December, the day before the year's rules apply)."""
    return valid_to < date(year, 12, 31)


def pays_special_families_more(params: Mapping[str, Any]) -> bool:
    """Whether the amount depends on the household being a special family (so a caller
    reads that fact only when it matters)."""
    return params.get("benefit_special_yuan") is not None


def grant_amount(params: Mapping[str, Any], *, special_family: str = "") -> Decimal:
    """What one grant pays for one period under its program's ``params`` (0 in kind)."""
    if special_family and pays_special_families_more(params):
        return Decimal(str(params["benefit_special_yuan"]))
    return Decimal(str(params.get("benefit_yuan", 0) or 0))


__all__ = ["APPLICATION", "CALENDAR_YEAR", "RECERTIFICATION", "YEARS", "add_years",
           "card_benefits",
           "due_for_renewal", "grant_amount", "pays_special_families_more", "period_from",
           "renews_by_recertification"]


def card_benefits(params: Mapping[str, Any], language: str = "zh-hans") -> list[str]:
    """What a card gives, as the lines printed on it and shown to the family: one line per
    group of the ``card_benefits`` parameter ("一免：免收普通挂号费", "二优：优先挂号；
    住院床位费优惠20%", ...), in the order the parameter lists them; empty for a program
    without one."""
    english = language.startswith("en")
    groups: dict[str, list[str]] = {}
    for item in params.get("card_benefits") or ():
        label = (item.get("group_en") or item.get("group", "")) if english else item.get(
            "group", "")
        groups.setdefault(label, []).append(item.get("en" if english else "zh", ""))
    if english:
        return [f"{label}: {'; '.join(texts)}" if label else "; ".join(texts)
                for label, texts in groups.items()]
    return [f"{label}：{'；'.join(texts)}" if label else "；".join(texts)
            for label, texts in groups.items()]
