"""Reading health-check campaigns: scoped to the user, a constant number of statements.

- ``campaigns_for``: the campaigns of the user's area (a village reviewer their village,
  township and district staff and auditors theirs), each with its counts, for keyset pages.
- ``campaign_for``: one campaign, or 404 when it is not the user's to see (whether it
  exists or not).
- ``records_of``: a campaign's member list with the persons and households, by list order.
- ``coverage``: per village of an area and year, rolled up per township and for the
  whole area: listed, done, referred, not done, pending, coverage = (done + referred) /
  listed. Two statements whatever the number of villages.
- For the eligibility facts (unscoped, the system's own reads): ``village_has_campaign``,
  ``villages_with_campaign``, ``checks_done``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils.translation import gettext as _

from casework import access
from casework.models import Area, User

from .models import HealthCheckCampaign, HealthCheckRecord

Result = HealthCheckRecord.Result

COUNTS = {
    "listed": Count("records"),
    "done": Count("records", filter=Q(records__result=Result.DONE)),
    "referred": Count("records", filter=Q(records__result=Result.REFERRED)),
    "not_done": Count("records", filter=Q(records__result=Result.NOT_DONE)),
    "pending": Count("records", filter=Q(records__result=Result.PENDING)),
}


def percent(part: int, whole: int) -> Decimal | None:
    """``part`` of ``whole`` in per cent, one decimal place (half up); None of nothing."""
    if not whole:
        return None
    return (Decimal(part * 100) / Decimal(whole)).quantize(Decimal("0.1"),
                                                           rounding=ROUND_HALF_UP)


@dataclass
class Counts:
    """A list's numbers: members listed and how many of them have each result."""

    listed: int = 0
    done: int = 0
    referred: int = 0
    not_done: int = 0
    pending: int = 0

    @property
    def checked(self) -> int:
        """Examined: done or referred."""
        return self.done + self.referred

    @property
    def coverage_percent(self) -> Decimal | None:
        """(done + referred) / listed, per cent with one place; None when nobody is listed."""
        return percent(self.checked, self.listed)

    def add(self, other: Counts) -> None:
        for name in ("listed", "done", "referred", "not_done", "pending"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict:
        return {"listed": self.listed, "done": self.done, "referred": self.referred,
                "not_done": self.not_done, "pending": self.pending,
                "coverage_percent": self.coverage_percent}


def counts_of(row) -> Counts:
    """The ``Counts`` of a campaign annotated by ``with_counts`` (or a dict of them)."""
    get = row.get if isinstance(row, dict) else (lambda name: getattr(row, name))
    return Counts(**{name: get(name) or 0 for name in COUNTS})


# --- campaigns -----------------------------------------------------------------------------

def with_counts(campaigns: QuerySet) -> QuerySet:
    """``campaigns`` annotated with ``listed``, ``done``, ``referred``, ``not_done`` and
    ``pending`` (one statement with the page: a grouped join on the records)."""
    return campaigns.annotate(**COUNTS)


def campaigns_for(user: User, *, year: int | None = None, area_code: str = "") -> QuerySet:
    """The campaigns ``user`` may see, newest first (by id, for keyset pages), with their
    village and township and their counts; optionally of one year and under one area."""
    rows = access.scope(HealthCheckCampaign.objects.all(), user, household_field=None)
    if year is not None:
        rows = rows.filter(year=year)
    if area_code:
        rows = rows.filter(area__code__startswith=area_code)
    return with_counts(rows.select_related("area", "area__parent")).order_by("-id")


def campaign_for(user: User, campaign_id: int, *, counts: bool = False
                 ) -> HealthCheckCampaign:
    """The campaign if ``user`` may see it, else ``Http404`` (whether it exists or not)."""
    rows = access.scope(HealthCheckCampaign.objects.select_related("area", "area__parent"),
                        user, household_field=None).filter(pk=campaign_id)
    if counts:
        rows = with_counts(rows)
    campaign = rows.first()
    if campaign is None:
        raise Http404(_("No such health-check campaign among those you may see."))
    return campaign


def records_of(campaign: HealthCheckCampaign, *, result: str = "") -> QuerySet:
    """The campaign's list in list order (household by household as generated), with
    each person and household; optionally only one result."""
    rows = HealthCheckRecord.objects.filter(campaign_id=campaign.pk)
    if result:
        rows = rows.filter(result=result)
    return rows.select_related("person__household").order_by("id")


def this_years_campaign(village_code: str, year: int) -> HealthCheckCampaign | None:
    """The village's campaign of ``year`` (for the family page: the family's own village)."""
    return HealthCheckCampaign.objects.filter(area_id=village_code, year=year).first()


# --- coverage ------------------------------------------------------------------------------

@dataclass
class VillageCoverage:
    """One village's line: its campaign (None when it has none that year) and counts."""

    area: Area
    campaign_id: int | None = None
    first_day: date | None = None
    last_day: date | None = None
    funding_yuan: Decimal | None = None
    counts: Counts = field(default_factory=Counts)


@dataclass
class AreaCoverage:
    """A township's (or the whole area's) roll-up of its villages."""

    area: Area | None
    villages: list[VillageCoverage] = field(default_factory=list)
    campaigns: int = 0
    funding_yuan: Decimal = Decimal("0.00")
    counts: Counts = field(default_factory=Counts)

    def take(self, line: VillageCoverage) -> None:
        if line.campaign_id is not None:
            self.campaigns += 1
            self.funding_yuan += line.funding_yuan or Decimal("0")
        self.counts.add(line.counts)


@dataclass
class CoverageReport:
    """Coverage of ``year`` under ``area_code``: townships (each with its villages, in
    code order) and the total."""

    year: int
    area_code: str
    townships: list[AreaCoverage]
    total: AreaCoverage

    @property
    def villages(self) -> list[VillageCoverage]:
        return [line for township in self.townships for line in township.villages]


def scope_prefix(user: User, area_code: str = "") -> str | None:
    """The area prefix ``user`` asks about: ``area_code`` when it lies in the user's area,
    the user's own area when ``area_code`` is empty or holds it (a village reviewer asking
    about their township sees their village); None when the two do not meet or the user
    is no staff member."""
    if not (user.is_authenticated and user.is_active and user.role in access.STAFF_ROLES
            and user.area_id):
        return None
    if not area_code or user.area_id.startswith(area_code):
        return user.area_id
    if area_code.startswith(user.area_id):
        return area_code
    return None


def coverage(user: User, *, year: int, area_code: str = "") -> CoverageReport:
    """Every village under the user's area (or ``area_code`` within it), with its
    campaign of ``year`` and its counts, rolled up per township and in total: two
    statements (the villages with their townships; the campaigns with their counts)."""
    prefix = scope_prefix(user, area_code)
    if prefix is None:
        return CoverageReport(year=year, area_code=area_code, townships=[],
                              total=AreaCoverage(area=None))
    return coverage_under(prefix, year=year)


def coverage_under(prefix: str, *, year: int) -> CoverageReport:
    """``coverage`` for an area prefix the caller has already scoped."""
    villages = list(Area.objects.filter(level=Area.Level.VILLAGE, code__startswith=prefix)
                    .select_related("parent__parent").order_by("code"))
    campaigns = {row["area_id"]: row for row in with_counts(
        HealthCheckCampaign.objects.filter(year=year, area__code__startswith=prefix))
        .values("id", "area_id", "first_day", "last_day", "funding_yuan", *COUNTS)}
    townships: dict[str, AreaCoverage] = {}
    total = AreaCoverage(area=_area_of(prefix, villages))
    for village in villages:
        row = campaigns.get(village.code)
        line = VillageCoverage(area=village)
        if row is not None:
            line = VillageCoverage(area=village, campaign_id=row["id"],
                                   first_day=row["first_day"], last_day=row["last_day"],
                                   funding_yuan=row["funding_yuan"], counts=counts_of(row))
        township = townships.setdefault(village.parent_id or "",
                                        AreaCoverage(area=village.parent))
        township.villages.append(line)
        township.take(line)
        total.take(line)
    return CoverageReport(year=year, area_code=prefix, townships=list(townships.values()),
                          total=total)


def _area_of(prefix: str, villages: Sequence[Area]) -> Area | None:
    """The area ``prefix`` names, from the villages already read (no statement)."""
    for village in villages[:1]:
        for area in (village, village.parent, village.parent and village.parent.parent):
            if area is not None and area.code == prefix:
                return area
    return None


# --- for the eligibility facts (unscoped) -------------------------------------------------

def village_has_campaign(village_code: str, year: int) -> bool:
    """Whether the village holds a health check in ``year`` (funds it from the collective)."""
    return HealthCheckCampaign.objects.filter(area_id=village_code, year=year).exists()


def villages_with_campaign(year: int) -> set[str]:
    """The codes of the villages with a campaign in ``year`` (one statement)."""
    return set(HealthCheckCampaign.objects.filter(year=year)
               .values_list("area_id", flat=True))


def checks_done(person_ids: Sequence[int], year: int) -> dict[int, int]:
    """Per person: checks done or referred in campaigns of ``year`` (persons with none
    are left out). One statement."""
    if not person_ids:
        return {}
    rows = (HealthCheckRecord.objects
            .filter(person_id__in=list(person_ids), campaign__year=year,
                    result__in=HealthCheckRecord.CHECKED)
            .order_by().values("person_id").annotate(n=Count("id"))
            .values_list("person_id", "n"))
    return dict(rows)


def funding_of(campaigns: QuerySet) -> Decimal:
    """The sum of ``campaigns``' funding (0.00 when none)."""
    return campaigns.aggregate(total=Sum("funding_yuan"))["total"] or Decimal("0.00")
