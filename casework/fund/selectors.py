"""Who reads what of the welfare fund (no side effects).

The fund is the district's (``FundEntry.area`` is the district):

- **The ledger** (every entry, the income and spending totals, the balance, the grant
  budget left) is read by the staff whose scope covers the district: its district
  approvers and administrators (who also keep it), its auditors (read-only).
- **Township and village staff** read only the grants paid to cases of their own area
  (``FundEntry.case_area`` is the case's village): how many, how much, and those grant
  entries with their reversals. The fund's income, donors and other spending are the
  district's business (decided here; say so when asked).
- Families read nothing of it.
"""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from casework import access
from casework.errors import NotPermitted
from casework.models import User

from . import ledger
from .models import FundEntry
from .services import district_of, year_summary

#: what a ledger row shows, joined once
LIST_RELATED = ("case_area", "recorded_by", "reverses", "reversal")


def is_staff(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role in access.STAFF_ROLES
                and user.area_id)


def district_for(user: User) -> str:
    """The district whose fund ``user`` works with: their area's."""
    return district_of(user.area_id or "")


def reads_ledger(user: User, district_code: str | None = None) -> bool:
    """Whether ``user`` reads the whole ledger of ``district_code`` (their own district's
    by default): staff whose scope covers the district."""
    district_code = district_code or district_for(user)
    return is_staff(user) and bool(district_code) and access.in_scope(user, district_code,
                                                                        None)


def may_keep(user: User, district_code: str | None = None) -> bool:
    """Whether ``user`` books in the fund of ``district_code`` (their own by default)."""
    return access.may_keep(user, district_code or district_for(user))


def entries_for(user: User, *, year: int | None = None) -> QuerySet:
    """The entries ``user`` may see (of ``year`` when given), with what a row shows."""
    if not is_staff(user):
        return FundEntry.objects.none()
    if reads_ledger(user):
        rows = access.scope(FundEntry.objects.all(), user, household_field=None)
    else:
        rows = FundEntry.objects.filter(
            access.area_q(user, area_field="case_area", household_field=None),
            kind=FundEntry.Kind.GRANT)
    if year is not None:
        rows = rows.filter(year=year)
    return rows.select_related(*LIST_RELATED)


def entry_for(user: User, entry_id: int) -> FundEntry:
    """One entry ``user`` may see; ``FundEntry.DoesNotExist`` otherwise (a 404, whether it
    exists or not)."""
    return entries_for(user).get(pk=entry_id)


def summary_for(user: User, year: int, *, as_of: date | None = None) -> dict:
    """``year`` as ``user`` may see it (one statement).

    Ledger readers: ``year_summary`` with ``"scope": "fund"``. Township and village
    staff: ``"scope": "grants"``, their area and the number and yuan of the grants to
    its cases (net of reversals). Others: ``NotPermitted``.
    """
    if not is_staff(user):
        raise NotPermitted(_("Only staff read the welfare fund."))
    if reads_ledger(user):
        return {"scope": "fund", "area": district_for(user),
                **year_summary(year, district_code=district_for(user), as_of=as_of)}
    book = ledger.read_book(district_for(user), as_of=as_of, area_prefix=user.area_id)
    return {"scope": "grants", "year": year, "area": user.area_id,
            "district": district_for(user), "grants": book.area_count(year),
            "grants_yuan": book.area_spending(year)}

