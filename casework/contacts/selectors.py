"""Contact households and reporting rounds: the reads, scoped to the user.

Who sees what (``casework.access``): staff see the assignments and reports of their area
(a prefix match on the row's village code); a reporting round is seen by the staff of its
area and by the staff of the villages it covers (a township round is its villages' too).
Families see none of this here (their page asks ``contact_of_household``).

Expected reports are derived: on each reporting day of a round (``reporting_days``), each
household of the round's area with an assignment open that day owes one report. The
services keep the stored reports consistent with that (a report needs the assignment open
on its day, an assignment cannot end on or before a day reported), so for every round and
village: expected = received + missing.

Every function reads a constant number of statements whatever the number of rows.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from casework import access
from casework.models import Area, Household, Person, User

from .models import ContactAssignment, ContactReport, ReportingRound

PAGE_SIZE = 50


# --- reporting days (pure) ---------------------------------------------------------------

def reporting_days(round_: ReportingRound, up_to: date | None = None) -> list[date]:
    """The round's reporting days, oldest first, up to ``up_to`` (inclusive) if given:
    every day from ``first_day`` to ``ends_on``, or on a set-days round the days whose day
    of the month is listed. A pure function of the round (no query)."""
    end = round_.ends_on if up_to is None else min(round_.ends_on, up_to)
    wanted = (set(round_.days_of_month or ())
              if round_.schedule == ReportingRound.Schedule.SET_DAYS else None)
    days, day = [], round_.first_day
    while day <= end:
        if wanted is None or day.day in wanted:
            days.append(day)
        day += timedelta(days=1)
    return days


def is_reporting_day(round_: ReportingRound, day: date) -> bool:
    """Whether ``day`` is one of the round's reporting days (no query)."""
    if day < round_.first_day or day > round_.ends_on:
        return False
    if round_.schedule == ReportingRound.Schedule.SET_DAYS:
        return day.day in set(round_.days_of_month or ())
    return True


def open_on_q(day: date, prefix: str = "") -> Q:
    """Assignments open on ``day`` (``prefix`` for a related model's field names)."""
    return (Q(**{f"{prefix}since__lte": day})
            & (Q(**{f"{prefix}until__isnull": True}) | Q(**{f"{prefix}until__gt": day})))


def days_covered(since: date, until: date | None, days: Sequence[date]) -> int:
    """How many of the sorted ``days`` fall in ``[since, until)``."""
    start = bisect_left(days, since)
    end = len(days) if until is None else bisect_left(days, until)
    return max(0, end - start)


def expected_by_village(spans: Iterable[tuple[str, date, date | None]],
                        days: Sequence[date]) -> dict[str, int]:
    """Reports owed per village over the sorted ``days``, from assignments given as
    (village code, since, until)."""
    counts: dict[str, int] = defaultdict(int)
    for village, since, until in spans:
        counts[village] += days_covered(since, until, days)
    return counts


# --- areas -------------------------------------------------------------------------------

def village_for(user: User, code: str) -> Area | None:
    """The village ``code`` if ``user`` may see it, else None."""
    if not code or access.level_of(code) != "village" or not access.in_scope(user, code, None):
        return None
    return Area.objects.filter(code=code, level=Area.Level.VILLAGE).first()


def villages_page(user: User, *, after: str = "", on: date | None = None,
                  size: int = PAGE_SIZE) -> tuple[list[dict], str | None]:
    """The villages of ``user``'s area by code (keyset: ``after`` a code), each with the
    number of contact members and households looked after on ``on``. Two statements."""
    on = on or timezone.localdate()
    if not (user.is_authenticated and user.area_id and user.role in access.STAFF_ROLES):
        return [], None
    rows = Area.objects.filter(level=Area.Level.VILLAGE, code__startswith=user.area_id)
    if after:
        rows = rows.filter(code__gt=after)
    page = list(rows.order_by("code").select_related("parent")[:size + 1])
    has_next, page = len(page) > size, page[:size]
    counts = {row["area_id"]: row for row in (
        ContactAssignment.objects.filter(open_on_q(on), area_id__in=[v.code for v in page])
        .values("area_id").order_by()
        .annotate(contacts=Count("contact_id", distinct=True), households=Count("id")))}
    listed = [{"village": v, "contacts": counts.get(v.code, {}).get("contacts", 0),
               "households": counts.get(v.code, {}).get("households", 0)} for v in page]
    return listed, (page[-1].code if has_next and page else None)


