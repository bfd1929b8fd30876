"""Health-check campaigns: opening one, its member list, recording who was checked.

Every function checks permission first (``access.require_keeper``: the village reviewer of
the campaign's village, or an administrator of an area holding it; township and district
staff and auditors only read), validates its input (``InvalidInput`` naming the field, a
message in English through ``gettext``), then writes the change and its
``RecordEvent`` in one transaction. A batch of results is all or nothing: one bad row and
nothing is stored (``BatchRejected`` lists every bad row with its field).

- ``open_campaign``: the village's campaign of a year, and its member list generated from
  the roster: every person of the village's households whose association membership is
  active on the first day (``Membership.is_active_on``), each ``pending``.
- ``refresh_members``: members who joined (or moved into the village) since, added;
  nobody is ever taken off a list (a member who left keeps the row and its result).
- ``record_result`` / ``record_results``: one member's result, or a page of them.
- ``update_campaign``: the days, place, provider, funding and note, validated again (the
  days must still hold every check already recorded).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from casework import access
from casework.errors import CaseConflict, InvalidInput
from casework.field_rules import check_values
from casework.history import record_events
from casework.models import Area, Person, User

from .models import HealthCheckCampaign, HealthCheckRecord

Result = HealthCheckRecord.Result

EARLIEST_YEAR = 2000  # a sanity bound on typing mistakes, not a policy value
BATCH = 1000


# --- validation -------------------------------------------------------------------------

def _check_year(year: int, today: date) -> None:
    if not isinstance(year, int) or year < EARLIEST_YEAR or year > today.year + 1:
        raise InvalidInput(_("Choose a year from %(first)s to %(last)s.") % {
            "first": EARLIEST_YEAR, "last": today.year + 1}, field="year")


def check_days(year: int, first_day: date | None, last_day: date | None) -> None:
    """Both days inside ``year``, the last not before the first."""
    if first_day is None:
        raise InvalidInput(_("Enter the first day."), field="first_day")
    if last_day is None:
        raise InvalidInput(_("Enter the last day."), field="last_day")
    if first_day.year != year:
        raise InvalidInput(_("The first day must be in %(year)s.") % {"year": year},
                           field="first_day")
    if last_day.year != year:
        raise InvalidInput(_("The last day must be in %(year)s.") % {"year": year},
                           field="last_day")
    if last_day < first_day:
        raise InvalidInput(_("The last day cannot be before the first day."), field="last_day")


def _funding(amount) -> Decimal:
    if amount is None or amount == "":
        return Decimal("0.00")
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        raise InvalidInput(_("Enter an amount in yuan."), field="funding_yuan") from None
    if not value.is_finite():
        raise InvalidInput(_("Enter an amount in yuan."), field="funding_yuan")
    check_values(HealthCheckCampaign, funding_yuan=value)  # casework.field_rules
    if value != value.quantize(Decimal("0.01")):
        raise InvalidInput(_("Give the amount to the fen (two decimal places) at most."),
                           field="funding_yuan")
    return value.quantize(Decimal("0.01"))


def _text(value: str | None, field: str, max_length: int) -> str:
    value = (value or "").strip()
    if len(value) > max_length:
        raise InvalidInput(_("At most %(count)s characters.") % {"count": max_length},
                           field=field)
    return value


def check_result(campaign: HealthCheckCampaign, result: str, checked_on: date | None,
                 today: date) -> tuple[str, str] | None:
    """(field, message) of what is wrong with recording ``result`` on ``checked_on`` in
    ``campaign``, or None: a known result; a day exactly when the member was checked
    (done or referred), on a day of the campaign and not in the future."""
    if result not in Result.values:
        return "result", _("Choose a result from the list.")
    if result in HealthCheckRecord.CHECKED:
        if checked_on is None:
            return "checked_on", _("Enter the day of the check.")
        if checked_on > today:
            return "checked_on", _("The day of the check is in the future.")
        if not campaign.first_day <= checked_on <= campaign.last_day:
            return "checked_on", _("The check must be on a day of the campaign (%(first)s "
                                   "to %(last)s).") % {
                "first": campaign.first_day.isoformat(), "last": campaign.last_day.isoformat()}
    elif checked_on is not None:
        return "checked_on", _("Leave the day empty unless the member was checked.")
    return None


# --- the member list ----------------------------------------------------------------------

def members_between(village_code: str, first: date, last: date) -> QuerySet:
    """The persons of the village's households whose membership is active on some day
    from ``first`` to ``last`` (``first == last``: ``Membership.is_active_on(first)``),
    in household order."""
    return (Person.objects.filter(household__area_id=village_code,
                                  membership__joined__lte=last)
            .filter(Q(membership__left__isnull=True) | Q(membership__left__gt=first))
            .order_by("household__number", "id"))


def _list_members(campaign: HealthCheckCampaign, person_ids: Sequence[int]) -> int:
    now = timezone.now()
    HealthCheckRecord.objects.bulk_create([
        HealthCheckRecord(campaign=campaign, person_id=pid, area_id=campaign.area_id,
                          result=Result.PENDING, listed_at=now)
        for pid in person_ids], batch_size=BATCH)
    return len(person_ids)


def _locked_campaign(campaign_id: int) -> HealthCheckCampaign:
    rows = HealthCheckCampaign.objects.all()
    if connection.features.has_select_for_update:
        rows = rows.select_for_update()
    return rows.get(pk=campaign_id)


# --- opening and changing a campaign --------------------------------------------------------

def open_campaign(*, actor: User, village_code: str, year: int, first_day: date,
                  last_day: date, venue: str = "", provider: str = "",
                  funding_yuan: Decimal | str | None = None, note: str = ""
                  ) -> HealthCheckCampaign:
    """Open the village's health check of ``year`` and list its members (``pending``).

    ``NotPermitted`` unless ``actor`` keeps the village's records; ``InvalidInput`` naming
    the field for a code that is no village (``area``), a year out of range (``year``), a
    day outside the year or the days out of order (``first_day``/``last_day``), a
    negative or malformed amount (``funding_yuan``); ``CaseConflict`` (``year``) when the
    village already has that year's campaign.
    """
    village_code = (village_code or "").strip()
    access.require_keeper(actor, village_code)
    today = timezone.localdate()
    if access.level_of(village_code) != "village":
        raise InvalidInput(_("Choose a village."), field="area")
    _check_year(year, today)
    check_days(year, first_day, last_day)
    funding = _funding(funding_yuan)
    venue = _text(venue, "venue", 200)
    provider = _text(provider, "provider", 100)
    note = _text(note, "note", 2000)
    with transaction.atomic():
        if not Area.objects.filter(code=village_code, level=Area.Level.VILLAGE).exists():
            raise InvalidInput(_("No such village."), field="area")
        if HealthCheckCampaign.objects.filter(area_id=village_code, year=year).exists():
            raise CaseConflict(_("The village already has a health check for %(year)s.") % {
                "year": year}, field="year", code="campaign_exists")
        try:
            with transaction.atomic():
                campaign = HealthCheckCampaign.objects.create(
                    area_id=village_code, year=year, first_day=first_day, last_day=last_day,
                    venue=venue, provider=provider, funding_yuan=funding, note=note,
                    created_by=actor, created_at=timezone.now())
        except IntegrityError:  # opened at the same moment by someone else
            raise CaseConflict(_("The village already has a health check for %(year)s.") % {
                "year": year}, field="year", code="campaign_exists") from None
        listed = _list_members(campaign, list(
            members_between(village_code, first_day, first_day).values_list("id", flat=True)))
        record_events.record(actor=actor, action="campaign_opened", area_id=village_code,
                             obj=campaign, detail={
                                 "year": year, "first_day": first_day.isoformat(),
                                 "last_day": last_day.isoformat(),
                                 "funding_yuan": str(funding), "members_listed": listed})
    return campaign


def refresh_members(*, actor: User, campaign: HealthCheckCampaign) -> int:
    """Add to the list the village's members who are not on it yet and whose membership
    was active on some day from the first day to today (or the last day, when the
    campaign is over): those who joined or moved in since. Nobody is removed. Returns
    how many were added (no event when none)."""
    access.require_keeper(actor, campaign.area_id)
    today = timezone.localdate()
    with transaction.atomic():
        locked = _locked_campaign(campaign.pk)
        until = max(locked.first_day, min(today, locked.last_day))
        new = list(members_between(locked.area_id, locked.first_day, until)
                   .filter(~Exists(HealthCheckRecord.objects.filter(
                       campaign_id=locked.pk, person_id=OuterRef("pk"))))
                   .values_list("id", flat=True))
        if not new:
            return 0
        _list_members(locked, new)
        record_events.record(actor=actor, action="members_added", area_id=locked.area_id,
                             obj=locked, detail={"added": len(new), "person_ids": new})
    return len(new)


def update_campaign(*, actor: User, campaign: HealthCheckCampaign,
                    first_day: date | None = None, last_day: date | None = None,
                    venue: str | None = None, provider: str | None = None,
                    funding_yuan: Decimal | str | None = None, note: str | None = None
                    ) -> HealthCheckCampaign:
    """Change the campaign's days, venue, provider, funding or note (None: unchanged; the
    year never changes). Validated as when opening; the new days must still hold every
    check already recorded (``InvalidInput`` naming ``first_day`` or ``last_day``)."""
    access.require_keeper(actor, campaign.area_id)
    with transaction.atomic():
        locked = _locked_campaign(campaign.pk)
        wanted = {
            "first_day": first_day if first_day is not None else locked.first_day,
            "last_day": last_day if last_day is not None else locked.last_day,
            "venue": _text(venue, "venue", 200) if venue is not None else locked.venue,
            "provider": (_text(provider, "provider", 100) if provider is not None
                         else locked.provider),
            "funding_yuan": (_funding(funding_yuan) if funding_yuan is not None
                             else locked.funding_yuan),
            "note": _text(note, "note", 2000) if note is not None else locked.note,
        }
        check_days(locked.year, wanted["first_day"], wanted["last_day"])
        checked = HealthCheckRecord.objects.filter(campaign_id=locked.pk,
                                                   checked_on__isnull=False)
        before = checked.filter(checked_on__lt=wanted["first_day"]).count()
        if before:
            raise InvalidInput(_("%(count)s checks were recorded before this first day.") % {
                "count": before}, field="first_day")
        after = checked.filter(checked_on__gt=wanted["last_day"]).count()
        if after:
            raise InvalidInput(_("%(count)s checks were recorded after this last day.") % {
                "count": after}, field="last_day")
        changes = {name: value for name, value in wanted.items()
                   if getattr(locked, name) != value}
        if not changes:
            return locked
        detail = {name: [_plain(getattr(locked, name)), _plain(value)]
                  for name, value in changes.items() if name != "note"}
        if "note" in changes:
            detail["note"] = "changed"  # free text: not copied into the history
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.save(update_fields=list(changes))
        record_events.record(actor=actor, action="campaign_changed", area_id=locked.area_id,
                             obj=locked, detail={"changes": detail})
    return locked


def _plain(value):
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


# --- results ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ResultInput:
    """One row of a results submission: the person on the list, the result, the day."""

    person_id: int
    result: str
    checked_on: date | None = None


@dataclass(frozen=True)
class RowError:
    """What is wrong with one row of a submission (``row`` counts from 1)."""

    row: int
    field: str
    message: str
    person_id: int | None = None

    def as_dict(self) -> dict:
        return {"row": self.row, "field": self.field, "message": self.message,
                "person": self.person_id}


def field_label(name: str) -> str:
    """A record field's label in the reader's language ("person" -> its verbose name)."""
    try:
        return str(HealthCheckRecord._meta.get_field(name).verbose_name)
    except Exception:  # FieldDoesNotExist: a name of the batch's own
        return name


class BatchRejected(InvalidInput):
    """A results submission with bad rows: nothing was stored. ``errors`` names every bad
    row and its field; the message names the first."""

    def __init__(self, errors: Sequence[RowError]):
        first = errors[0]
        message = _("Nothing was recorded: %(count)s rows have problems (row %(row)s, "
                    "%(field)s: %(message)s).") % {
            "count": len(errors), "row": first.row, "field": field_label(first.field),
            "message": first.message}
        super().__init__(message, field="results", code="batch_rejected")
        self.errors = list(errors)


def record_results(*, actor: User, campaign: HealthCheckCampaign,
                   rows: Sequence[ResultInput]) -> list[HealthCheckRecord]:
    """Record the results of several members of ``campaign`` at once (a page of the list).

    All or nothing: a person not on the list, a person twice, an unknown result, a
    missing, early, late or future day, and ``BatchRejected`` lists every bad row, nothing
    stored. Rows that change nothing are skipped; each changed record gets its event.
    Returns the changed records.
    """
    access.require_keeper(actor, campaign.area_id)
    if not rows:
        raise InvalidInput(_("There are no results to record."), field="results")
    today = timezone.localdate()
    with transaction.atomic():
        locked = _locked_campaign(campaign.pk)
        ids = {row.person_id for row in rows if isinstance(row.person_id, int)}
        on_list = HealthCheckRecord.objects.filter(campaign_id=locked.pk, person_id__in=ids)
        if connection.features.has_select_for_update:
            on_list = on_list.select_for_update()
        by_person = {record.person_id: record for record in on_list}
        errors, seen = [], set()
        for number, row in enumerate(rows, start=1):
            if row.person_id not in by_person:
                errors.append(RowError(number, "person",
                                       _("This person is not on the campaign's list."),
                                       row.person_id))
                continue
            if row.person_id in seen:
                errors.append(RowError(number, "person",
                                       _("This person appears more than once."),
                                       row.person_id))
                continue
            seen.add(row.person_id)
            problem = check_result(locked, row.result, row.checked_on, today)
            if problem:
                errors.append(RowError(number, *problem, person_id=row.person_id))
        if errors:
            raise BatchRejected(errors)
        now, changed = timezone.now(), []
        for row in rows:
            record = by_person[row.person_id]
            if record.result == row.result and record.checked_on == row.checked_on:
                continue
            was = (record.result, record.checked_on)
            record.result, record.checked_on = row.result, row.checked_on
            record.recorded_by, record.recorded_at = actor, now
            changed.append((record, was))
        HealthCheckRecord.objects.bulk_update(
            [record for record, _was in changed],
            ["result", "checked_on", "recorded_by", "recorded_at"], batch_size=BATCH)
        for record, (old_result, old_day) in changed:
            record_events.record(
                actor=actor, action="result_recorded", area_id=record.area_id, obj=record,
                detail={"campaign": locked.pk, "person": record.person_id,
                        "result": record.result, "checked_on": _plain(record.checked_on),
                        "was": old_result, "was_checked_on": _plain(old_day)})
    return [record for record, _was in changed]


def record_result(*, actor: User, record: HealthCheckRecord, result: str,
                  checked_on: date | None = None) -> HealthCheckRecord:
    """Record one member's result (``InvalidInput`` naming ``result`` or ``checked_on``)."""
    try:
        record_results(actor=actor, campaign=record.campaign,
                       rows=[ResultInput(record.person_id, result, checked_on)])
    except BatchRejected as exc:
        error = exc.errors[0]
        raise InvalidInput(error.message, field=error.field) from None
    record.refresh_from_db()
    return record
