"""The welfare fund in the statistics report to the city association (exact figures).

``fund_stats(area_code=..., year=..., as_of=...)`` reads the entries booked on or before
``as_of``, net of reversals (a reversal counts on the day it was booked). The fund is
the district's, so its income, spending, carried-over balance and balance are always
the **district's** figures, whatever ``area_code``; only ``grants_yuan`` and ``grants``
follow ``area_code``: for a township (or village) they count the grants to cases of that
area, for the district all grants. The balance rule (carried over + income - spending)
is assumed, set locally (``casework.fund.ledger``).
"""

from __future__ import annotations

from datetime import date

from . import ledger
from .services import district_of

Kind = ledger.Kind


def fund_stats(*, area_code: str, year: int, as_of: date) -> dict:
    """The fund's ``year`` as of ``as_of`` for the report of ``area_code`` (one statement).

    Keys: ``income_yuan`` (allocations + donations + other income), ``allocations_yuan``,
    ``donations_yuan``, ``spending_yuan`` (grants + other spending), ``grants_yuan`` and
    ``grants`` (count; both for ``area_code``'s cases, net of reversals),
    ``carried_over_yuan`` (the balance at the end of the earlier years) and
    ``balance_yuan`` (carried over + income - spending). Amounts are ``Decimal`` yuan.
    """
    district = district_of(area_code)
    local = len(area_code) > len(district)
    book = ledger.read_book(district, as_of=as_of, area_prefix=area_code if local else "")
    income = book.income(year)
    spending = book.spending(year)
    carried = book.carried_over(year)
    return {
        "income_yuan": income,
        "allocations_yuan": book.income(year, (Kind.ALLOCATION,)),
        "donations_yuan": book.income(year, (Kind.DONATION,)),
        "spending_yuan": spending,
        "grants_yuan": (book.area_spending(year) if local
                        else book.spending(year, (Kind.GRANT,))),
        "grants": book.area_count(year) if local else book.count(year, Kind.GRANT),
        "carried_over_yuan": carried,
        "balance_yuan": ledger.money(carried + income - spending),
    }