# --- assignments -------------------------------------------------------------------------

HEADS = Prefetch("household__members", queryset=Person.objects.filter(
    relationship=Person.Relationship.HEAD).only("id", "name", "household_id").order_by("id"),
    to_attr="heads")


def head_name(household: Household) -> str:
    """The household's head (from ``HEADS``-style prefetches), or ""."""
    heads = getattr(household, "heads", None)
    return heads[0].name if heads else ""


@dataclass
class ContactGroup:
    """A contact member with the households they look after."""

    contact: Person
    assignments: list[ContactAssignment] = field(default_factory=list)

    @property
    def active_member(self) -> bool:
        membership = getattr(self.contact, "membership", None)
        return membership is not None and membership.is_active_on(timezone.localdate())


def assignments_in(user: User) -> QuerySet:
    """Every assignment ``user`` may see."""
    return ContactAssignment.objects.filter(access.area_q(user, household_field=None))


def assignment_for(user: User, pk: int) -> ContactAssignment | None:
    """The assignment if ``user`` may see it, else None."""
    return (assignments_in(user).select_related("contact", "household", "area")
            .filter(pk=pk).first())


def contacts_page(user: User, village_code: str, *, on: date | None = None, after: int = 0,
                  size: int = PAGE_SIZE) -> tuple[list[ContactGroup], int | None]:
    """The village's contact members (keyset on the person's id), each with the
    households they look after on ``on``. Three statements."""
    on = on or timezone.localdate()
    open_rows = assignments_in(user).filter(open_on_q(on), area_id=village_code)
    ids_q = open_rows.values_list("contact_id", flat=True).order_by("contact_id").distinct()
    if after:
        ids_q = ids_q.filter(contact_id__gt=after)
    ids = list(ids_q[:size + 1])
    has_next, ids = len(ids) > size, ids[:size]
    rows = (open_rows.filter(contact_id__in=ids)
            .select_related("contact__membership", "household")
            .prefetch_related(HEADS).order_by("contact_id", "household__number"))
    groups: dict[int, ContactGroup] = {}
    for row in rows:
        groups.setdefault(row.contact_id, ContactGroup(row.contact)).assignments.append(row)
    return [groups[i] for i in ids if i in groups], (ids[-1] if has_next and ids else None)


def contact_candidates(village_code: str, on: date) -> QuerySet:
    """The association members of the village active on ``on``: who may be a contact."""
    return (Person.objects.filter(household__area_id=village_code,
                                  membership__joined__lte=on)
            .filter(Q(membership__left__isnull=True) | Q(membership__left__gt=on))
            .select_related("household", "membership").order_by("name", "id"))


def unassigned_households(village_code: str) -> QuerySet:
    """The village's households with no open assignment (to be given a contact member)."""
    taken = ContactAssignment.objects.filter(area_id=village_code, until__isnull=True)
    return (Household.objects.filter(area_id=village_code)
            .exclude(pk__in=taken.values("household_id"))
            .prefetch_related(Prefetch("members", queryset=Person.objects.filter(
                relationship=Person.Relationship.HEAD).only("id", "name", "household_id"),
                to_attr="heads"))
            .order_by("number"))


def open_assignment_count(person_id: int) -> int:
    """How many households ``person_id`` looks after now (open assignments): what a
    membership's end hands back to the village (``services.end_member_assignments``)."""
    return ContactAssignment.objects.filter(contact_id=person_id, until__isnull=True).count()


