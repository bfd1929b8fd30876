"""Contact households and reporting rounds: the only writers.

Each function checks permission first (``access.require_keeper`` on the area the change
belongs to: a village's assignments and reports are its village reviewer's, a township
round its township approver's; administrators of the area keep both), validates, writes
and records a ``RecordEvent`` in one transaction. Bad input is an ``InvalidInput`` naming
the field; a state conflict (a household that already has a contact member, a closed
round) a ``CaseConflict``. A batch (several households assigned, one contact member's
report on several households) is all or nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from casework import access
from casework.errors import CaseConflict, InvalidInput
from casework.field_rules import check_values, normalize_text
from casework.history.record_events import record
from casework.models import Area, Household, Membership, Person, User

from .models import (
    MAX_ROUND_DAYS,
    NOTE_MAX,
    ContactAssignment,
    ContactReport,
    ReportingRound,
)
from .selectors import is_reporting_day, reporting_days

TITLE_MAX = 120
REASON_MAX = 300


def _locked(rows):
    return rows.select_for_update() if connection.features.has_select_for_update else rows


def _active_member(person: Person, on: date) -> bool:
    membership = Membership.objects.filter(person_id=person.pk).first()
    return membership is not None and membership.is_active_on(on)


def _check_contact(contact: Person, village_code: str, on: date) -> None:
    """``contact`` is an association member of ``village_code``, active on ``on``."""
    if contact.household.area_id != village_code:
        raise InvalidInput(_("%(name)s does not live in this village.") % {
            "name": contact.name}, field="contact")
    if not _active_member(contact, on):
        raise InvalidInput(_("%(name)s is not an active association member on %(date)s.") % {
            "name": contact.name, "date": on.isoformat()}, field="contact")


# --- assignments -----------------------------------------------------------------------------

def assign_contact(*, actor: User, contact: Person, households: Sequence[Household],
                   since: date | None = None) -> list[ContactAssignment]:
    """``contact`` looks after ``households`` (all of their village) from ``since`` (default
    today): one assignment each, all or nothing.

    Refused: a household of another village, the contact's own household, a household
    listed twice (``households``); a contact who is not an active member of the village on
    ``since`` (``contact``); ``since`` in the future (``since``); a household that already
    has a contact member, or whose earlier assignment ended after ``since``
    (``CaseConflict`` on ``households``).
    """
    today = timezone.localdate()
    since = since or today
    village_code = contact.household.area_id
    with transaction.atomic():
        access.require_keeper(actor, village_code)
        if since > today:
            raise InvalidInput(_("The start date is in the future."), field="since")
        check_values(ContactAssignment, since=since)
        _check_contact(contact, village_code, since)
        ids = [h.pk for h in households]
        if not ids:
            raise InvalidInput(_("Choose at least one household."), field="households")
        if len(set(ids)) != len(ids):
            raise InvalidInput(_("A household is listed twice."), field="households")
        locked = {h.pk: h for h in _locked(Household.objects.filter(pk__in=ids)
                                           .order_by("pk"))}
        for pk in ids:
            household = locked.get(pk)
            if household is None or household.area_id != village_code:
                raise InvalidInput(_("Household %(number)s is not in the contact member's "
                                     "village.") % {"number": getattr(household, "number", pk)},
                                   field="households")
            if household.pk == contact.household_id:
                raise InvalidInput(_("A member does not look after their own household."),
                                   field="households")
        open_ = (ContactAssignment.objects.filter(household_id__in=ids, until__isnull=True)
                 .select_related("household").first())
        if open_ is not None:
            raise CaseConflict(_("Household %(number)s already has a contact member: end "
                                 "that assignment first.") % {
                                     "number": open_.household.number},
                               field="households", code="already_assigned")
        ended = (ContactAssignment.objects.filter(household_id__in=ids)
                 .values("household_id").order_by("household_id")
                 .annotate(last=Max("until")).filter(last__gt=since).first())
        if ended is not None:
            raise CaseConflict(_("Household %(number)s had a contact member until %(date)s: "
                                 "the new one can start on that day at the earliest.") % {
                                     "number": locked[ended["household_id"]].number,
                                     "date": ended["last"].isoformat()},
                               field="households", code="overlapping_assignment")
        now = timezone.now()
        rows = [ContactAssignment(contact=contact, household=locked[pk], area_id=village_code,
                                  since=since, created_by=actor, created_at=now)
                for pk in ids]
        try:
            with transaction.atomic():
                for row in rows:
                    row.save(force_insert=True)
        except IntegrityError as exc:  # assigned meanwhile by someone else
            raise CaseConflict(_("One of these households was given a contact member "
                                 "meanwhile: reload and try again."), field="households",
                               code="already_assigned") from exc
        for row in rows:
            record(actor=actor, action="contact_assigned", area_id=village_code, obj=row,
                   detail={"contact": contact.pk, "household": row.household_id,
                           "since": since.isoformat()})
    return rows


def end_assignment(*, actor: User, assignment: ContactAssignment,
                   until: date | None = None) -> ContactAssignment:
    """The contact member stops looking after the household on ``until`` (default today,
    the first day without them).

    Refused: an assignment already ended (``CaseConflict``); ``until`` before ``since``,
    in the future, or on or before a day the member already reported on the household
    (``until``).
    """
    today = timezone.localdate()
    until = until or today
    with transaction.atomic():
        access.require_keeper(actor, assignment.area_id)
        locked = _locked(ContactAssignment.objects.filter(pk=assignment.pk)).get()
        if locked.until is not None:
            raise CaseConflict(_("This assignment has already ended."), field="until",
                               code="already_ended")
        if until > today:
            raise InvalidInput(_("The end date is in the future."), field="until")
        if until < locked.since:
            raise InvalidInput(_("The end date is before the start date (%(date)s).") % {
                "date": locked.since.isoformat()}, field="until")
        reported = (ContactReport.objects.filter(household_id=locked.household_id,
                                                 contact_id=locked.contact_id,
                                                 report_date__gte=locked.since)
                    .aggregate(last=Max("report_date"))["last"])
        if reported is not None and until <= reported:
            raise InvalidInput(_("The member reported on this household on %(date)s: the "
                                 "assignment ends after that day.") % {
                                     "date": reported.isoformat()}, field="until")
        locked.until = until
        locked.save(update_fields=["until"])
        record(actor=actor, action="contact_assignment_ended", area_id=locked.area_id,
               obj=locked, detail={"contact": locked.contact_id,
                                   "household": locked.household_id,
                                   "until": until.isoformat()})
    return locked


def end_member_assignments(*, actor: User, person: Person, left: date
                           ) -> list[ContactAssignment]:
    """A contact member who leaves the association stops looking after households: each of
    their open assignments ends on the day they left (``left``, the first day without
    them), or, where they reported on a household on or after that day, on the day after
    their last report there, so that no report falls outside its assignment.

    Why: only an active member looks after contact households (seed lines 57, 104-105;
    ``assign_contact`` refuses anyone else), so the household needs a new contact member,
    and the village sees it uncovered instead of still in the leaver's care. Called by
    ``casework.register.dues.end_membership`` inside its transaction (the caller has
    checked the actor keeps the village); one ``contact_assignment_ended`` event each.
    """
    rows = list(_locked(ContactAssignment.objects.filter(contact_id=person.pk,
                                                         until__isnull=True)).order_by("id"))
    if not rows:
        return []
    last = dict(ContactReport.objects.filter(
        contact_id=person.pk, household_id__in=[row.household_id for row in rows],
        report_date__gte=left).values_list("household_id").annotate(last=Max("report_date")))
    for row in rows:
        reported = last.get(row.household_id)
        row.until = max(left, row.since, reported + timedelta(days=1) if reported else left)
        row.save(update_fields=["until"])
        record(actor=actor, action="contact_assignment_ended", area_id=row.area_id, obj=row,
               detail={"contact": row.contact_id, "household": row.household_id,
                       "until": row.until.isoformat(), "reason": "membership_ended"})
    return rows


# --- rounds ------------------------------------------------------------------------------

def open_round(*, actor: User, area: Area, title: str, first_day: date, last_day: date,
               schedule: str = ReportingRound.Schedule.DAILY,
               days_of_month: Sequence[int] = (), reason: str = "") -> ReportingRound:
    """Open a reporting round of a village (its village reviewer) or of a township, for
    every village of it (its township approver).

    Refused: an area that is neither (``area``); no title (``title``); days out of order or
    a round longer than ``MAX_ROUND_DAYS`` (``last_day``); an unknown schedule
    (``schedule``); for set days, none given or one outside 1-31 (``days_of_month``).
    """
    level = access.level_of(area.code)
    if level not in ("village", "township"):
        raise InvalidInput(_("A round belongs to a village or a township."), field="area")
    access.require_keeper(actor, area.code)
    title = normalize_text(title)
    reason = normalize_text(reason)
    if not title:
        raise InvalidInput(_("Enter a title."), field="title")
    if len(title) > TITLE_MAX:
        raise InvalidInput(_("The title is too long."), field="title")
    if len(reason) > REASON_MAX:
        raise InvalidInput(_("The reason is too long."), field="reason")
    if schedule not in ReportingRound.Schedule.values:
        raise InvalidInput(_("Choose a schedule from the list."), field="schedule")
    check_values(ReportingRound, first_day=first_day, last_day=last_day)
    if last_day < first_day:
        raise InvalidInput(_("The last day is before the first day."), field="last_day")
    if (last_day - first_day).days >= MAX_ROUND_DAYS:
        raise InvalidInput(_("A round lasts at most %(days)s days.") % {
            "days": MAX_ROUND_DAYS}, field="last_day")
    days: list[int] = []
    if schedule == ReportingRound.Schedule.SET_DAYS:
        try:
            days = sorted({int(d) for d in days_of_month})
        except (TypeError, ValueError):
            raise InvalidInput(_("Days of the month are numbers from 1 to 31."),
                               field="days_of_month") from None
        if not days:
            raise InvalidInput(_("Give the days of the month the reports are due."),
                               field="days_of_month")
        if days[0] < 1 or days[-1] > 31:
            raise InvalidInput(_("Days of the month are numbers from 1 to 31."),
                               field="days_of_month")
    round_ = ReportingRound(area=area, title=title, reason=reason, schedule=schedule,
                            days_of_month=days, first_day=first_day, last_day=last_day,
                            created_by=actor, created_at=timezone.now())
    if not reporting_days(round_):
        raise InvalidInput(_("No reporting day falls between the first and the last day."),
                           field="days_of_month")
    with transaction.atomic():
        round_.save(force_insert=True)
        record(actor=actor, action="reporting_round_opened", area_id=area.code, obj=round_,
               detail={"title": title, "schedule": schedule, "days_of_month": days,
                       "first_day": first_day.isoformat(), "last_day": last_day.isoformat()})
    return round_


def close_round(*, actor: User, round: ReportingRound) -> ReportingRound:  # noqa: A002
    """Close the round: the days after today owe no report (the reports filed stay)."""
    with transaction.atomic():
        access.require_keeper(actor, round.area_id)
        locked = _locked(ReportingRound.objects.filter(pk=round.pk)).get()
        if locked.closed_at is not None:
            raise CaseConflict(_("This round is already closed."), field="round",
                               code="round_closed")
        locked.closed_at, locked.closed_by = timezone.now(), actor
        locked.save(update_fields=["closed_at", "closed_by"])
        record(actor=actor, action="reporting_round_closed", area_id=locked.area_id,
               obj=locked, detail={"closed_on": locked.closed_on.isoformat()})
    return locked


# --- reports -----------------------------------------------------------------------------

@dataclass(frozen=True)
class ReportEntry:
    """One household's line in a contact member's report."""

    household: Household
    status: str
    note: str = ""


def file_report(*, actor: User, round: ReportingRound, contact: Person,  # noqa: A002
                report_date: date, entries: Sequence[ReportEntry]) -> list[ContactReport]:
    """``contact``'s report for ``report_date`` on the households they look after: one
    report per entry, all or nothing. A household already reported on that day is
    corrected (its status and note replaced).

    Refused: a contact who is not an active association member of a village of the round
    on that day (``contact``); a day that is not a reporting day of the round or is in the
    future (``report_date``); a household outside the contact's village or the round, not
    looked after by this contact on that day, or listed twice (``household``); an unknown
    status (``status``); a note too long (``note``); a closed round (``CaseConflict``).
    """
    today = timezone.localdate()
    village_code = contact.household.area_id
    with transaction.atomic():
        access.require_keeper(actor, village_code)
        locked_round = _locked(ReportingRound.objects.filter(pk=round.pk)).get()
        if locked_round.closed_at is not None:
            raise CaseConflict(_("This round is closed."), field="round", code="round_closed")
        if not locked_round.covers(village_code):
            raise InvalidInput(_("%(name)s does not live in a village of this round.") % {
                "name": contact.name}, field="contact")
        if report_date > today:
            raise InvalidInput(_("The report date is in the future."), field="report_date")
        if not is_reporting_day(locked_round, report_date):
            raise InvalidInput(_("%(date)s is not a reporting day of this round.") % {
                "date": report_date.isoformat()}, field="report_date")
        _check_contact(contact, village_code, report_date)
        if not entries:
            raise InvalidInput(_("Report on at least one household."), field="household")
        ids = [e.household.pk for e in entries]
        if len(set(ids)) != len(ids):
            raise InvalidInput(_("A household is listed twice."), field="household")
        for entry in entries:
            if entry.household.area_id != village_code:
                raise InvalidInput(_("Household %(number)s is not in this village.") % {
                    "number": entry.household.number}, field="household")
            if entry.status not in ContactReport.Status.values:
                raise InvalidInput(_("Choose a status from the list."), field="status")
            if len(entry.note or "") > NOTE_MAX:
                raise InvalidInput(_("The note is at most %(n)s characters.") % {
                    "n": NOTE_MAX}, field="note")
        looked_after = set(ContactAssignment.objects.filter(
            Q(until__isnull=True) | Q(until__gt=report_date),
            contact_id=contact.pk, household_id__in=ids, since__lte=report_date,
        ).values_list("household_id", flat=True))
        for entry in entries:
            if entry.household.pk not in looked_after:
                raise InvalidInput(_("%(name)s does not look after household %(number)s on "
                                     "%(date)s.") % {
                                         "name": contact.name, "number": entry.household.number,
                                         "date": report_date.isoformat()}, field="household")
        existing = {r.household_id: r for r in ContactReport.objects.filter(
            round_id=locked_round.pk, report_date=report_date, household_id__in=ids)}
        now = timezone.now()
        saved, created, corrected = [], 0, 0
        for entry in entries:
            note = " ".join((entry.note or "").split())
            row = existing.get(entry.household.pk)
            if row is None:
                row = ContactReport.objects.create(
                    round=locked_round, report_date=report_date, contact=contact,
                    household=entry.household, area_id=village_code, status=entry.status,
                    note=note, recorded_by=actor, recorded_at=now)
                created += 1
            else:
                row.contact, row.status, row.note = contact, entry.status, note
                row.recorded_by, row.recorded_at = actor, now
                row.save(update_fields=["contact", "status", "note", "recorded_by",
                                        "recorded_at"])
                corrected += 1
            saved.append(row)
        record(actor=actor, action="contact_report_filed", area_id=village_code,
               subject="contacts.reportinground", subject_id=locked_round.pk,
               detail={"report_date": report_date.isoformat(), "contact": contact.pk,
                       "households": ids, "created": created, "corrected": corrected,
                       "statuses": {str(e.household.pk): e.status for e in entries}})
    return saved
