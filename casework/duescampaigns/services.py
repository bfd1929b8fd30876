"""Opening and changing dues campaigns (会费收缴).

The district association opens each year's campaigns, for the pilot townships first
(seed line 187: 各镇乡(街道)要抓好试点) or for the whole district: only the district's
keepers (its district approver, an administrator of the district) may, whatever the
campaign's township (``access.require_keeper`` on the district). Each change is one
transaction with its ``RecordEvent``.

When a campaign runs (assumed, set locally: the seed gives no period): it overlaps its
dues year, starting no earlier than 1 October of the year before and ending no later
than 31 March of the year after (``earliest_start``, ``latest_end``), so collection may begin in
the autumn before and mop up after New Year.
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework import access
from casework.errors import CaseConflict, InvalidInput
from casework.history.record_events import record
from casework.models import Area, User

from .models import DuesCampaign

NOTE_MAX = 2000
FIRST_YEAR = 2000


def earliest_start(year: int) -> date:
    """The earliest day a campaign for ``year`` may start (assumed, set locally)."""
    return date(year - 1, 10, 1)


def latest_end(year: int) -> date:
    """The latest day a campaign for ``year`` may end (assumed, set locally)."""
    return date(year + 1, 3, 31)


def _district_of(area: Area) -> str:
    return area.code[:6]


def _check_year(year: int, today: date) -> None:
    if not isinstance(year, int) or year < FIRST_YEAR or year > today.year + 1:
        raise InvalidInput(_("Choose a year from %(first)s to %(last)s.") % {
            "first": FIRST_YEAR, "last": today.year + 1}, field="year")


def _check_period(year: int, starts_on: date, ends_on: date) -> None:
    if starts_on < earliest_start(year) or starts_on > date(year, 12, 31):
        raise InvalidInput(_("The campaign for %(year)s starts between %(first)s and "
                             "%(last)s.") % {"year": year,
                                            "first": earliest_start(year).isoformat(),
                                            "last": date(year, 12, 31).isoformat()},
                           field="starts_on")
    if ends_on < date(year, 1, 1) or ends_on > latest_end(year):
        raise InvalidInput(_("The campaign for %(year)s ends between %(first)s and "
                             "%(last)s.") % {"year": year,
                                            "first": date(year, 1, 1).isoformat(),
                                            "last": latest_end(year).isoformat()},
                           field="ends_on")
    if ends_on < starts_on:
        raise InvalidInput(_("The campaign ends before it starts."), field="ends_on")


def _check_target(target_percent: int | None) -> None:
    if target_percent is not None and not 0 <= target_percent <= 100:
        raise InvalidInput(_("The target is a percentage from 0 to 100."),
                           field="target_percent")


def _check_note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise InvalidInput(_("At most %(n)s characters.") % {"n": NOTE_MAX}, field="note")
    return note


def open_campaign(*, actor: User, area: Area, year: int, starts_on: date, ends_on: date,
                  pilot: bool = False, target_percent: int | None = None,
                  note: str = "") -> DuesCampaign:
    """Open ``area``'s dues campaign for ``year`` (a township, or the district itself for
    a district-wide one; only a township can be a pilot). Refused: ``NotPermitted``
    unless the actor keeps the district's records; ``InvalidInput`` naming the field;
    ``CaseConflict`` when the area already has a campaign that year."""
    access.require_keeper(actor, _district_of(area))
    today = timezone.localdate()
    if area.level not in (Area.Level.TOWNSHIP, Area.Level.DISTRICT):
        raise InvalidInput(_("A campaign is for a township or the whole district."),
                           field="area")
    if pilot and area.level != Area.Level.TOWNSHIP:
        raise InvalidInput(_("Only a township can be a pilot."), field="pilot")
    _check_year(year, today)
    _check_period(year, starts_on, ends_on)
    _check_target(target_percent)
    note = _check_note(note)
    with transaction.atomic():
        if DuesCampaign.objects.filter(area=area, year=year).exists():
            raise CaseConflict(_("%(area)s already has a campaign for %(year)s.") % {
                "area": area.name, "year": year}, field="area", code="campaign_exists")
        try:
            with transaction.atomic():
                campaign = DuesCampaign.objects.create(
                    area=area, year=year, pilot=pilot, starts_on=starts_on, ends_on=ends_on,
                    target_percent=target_percent, note=note, created_by=actor,
                    created_at=timezone.now())
        except IntegrityError as exc:  # opened meanwhile by someone else
            raise CaseConflict(_("%(area)s already has a campaign for %(year)s.") % {
                "area": area.name, "year": year}, field="area",
                code="campaign_exists") from exc
        record(actor=actor, action="dues_campaign_opened", area_id=area.code, obj=campaign,
               detail=_detail(campaign))
    return campaign


def change_campaign(*, actor: User, campaign: DuesCampaign, starts_on: date, ends_on: date,
                    pilot: bool, target_percent: int | None, note: str = "") -> DuesCampaign:
    """Change a campaign's period, pilot mark, target or note (its area and year stay:
    another area or year is another campaign). Same refusals as ``open_campaign``."""
    area = campaign.area
    access.require_keeper(actor, _district_of(area))
    if pilot and area.level != Area.Level.TOWNSHIP:
        raise InvalidInput(_("Only a township can be a pilot."), field="pilot")
    _check_period(campaign.year, starts_on, ends_on)
    _check_target(target_percent)
    note = _check_note(note)
    with transaction.atomic():
        locked = DuesCampaign.objects.select_for_update().get(pk=campaign.pk)
        before = _detail(locked)
        locked.starts_on, locked.ends_on, locked.pilot = starts_on, ends_on, pilot
        locked.target_percent, locked.note = target_percent, note
        after = _detail(locked)
        changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
        if changed:
            locked.save(update_fields=["starts_on", "ends_on", "pilot", "target_percent",
                                       "note"])
            record(actor=actor, action="dues_campaign_changed", area_id=area.code,
                   obj=locked, detail=changed)
    return locked


def _detail(campaign: DuesCampaign) -> dict:
    return {"year": campaign.year, "area": campaign.area_id, "pilot": campaign.pilot,
            "starts_on": campaign.starts_on.isoformat(),
            "ends_on": campaign.ends_on.isoformat(),
            "target_percent": campaign.target_percent, "note": campaign.note}