def contact_of_household(household_id: int, on: date | None = None
                         ) -> ContactAssignment | None:
    """The household's contact member on ``on`` (today), for the family's own page."""
    on = on or timezone.localdate()
    return (ContactAssignment.objects.filter(open_on_q(on), household_id=household_id)
            .select_related("contact").only("since", "contact__name").first())


# --- rounds ------------------------------------------------------------------------------

def _ancestors(code: str) -> list[str]:
    """The codes of the township and district above a village or township code."""
    return [code[:n] for n in (6, 9) if len(code) > n]


def rounds_for(user: User) -> QuerySet:
    """The rounds ``user`` sees: those of their area, and those covering it (a village's
    staff see their township's rounds)."""
    if not (user.is_authenticated and user.is_active and user.role in access.STAFF_ROLES
            and user.area_id):
        return ReportingRound.objects.none()
    return ReportingRound.objects.filter(
        Q(area__code__startswith=user.area_id) | Q(area_id__in=_ancestors(user.area_id)))


def round_for(user: User, pk: int) -> ReportingRound | None:
    """The round if ``user`` sees it, else None."""
    return rounds_for(user).select_related("area").filter(pk=pk).first()


def round_prefix(user: User, round_: ReportingRound) -> str:
    """The villages of the round ``user`` sees: the longer of the two codes (one is a
    prefix of the other for a round the user sees)."""
    return max(round_.area_id, user.area_id or "", key=len)


def round_villages(user: User, round_: ReportingRound) -> list[Area]:
    """The villages of the round that ``user`` sees, by code. One statement."""
    prefix = round_prefix(user, round_)
    return list(Area.objects.filter(level=Area.Level.VILLAGE, code__startswith=prefix)
                .order_by("code"))


def default_day(round_: ReportingRound, today: date | None = None) -> date:
    """The day a round's page opens on: the last reporting day up to today, else its
    first reporting day."""
    today = today or timezone.localdate()
    past = reporting_days(round_, up_to=today)
    if past:
        return past[-1]
    upcoming = reporting_days(round_)
    return upcoming[0] if upcoming else round_.first_day


@dataclass
class SheetRow:
    """A household in the day's sheet, with its report if filed."""

    assignment: ContactAssignment
    report: ContactReport | None

    @property
    def household(self) -> Household:
        return self.assignment.household


@dataclass
class ContactSheet:
    """One contact member's households for a day: what the village's form shows."""

    contact: Person
    rows: list[SheetRow] = field(default_factory=list)

    @property
    def filed(self) -> int:
        return sum(1 for r in self.rows if r.report is not None)


def day_sheet(round_: ReportingRound, village_code: str, day: date) -> list[ContactSheet]:
    """The village's contact members on ``day``, each with their households and the
    reports filed for them. Three statements (the caller checked the scope)."""
    if not (round_.covers(village_code) and is_reporting_day(round_, day)):
        return []
    rows = (ContactAssignment.objects.filter(open_on_q(day), area_id=village_code)
            .select_related("contact__membership", "household").prefetch_related(HEADS)
            .order_by("contact_id", "household__number"))
    reports = {r.household_id: r for r in ContactReport.objects.filter(
        round_id=round_.pk, report_date=day, area_id=village_code)}
    sheets: dict[int, ContactSheet] = {}
    for row in rows:
        sheets.setdefault(row.contact_id, ContactSheet(row.contact)).rows.append(
            SheetRow(row, reports.get(row.household_id)))
    return list(sheets.values())


@dataclass
class MissingRow:
    """A (contact member, household) pair that owes reports: the days without one."""

    contact: Person
    household: Household
    days: list[date]

    @property
    def village_code(self) -> str:
        return self.household.area_id


