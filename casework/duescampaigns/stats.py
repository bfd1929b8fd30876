"""Dues collection in numbers: how many members owe a year's dues, how many paid, what
was collected, for an area (a village, a township or the district), as of a date.

The rules, exact, the same for ``dues_stats`` (one area) and ``rates`` (by township and
village):

- **Members owing** for ``year``: the memberships of the area's households that owe dues
  for that year by ``casework.register.dues.due_years`` (the year is a dues year, the member joined
  by its end and left no earlier than 2 January of it) and had joined by ``as_of``
  (a membership recorded with a later joining date was not on the roster yet).
- **Members paid**: those of the owing members with a payment for ``year`` made on or
  before ``as_of``, or with no payment date (payments brought in from the paper lists).
- **Dues collected**: the sum of the payments for ``year`` recorded in the area's
  villages (``DuesPayment.area``, the village where it was paid), with the same date cut.
- **Collection percent**: members paid / members owing, as a percentage with one
  decimal place (half up); 0.0 when nobody owes.

Each function reads a constant number of statements whatever the number of members.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum

from casework.models import Area, DuesPayment, Membership
from casework.register import dues

from .models import DuesCampaign
from .selectors import ancestors

ZERO = Decimal("0.00")


def percent(part: int, whole: int) -> Decimal:
    """``part`` of ``whole`` in percent, one decimal place (half up); 0.0 of nothing."""
    if not whole:
        return Decimal("0.0")
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def owing_memberships(area_code: str, year: int, as_of: date) -> QuerySet:
    """The memberships of ``area_code``'s households that owe dues for ``year``."""
    if dues.amount_for(year) is None:
        return Membership.objects.none()
    return Membership.objects.filter(
        person__household__area__code__startswith=area_code,
        joined__lte=min(as_of, date(year, 12, 31)),
    ).filter(Q(left__isnull=True) | Q(left__gt=date(year, 1, 1)))


def _paid_by(year: int, as_of: date) -> Q:
    return Q(year=year) & (Q(paid_on__isnull=True) | Q(paid_on__lte=as_of))


def _has_paid(year: int, as_of: date) -> Exists:
    return Exists(DuesPayment.objects.filter(_paid_by(year, as_of),
                                             membership_id=OuterRef("pk")))


def payments_for(area_code: str, year: int, as_of: date) -> QuerySet:
    """The payments for ``year`` recorded in ``area_code``'s villages by ``as_of``."""
    return DuesPayment.objects.filter(_paid_by(year, as_of),
                                      area__code__startswith=area_code)


def _campaigns(area_code: str, year: int) -> QuerySet:
    """The year's campaigns of the area, of the areas in it and above it."""
    return (DuesCampaign.objects.filter(year=year)
            .filter(Q(area__code__startswith=area_code) | Q(area_id__in=ancestors(area_code)))
            .select_related("area").order_by("area_id"))


def dues_stats(*, area_code: str, year: int, as_of: date) -> dict:
    """The dues collection of ``area_code`` for ``year`` as of ``as_of`` (three
    statements): ``members_owing``, ``members_paid``, ``dues_collected_yuan`` (Decimal),
    ``collection_percent`` (Decimal, one place) and ``pilot_townships`` (the townships
    with a pilot campaign that year in or above the area: ``[{"code", "name"}]`` by
    code)."""
    counts = owing_memberships(area_code, year, as_of).aggregate(
        owing=Count("pk"), paid=Count("pk", filter=Q(_has_paid(year, as_of))))
    collected = payments_for(area_code, year, as_of).aggregate(
        total=Sum("amount_yuan"))["total"] or ZERO
    pilots = [{"code": c.area_id, "name": c.area.name}
              for c in _campaigns(area_code, year)
              if c.pilot and c.area.level == Area.Level.TOWNSHIP]
    return {
        "area_code": area_code, "year": year, "as_of": as_of,
        "members_owing": counts["owing"], "members_paid": counts["paid"],
        "dues_collected_yuan": collected,
        "collection_percent": percent(counts["paid"], counts["owing"]),
        "pilot_townships": pilots,
    }


# --- rates by township and village ------------------------------------------------------------

@dataclass
class Rate:
    """One area's line of the rates table."""

    code: str
    name: str
    level: str
    members_owing: int = 0
    members_paid: int = 0
    dues_collected_yuan: Decimal = ZERO
    campaign: DuesCampaign | None = None  # the area's own campaign of the year

    @property
    def collection_percent(self) -> Decimal:
        return percent(self.members_paid, self.members_owing)

    @property
    def pilot(self) -> bool:
        return bool(self.campaign and self.campaign.pilot)

    @property
    def township(self) -> str:
        return self.code[:9]

    @property
    def below_target(self) -> bool:
        target = self.campaign.target_percent if self.campaign else None
        return target is not None and self.collection_percent < target

    def add(self, other: Rate) -> None:
        self.members_owing += other.members_owing
        self.members_paid += other.members_paid
        self.dues_collected_yuan += other.dues_collected_yuan


@dataclass
class Rates:
    """The rates of an area for a year: the area as a whole (``total``), its townships
    (or the township of a village) and its villages, by code; and the year's campaigns
    of the area and above it."""

    year: int
    as_of: date
    total: Rate
    townships: list[Rate] = field(default_factory=list)
    villages: list[Rate] = field(default_factory=list)
    campaigns: list[DuesCampaign] = field(default_factory=list)

    @property
    def district_campaign(self) -> DuesCampaign | None:
        return next((c for c in self.campaigns if len(c.area_id) == 6), None)


def rates(*, area: Area, year: int, as_of: date) -> Rates:
    """Collection rates of ``area`` for ``year`` as of ``as_of``, by township and
    village (every village of the area, those nobody owes in included), in four
    statements whatever the number of villages and members."""
    code = area.code
    by_village = {
        row["village"]: row for row in
        owing_memberships(code, year, as_of).order_by()
        .values(village=F("person__household__area_id"))
        .annotate(owing=Count("pk"), paid=Count("pk", filter=Q(_has_paid(year, as_of))))
    }
    collected = dict(payments_for(code, year, as_of).order_by().values("area_id")
                     .annotate(total=Sum("amount_yuan")).values_list("area_id", "total"))
    places = list(Area.objects.filter(Q(code__startswith=code) | Q(code__in=ancestors(code)))
                  .order_by("code").values_list("code", "name", "level"))
    campaigns = list(_campaigns(code, year))
    own = {c.area_id: c for c in campaigns}
    names = {c: n for c, n, _level in places}
    total = Rate(code, area.name, area.level, campaign=own.get(code))
    townships: dict[str, Rate] = {}
    villages = []
    for place, name, level in places:
        if level == Area.Level.TOWNSHIP and (place.startswith(code) or code.startswith(place)):
            townships[place] = Rate(place, name, level, campaign=own.get(place))
    for place, name, level in places:
        if level != Area.Level.VILLAGE or not place.startswith(code):
            continue
        row = by_village.get(place, {})
        village = Rate(place, name, level, members_owing=row.get("owing", 0),
                       members_paid=row.get("paid", 0),
                       dues_collected_yuan=collected.get(place) or ZERO)
        villages.append(village)
        total.add(village)
        township = townships.get(village.township)
        if township is None:  # a village whose township is not in the tree
            township = townships[village.township] = Rate(
                village.township, names.get(village.township, village.township),
                Area.Level.TOWNSHIP, campaign=own.get(village.township))
        township.add(village)
    return Rates(year=year, as_of=as_of, total=total,
                 townships=sorted(townships.values(), key=lambda r: r.code),
                 villages=villages, campaigns=campaigns)
