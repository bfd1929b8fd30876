"""The welfare fund's figures, read from its book in one statement (no scoping: callers
scope; ``casework.fund.selectors`` for users, the services and stats for the district).

The rules (**assumed, set locally**: the seed's 《区计划生育公益金管理暂行办法》, line 153,
states none of them):

- An entry counts ``+amount`` (income kinds) or ``-amount`` (spending kinds); a reversing
  entry counts the opposite of the entry it reverses, in the year it is booked in.
- A year's **carried-over** balance is everything booked in the earlier years: a year's
  closing balance carries over to the next in full.
- A year's **balance** is its carried-over balance plus its income minus its spending.
- **Available** in a year (the welfare-grant budget left): what may still be spent in
  that year without taking its balance, or any later year's, below zero; for the
  current year that is its balance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Case, DecimalField, F, IntegerField, Q, Sum, Value, When

from .models import FundEntry

Kind = FundEntry.Kind
INCOME_KINDS = tuple(k.value for k in FundEntry.INCOME_KINDS)
SPENDING_KINDS = tuple(k.value for k in FundEntry.SPENDING_KINDS)
ZERO = Decimal("0.00")
CENT = Decimal("0.01")

_IS_INCOME = Q(kind__in=INCOME_KINDS)
_IS_REVERSAL = Q(reverses__isnull=False)

#: what an entry does to the balance, in SQL (``FundEntry.signed_yuan``)
SIGNED = Case(
    When((_IS_INCOME & ~_IS_REVERSAL) | (~_IS_INCOME & _IS_REVERSAL), then=F("amount_yuan")),
    default=F("amount_yuan") * Value(-1),
    output_field=DecimalField(max_digits=14, decimal_places=2))
#: an entry counts once, its reversal takes it back
COUNTED = Case(When(_IS_REVERSAL, then=Value(-1)), default=Value(1),
               output_field=IntegerField())


def money(value) -> Decimal:
    return (value or ZERO).quantize(CENT) + ZERO  # never "-0.00"


@dataclass
class Book:
    """One district's fund, year by year: net amounts and net entry counts per
    (year, kind); ``area_*`` the same for the grants to cases of one area (a township or
    village prefix), when asked for."""

    nets: dict[tuple[int, str], Decimal] = field(default_factory=dict)
    counts: dict[tuple[int, str], int] = field(default_factory=dict)
    area_nets: dict[tuple[int, str], Decimal] = field(default_factory=dict)
    area_counts: dict[tuple[int, str], int] = field(default_factory=dict)

    @property
    def years(self) -> list[int]:
        return sorted({year for year, _ in self.nets})

    def net(self, year: int, kinds: tuple[str, ...]) -> Decimal:
        """The signed total of ``kinds`` in ``year`` (income +, spending -)."""
        return money(sum((self.nets.get((year, k), ZERO) for k in kinds), ZERO))

    def income(self, year: int, kinds: tuple[str, ...] = INCOME_KINDS) -> Decimal:
        return self.net(year, kinds)

    def spending(self, year: int, kinds: tuple[str, ...] = SPENDING_KINDS) -> Decimal:
        """Spent in ``year`` (a positive number), net of reversals."""
        return money(-self.net(year, kinds))

    def count(self, year: int, kind: str) -> int:
        return self.counts.get((year, kind), 0)

    def area_spending(self, year: int, kind: str = Kind.GRANT) -> Decimal:
        return money(-self.area_nets.get((year, kind), ZERO))

    def area_count(self, year: int, kind: str = Kind.GRANT) -> int:
        return self.area_counts.get((year, kind), 0)

    def carried_over(self, year: int) -> Decimal:
        """The balance at the end of the year before ``year``."""
        return money(sum((v for (y, _), v in self.nets.items() if y < year), ZERO))

    def balance(self, year: int) -> Decimal:
        """The balance at the end of ``year`` (now, for the current year)."""
        return money(sum((v for (y, _), v in self.nets.items() if y <= year), ZERO))

    def available(self, year: int) -> Decimal:
        """What may still be spent in ``year``: the lowest balance of ``year`` and every
        later year in the book (a spending in ``year`` lowers them all)."""
        last = max([year, *self.years])
        return min(self.balance(y) for y in range(year, last + 1))


def read_book(district_code: str, *, as_of: date | None = None, area_prefix: str = ""
              ) -> Book:
    """``district_code``'s fund, entries booked on or before ``as_of`` (all when None);
    with ``area_prefix``, also the grants to cases of that area. One statement."""
    rows = FundEntry.objects.filter(area_id=district_code)
    if as_of is not None:
        rows = rows.filter(booked_on__lte=as_of)
    sums = {"net": Sum(SIGNED), "n": Sum(COUNTED)}
    if area_prefix:
        in_area = Q(case_area__code__startswith=area_prefix)
        sums |= {"area_net": Sum(SIGNED, filter=in_area), "area_n": Sum(COUNTED, filter=in_area)}
    book = Book()
    for row in rows.order_by().values("year", "kind").annotate(**sums):
        key = (row["year"], row["kind"])
        book.nets[key] = money(row["net"])
        book.counts[key] = row["n"] or 0
        if area_prefix:
            book.area_nets[key] = money(row["area_net"])
            book.area_counts[key] = row["area_n"] or 0
    return book