def missing_reports(round_: ReportingRound, area_code: str, *, day: date | None = None,
                    up_to: date | None = None) -> list[MissingRow]:
    """The (contact, household) pairs with no report in the villages of ``area_code`` (a
    village, or the round's township): for ``day`` if given, else for every reporting day
    of the round up to ``up_to`` (today). Ordered by village, contact and household.
    Three statements (the caller checked the scope: ``round_prefix``)."""
    today = timezone.localdate()
    if not (area_code.startswith(round_.area_id) or round_.area_id.startswith(area_code)):
        return []
    prefix = max(area_code, round_.area_id, key=len)
    if day is not None:
        days = [day] if is_reporting_day(round_, day) and day <= today else []
    else:
        days = reporting_days(round_, up_to=min(up_to or today, today))
    if not days:
        return []
    first, last = days[0], days[-1]
    rows = (ContactAssignment.objects
            .filter(Q(until__isnull=True) | Q(until__gt=first), area__code__startswith=prefix,
                    since__lte=last)
            .select_related("contact", "household").prefetch_related(HEADS)
            .order_by("area_id", "contact_id", "household__number", "since"))
    filed = set(ContactReport.objects.filter(
        round_id=round_.pk, area__code__startswith=prefix, report_date__gte=first,
        report_date__lte=last).values_list("household_id", "report_date"))
    missing = []
    for row in rows:
        owed = [d for d in days if row.is_open_on(d) and (row.household_id, d) not in filed]
        if owed:
            missing.append(MissingRow(row.contact, row.household, owed))
    return missing


@dataclass
class VillageCounts:
    """A village's reports in a round: expected, received, missing, for a day and for the
    round up to that day."""

    village: Area
    day_expected: int = 0
    day_received: int = 0
    round_expected: int = 0
    round_received: int = 0

    @property
    def day_missing(self) -> int:
        return self.day_expected - self.day_received

    @property
    def round_missing(self) -> int:
        return self.round_expected - self.round_received


@dataclass
class Rollup:
    """The round's roll-up by village (of the user's part of it), with the totals."""

    day: date
    up_to: date
    rows: list[VillageCounts]
    total: VillageCounts


def rollup(user: User, round_: ReportingRound, *, day: date | None = None) -> Rollup:
    """Per village of the round (those ``user`` sees): reports expected, received and
    missing on ``day`` (default ``default_day``) and over the round's reporting days up
    to it (never after today), and the totals. Four statements."""
    today = timezone.localdate()
    day = day or default_day(round_, today)
    up_to = min(day, today)
    days = reporting_days(round_, up_to=up_to)
    villages = round_villages(user, round_)
    prefix = round_prefix(user, round_)
    spans = list(ContactAssignment.objects.filter(area__code__startswith=prefix)
                 .values_list("area_id", "since", "until"))
    on_day = [day] if day in days else []
    round_expected = expected_by_village(spans, days)
    day_expected = expected_by_village(spans, on_day)
    received = defaultdict(int)
    received_day = defaultdict(int)
    if days:
        for row in (ContactReport.objects.filter(round_id=round_.pk, area__code__startswith=prefix,
                                                 report_date__lte=up_to)
                    .values("area_id", "report_date").order_by()
                    .annotate(n=Count("id"))):
            received[row["area_id"]] += row["n"]
            if row["report_date"] == day and on_day:
                received_day[row["area_id"]] += row["n"]
    rows = [VillageCounts(v, day_expected.get(v.code, 0), received_day.get(v.code, 0),
                          round_expected.get(v.code, 0), received.get(v.code, 0))
            for v in villages]
    total = VillageCounts(round_.area, sum(r.day_expected for r in rows),
                          sum(r.day_received for r in rows), sum(r.round_expected for r in rows),
                          sum(r.round_received for r in rows))
    return Rollup(day=day, up_to=up_to, rows=rows, total=total)


def reports_in(user: User, round_: ReportingRound) -> QuerySet:
    """The round's reports ``user`` may see (their area's)."""
    return ContactReport.objects.filter(access.area_q(user, household_field=None),
                                        round_id=round_.pk)
