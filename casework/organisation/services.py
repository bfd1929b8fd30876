"""Changing the association's organisation: units, office holders, training sessions and
their attendance, activity days, criteria and model-association assessments.

Each function takes keyword-only arguments, runs in one transaction, checks permission
first, validates (``InvalidInput`` naming the field, ``CaseConflict`` for a state that
forbids the change) and writes its ``RecordEvent`` with the change.

Who keeps what (``casework.access.may_keep``: the keeper role of an area's level, or an
administrator in scope):

- the district association: the district approver;
- a township association, and the enterprise associations and migrant groups of the
  township (wherever in it they sit): the township approver;
- a village association and its office holders: the village reviewer of the village or
  the township approver of its township;
- training sessions and activity days: the keeper of the organiser's area;
- assessments of a village: the township approver of its township, or the district
  approver (line 52: the townships assessed their villages);
- the criteria: the district approver.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from casework import access
from casework.errors import CaseConflict, InvalidInput
from casework.field_rules import check_values, normalize_text
from casework.history.record_events import record
from casework.models import Area, Person, User

from . import criteria as criteria_rules
from .models import (
    ActivityDay,
    Assessment,
    AssessmentCriterion,
    AssessmentScore,
    OfficeHolder,
    OrgUnit,
    TrainingAttendance,
    TrainingSession,
)

Kind = OrgUnit.Kind
LEVEL_OF_KIND = {Kind.DISTRICT: Area.Level.DISTRICT, Kind.TOWNSHIP: Area.Level.TOWNSHIP,
                 Kind.VILLAGE: Area.Level.VILLAGE}
EARLIEST_YEAR = 2000


# --- who may keep what -----------------------------------------------------------------

def may_keep_unit(user: User, kind: str, area_code: str) -> bool:
    """Whether ``user`` may create, change or end a unit of ``kind`` in ``area_code`` and
    appoint its office holders (the rule in the module's docstring)."""
    if kind == Kind.VILLAGE:
        return access.may_keep(user, area_code) or access.may_keep(user, area_code[:9])
    if kind in (Kind.ENTERPRISE, Kind.MIGRANT):
        return access.may_keep(user, area_code[:9])
    return access.may_keep(user, area_code)


def require_unit_keeper(user: User, kind: str, area_code: str) -> None:
    """``NotPermitted`` (403) unless ``may_keep_unit``."""
    if kind == Kind.VILLAGE and access.may_keep(user, area_code):
        return
    if kind in (Kind.VILLAGE, Kind.ENTERPRISE, Kind.MIGRANT):
        access.require_keeper(user, area_code[:9])
    else:
        access.require_keeper(user, area_code)


def may_assess(user: User, village_code: str) -> bool:
    """The township approver of the village's township, the district approver, or an
    administrator in scope."""
    return (len(village_code) == 12
            and (access.may_keep(user, village_code[:9])
                 or access.may_keep(user, village_code[:6])))


def require_assessor(user: User, village_code: str) -> None:
    if len(village_code) == 12 and access.may_keep(user, village_code[:9]):
        return
    access.require_keeper(user, village_code[:6] if village_code else "")


# --- checks shared by the services -----------------------------------------------------------

def _text(value: Any, field: str, *, required: bool = False, max_length: int = 200) -> str:
    value = normalize_text(value)
    if required and not value:
        raise InvalidInput(_("This field is required."), field=field)
    if len(value) > max_length:
        raise InvalidInput(_("At most %(n)s characters.") % {"n": max_length}, field=field)
    return value


def _count(value: Any, field: str) -> int:
    """A count: a whole number, zero or more."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidInput(_("Enter a whole number."), field=field) from None
    if number != value and not isinstance(value, (str, int)):
        raise InvalidInput(_("Enter a whole number."), field=field)
    if number < 0:
        raise InvalidInput(_("The number cannot be negative."), field=field)
    if number > 2_000_000_000:
        raise InvalidInput(_("The number is too large."), field=field)
    return number


def _money(value: Any, field: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise InvalidInput(_("Enter an amount in yuan."), field=field) from None
    if not amount.is_finite():
        raise InvalidInput(_("Enter an amount in yuan."), field=field)
    check_values(ActivityDay, **{field: amount})  # its range (casework.field_rules)
    if amount != amount.quantize(Decimal("0.01")):
        raise InvalidInput(_("Enter an amount in yuan with at most two decimals."),
                           field=field)
    return amount.quantize(Decimal("0.01"))


def _not_future(day: date, field: str, today: date) -> None:
    if day > today:
        raise InvalidInput(_("The date is in the future."), field=field)


def _locked(model, pk: int):
    rows = model.objects.all()
    if connection.features.has_select_for_update:
        rows = rows.select_for_update()
    return rows.get(pk=pk)


def _changes(obj, values: Mapping[str, Any]) -> dict[str, list]:
    """Apply ``values`` to ``obj``; the changed fields as ``{field: [old, new]}``."""
    changed = {}
    for name, value in values.items():
        old = getattr(obj, name)
        if old != value:
            changed[name] = [_plain(old), _plain(value)]
            setattr(obj, name, value)
    return changed


def _plain(value: Any) -> Any:
    if isinstance(value, (date, Decimal)):
        return str(value)
    return value


# --- units -------------------------------------------------------------------------------------

def _check_unit_area(kind: str, area: Area) -> None:
    wanted = LEVEL_OF_KIND.get(kind)
    if wanted is not None and area.level != wanted:
        raise InvalidInput(_("A %(kind)s sits in an area of that level: choose a %(level)s.")
                           % {"kind": Kind(kind).label, "level": Area.Level(wanted).label},
                           field="area")
    if wanted is None and area.level not in (Area.Level.TOWNSHIP, Area.Level.VILLAGE):
        raise InvalidInput(_("Enterprise associations and migrant groups sit in a township "
                             "or a village."), field="area")


def _live_level_unit(kind: str, area_code: str) -> OrgUnit | None:
    return (OrgUnit.objects.filter(kind=kind, area_id=area_code, dissolved_on__isnull=True)
            .order_by("id").first())


def _default_parent(kind: str, area: Area) -> OrgUnit | None:
    """The live unit a new one belongs to: the district's for a township, the township's
    for a village, the association of its own area for an enterprise association or a
    migrant group."""
    if kind == Kind.TOWNSHIP:
        return _live_level_unit(Kind.DISTRICT, area.code[:6])
    if kind == Kind.VILLAGE:
        return _live_level_unit(Kind.TOWNSHIP, area.code[:9])
    if kind in (Kind.ENTERPRISE, Kind.MIGRANT):
        own = Kind.TOWNSHIP if area.level == Area.Level.TOWNSHIP else Kind.VILLAGE
        return _live_level_unit(own, area.code)
    return None


def _check_parent(kind: str, area: Area, parent: OrgUnit | None) -> None:
    if parent is None:
        return
    if (kind == Kind.DISTRICT or parent.kind not in OrgUnit.LEVEL_KINDS
            or not area.code.startswith(parent.area_id)
            or (kind in OrgUnit.LEVEL_KINDS and len(parent.area_id) >= len(area.code))
            or parent.dissolved_on is not None):
        raise InvalidInput(_("The parent must be a live association of a level above, "
                             "whose area holds this unit's."), field="parent")


def _unit_fields(kind: str, *, name: Any, enterprise_name: Any, basis: Any, leader_name: Any,
                 member_count: Any, founded_on: date, note: Any, today: date) -> dict:
    values = {
        "name": _text(name, "name", required=True, max_length=100),
        "enterprise_name": _text(enterprise_name, "enterprise_name", max_length=100),
        "basis": basis or "",
        "leader_name": _text(leader_name, "leader_name", max_length=60),
        "member_count": _count(member_count, "member_count"),
        "founded_on": founded_on,
        "note": _text(note, "note"),
    }
    if kind == Kind.ENTERPRISE:
        if not values["enterprise_name"]:
            raise InvalidInput(_("Name the enterprise the association belongs to."),
                               field="enterprise_name")
    else:
        values["enterprise_name"] = ""
    if kind == Kind.MIGRANT:
        if values["basis"] not in (OrgUnit.Basis.TRADE, OrgUnit.Basis.HOME_REGION,
                                   OrgUnit.Basis.KINSHIP):
            raise InvalidInput(_("Say how the group is formed: by trade, home region or "
                                 "kinship."), field="basis")
    else:
        values["basis"] = ""
    if kind in OrgUnit.LEVEL_KINDS and values["member_count"]:
        raise InvalidInput(_("The members of a district, township or village association "
                             "are counted from the roster."), field="member_count")
    if not isinstance(founded_on, date):
        raise InvalidInput(_("Enter a date."), field="founded_on")
    _not_future(founded_on, "founded_on", today)
    check_values(OrgUnit, founded_on=founded_on)
    return values


def create_unit(*, actor: User, kind: str, area: Area, name: str, founded_on: date,
                parent: OrgUnit | None = None, enterprise_name: str = "", basis: str = "",
                leader_name: str = "", member_count: int = 0, note: str = "") -> OrgUnit:
    """Found a unit. Its parent is the live association above it unless given. Refused:
    a second live association of the same level and area (``CaseConflict``), an area of
    the wrong level, a future founding date, a missing enterprise name or group basis."""
    if kind not in Kind.values:
        raise InvalidInput(_("Choose a kind of unit from the list."), field="kind")
    # the kind and the area's level first: who keeps the unit depends on them
    _check_unit_area(kind, area)
    with transaction.atomic():
        require_unit_keeper(actor, kind, area.code)
        today = timezone.localdate()
        values = _unit_fields(kind, name=name, enterprise_name=enterprise_name, basis=basis,
                              leader_name=leader_name, member_count=member_count,
                              founded_on=founded_on, note=note, today=today)
        if kind in OrgUnit.LEVEL_KINDS and _live_level_unit(kind, area.code) is not None:
            raise CaseConflict(_("%(area)s already has a live %(kind)s.") % {
                "area": area.name, "kind": Kind(kind).label}, field="area", code="unit_exists")
        if parent is None:
            parent = _default_parent(kind, area)
        else:
            _check_parent(kind, area, parent)
        try:
            with transaction.atomic():
                unit = OrgUnit.objects.create(kind=kind, area=area, parent=parent,
                                              created_by=actor, **values)
        except IntegrityError as exc:  # a concurrent founding of the same level unit
            raise CaseConflict(_("%(area)s already has a live %(kind)s.") % {
                "area": area.name, "kind": Kind(kind).label}, field="area",
                code="unit_exists") from exc
        record(actor=actor, action="org_unit_created", area_id=area.code, obj=unit,
               detail={"kind": kind, "name": unit.name,
                       "parent": parent.pk if parent else None,
                       "founded_on": str(unit.founded_on)})
    return unit


def update_unit(*, actor: User, unit: OrgUnit, name: str, founded_on: date,
                enterprise_name: str = "", basis: str = "", leader_name: str = "",
                member_count: int = 0, note: str = "") -> OrgUnit:
    """Correct a unit's particulars (its kind and area stay: found another unit instead)."""
    with transaction.atomic():
        require_unit_keeper(actor, unit.kind, unit.area_id)
        locked = _locked(OrgUnit, unit.pk)
        today = timezone.localdate()
        values = _unit_fields(locked.kind, name=name, enterprise_name=enterprise_name,
                              basis=basis, leader_name=leader_name, member_count=member_count,
                              founded_on=founded_on, note=note, today=today)
        if locked.dissolved_on is not None and locked.dissolved_on <= founded_on:
            raise InvalidInput(_("The unit was dissolved on %(date)s: it was founded before.")
                               % {"date": locked.dissolved_on}, field="founded_on")
        changed = _changes(locked, values)
        if changed:
            locked.save(update_fields=list(changed))
            record(actor=actor, action="org_unit_changed", area_id=locked.area_id, obj=locked,
                   detail={"changed": changed})
    return locked


def end_unit(*, actor: User, unit: OrgUnit, dissolved_on: date) -> OrgUnit:
    """Dissolve a unit on ``dissolved_on`` (its last live day is the day before); its
    office holders still in office leave office that day. Units under it stay: each is
    ended on its own."""
    with transaction.atomic():
        require_unit_keeper(actor, unit.kind, unit.area_id)
        locked = _locked(OrgUnit, unit.pk)
        if locked.dissolved_on is not None:
            raise CaseConflict(_("This unit was already dissolved."), field="dissolved_on",
                               code="already_dissolved")
        if not isinstance(dissolved_on, date):
            raise InvalidInput(_("Enter a date."), field="dissolved_on")
        if dissolved_on <= locked.founded_on:
            raise InvalidInput(_("The unit must be dissolved after it was founded (%(date)s).")
                               % {"date": locked.founded_on}, field="dissolved_on")
        _not_future(dissolved_on, "dissolved_on", timezone.localdate())
        holders = OfficeHolder.objects.filter(unit_id=locked.pk).filter(
            Q(until__isnull=True) | Q(until__gt=dissolved_on))
        if holders.filter(since__gte=dissolved_on).exists():
            raise InvalidInput(_("Someone took office in this unit on or after that date."),
                               field="dissolved_on")
        ended = holders.update(until=dissolved_on)
        locked.dissolved_on = dissolved_on
        locked.save(update_fields=["dissolved_on"])
        record(actor=actor, action="org_unit_ended", area_id=locked.area_id, obj=locked,
               detail={"dissolved_on": str(dissolved_on), "office_holders_ended": ended})
    return locked


# --- office holders -----------------------------------------------------------------------------

def appoint_office_holder(*, actor: User, unit: OrgUnit, office: str, since: date,
                          name: str = "", sex: str = "", person: Person | None = None,
                          until: date | None = None, note: str = "") -> OfficeHolder:
    """Someone takes an office in ``unit`` from ``since`` (until the day before ``until``
    when known). A person of the roster gives the name and sex; else both are needed.
    A unit has one president, one full-time vice-president and one secretary-general at
    a time (``CaseConflict`` on an overlap)."""
    with transaction.atomic():
        require_unit_keeper(actor, unit.kind, unit.area_id)
        locked = _locked(OrgUnit, unit.pk)
        if office not in OfficeHolder.Office.values:
            raise InvalidInput(_("Choose an office from the list."), field="office")
        if person is not None:
            person = Person.objects.select_related("household").get(pk=person.pk)
            if not person.household.area_id.startswith(locked.area_id):
                raise InvalidInput(_("%(name)s is not on the roster of %(area)s.") % {
                    "name": person.name, "area": locked.area.name}, field="person")
            name, sex = name or person.name, sex or person.sex
        name = _text(name, "name", required=True, max_length=60)
        if sex not in OfficeHolder.Sex.values:
            raise InvalidInput(_("Choose male or female."), field="sex")
        if not isinstance(since, date):
            raise InvalidInput(_("Enter a date."), field="since")
        check_values(OfficeHolder, since=since, until=until)
        if since < locked.founded_on:
            raise InvalidInput(_("The unit was founded on %(date)s.") % {
                "date": locked.founded_on}, field="since")
        if locked.dissolved_on is not None and since >= locked.dissolved_on:
            raise CaseConflict(_("The unit was dissolved on %(date)s.") % {
                "date": locked.dissolved_on}, field="since", code="unit_dissolved")
        if until is not None:
            if until <= since:
                raise InvalidInput(_("The end of office must be after its start."),
                                   field="until")
            if locked.dissolved_on is not None and until > locked.dissolved_on:
                raise InvalidInput(_("The unit was dissolved on %(date)s.") % {
                    "date": locked.dissolved_on}, field="until")
        elif locked.dissolved_on is not None:
            until = locked.dissolved_on
        if office in OfficeHolder.SINGLE_OFFICES:
            overlap = OfficeHolder.objects.filter(unit_id=locked.pk, office=office).filter(
                Q(until__isnull=True) | Q(until__gt=since))
            if until is not None:
                overlap = overlap.filter(since__lt=until)
            other = overlap.first()
            if other is not None:
                raise CaseConflict(_("%(name)s holds this office then: end that term first.")
                                   % {"name": other.name}, field="office", code="office_held")
        holder = OfficeHolder.objects.create(
            unit=locked, area_id=locked.area_id, name=name, sex=sex, person=person,
            office=office, since=since, until=until, note=_text(note, "note"),
            created_by=actor)
        record(actor=actor, action="office_holder_appointed", area_id=locked.area_id,
               obj=holder, detail={"unit": locked.pk, "office": office, "name": name,
                                   "sex": sex, "since": str(since),
                                   "until": str(until) if until else None})
    return holder


def end_office(*, actor: User, holder: OfficeHolder, until: date) -> OfficeHolder:
    """``holder`` leaves office on ``until`` (their last day is the day before)."""
    with transaction.atomic():
        unit = holder.unit
        require_unit_keeper(actor, unit.kind, unit.area_id)
        locked = _locked(OfficeHolder, holder.pk)
        if locked.until is not None:
            raise CaseConflict(_("This term of office has already ended."), field="until",
                               code="already_ended")
        if not isinstance(until, date):
            raise InvalidInput(_("Enter a date."), field="until")
        if until <= locked.since:
            raise InvalidInput(_("The end of office must be after its start (%(date)s).")
                               % {"date": locked.since}, field="until")
        _not_future(until, "until", timezone.localdate())
        locked.until = until
        locked.save(update_fields=["until"])
        record(actor=actor, action="office_holder_ended", area_id=locked.area_id, obj=locked,
               detail={"unit": unit.pk, "office": locked.office, "name": locked.name,
                       "until": str(until)})
    return locked


# --- training sessions ------------------------------------------------------------------------

def _session_fields(*, title: Any, topics: Any, first_day: date, last_day: date, venue: Any,
                    audience: Any, other_attendees: Any) -> dict:
    if not isinstance(first_day, date):
        raise InvalidInput(_("Enter a date."), field="first_day")
    if not isinstance(last_day, date):
        raise InvalidInput(_("Enter a date."), field="last_day")
    check_values(TrainingSession, first_day=first_day, last_day=last_day)
    if last_day < first_day:
        raise InvalidInput(_("The last day is before the first."), field="last_day")
    if (last_day - first_day).days > 366:
        raise InvalidInput(_("A session lasts at most a year."), field="last_day")
    return {"title": _text(title, "title", required=True, max_length=120),
            "topics": str(topics or "").strip()[:4000],
            "first_day": first_day, "last_day": last_day,
            "venue": _text(venue, "venue", max_length=120),
            "audience": _text(audience, "audience"),
            "other_attendees": _count(other_attendees, "other_attendees")}


def create_training_session(*, actor: User, area: Area, title: str, first_day: date,
                            last_day: date, topics: str = "", venue: str = "",
                            audience: str = "", other_attendees: int = 0) -> TrainingSession:
    """A session organised by ``area`` (the district, a township or a village)."""
    with transaction.atomic():
        access.require_keeper(actor, area.code)
        values = _session_fields(title=title, topics=topics, first_day=first_day,
                                 last_day=last_day, venue=venue, audience=audience,
                                 other_attendees=other_attendees)
        session = TrainingSession.objects.create(area=area, created_by=actor, **values)
        record(actor=actor, action="training_session_created", area_id=area.code, obj=session,
               detail={"title": session.title, "first_day": str(first_day),
                       "last_day": str(last_day), "other_attendees": session.other_attendees})
    return session


def update_training_session(*, actor: User, session: TrainingSession, title: str,
                            first_day: date, last_day: date, topics: str = "",
                            venue: str = "", audience: str = "",
                            other_attendees: int = 0) -> TrainingSession:
    with transaction.atomic():
        access.require_keeper(actor, session.area_id)
        locked = _locked(TrainingSession, session.pk)
        values = _session_fields(title=title, topics=topics, first_day=first_day,
                                 last_day=last_day, venue=venue, audience=audience,
                                 other_attendees=other_attendees)
        changed = _changes(locked, values)
        if changed:
            locked.save(update_fields=list(changed))
            record(actor=actor, action="training_session_changed", area_id=locked.area_id,
                   obj=locked, detail={"changed": {k: v for k, v in changed.items()
                                                   if k != "topics"}})
    return locked


@dataclass(frozen=True)
class AttendeeInput:
    """One attendee recorded by name: a person of the roster, or a name (with the area
    they came from; the organiser's when not given)."""

    person: Person | None = None
    name: str = ""
    role: str = ""
    area: Area | None = None


def record_attendance(*, actor: User, session: TrainingSession,
                      attendees: Sequence[AttendeeInput], other_attendees: int,
                      within: Area | None = None) -> TrainingSession:
    """Set who attended ``session``: the named attendees replace those recorded before
    (only those of ``within``, when given: the page ticks one village's members at a
    time), and ``other_attendees`` the count of the others. Every attendee comes from the
    organiser's area (``person`` or ``area`` names the one who does not)."""
    with transaction.atomic():
        access.require_keeper(actor, session.area_id)
        locked = _locked(TrainingSession, session.pk)
        others = _count(other_attendees, "other_attendees")
        scope_code = locked.area_id
        if within is not None:
            if not within.code.startswith(locked.area_id):
                raise InvalidInput(_("Choose an area inside the organiser's."), field="area")
            scope_code = within.code
        ids = [a.person.pk for a in attendees if a.person is not None]
        people = Person.objects.select_related("household__area").in_bulk(ids)
        rows, seen = [], set()
        for attendee in attendees:
            role = _text(attendee.role, "role", max_length=60)
            if attendee.person is not None:
                person = people.get(attendee.person.pk)
                if person is None or not person.household.area_id.startswith(scope_code):
                    raise InvalidInput(_("%(name)s is not on the roster of %(area)s.") % {
                        "name": getattr(person or attendee.person, "name", ""),
                        "area": within.name if within else locked.area.name}, field="person")
                if person.pk in seen:
                    raise InvalidInput(_("%(name)s is listed twice.") % {"name": person.name},
                                       field="person")
                seen.add(person.pk)
                rows.append(TrainingAttendance(session=locked, person=person, name=person.name,
                                               role=role, area_id=person.household.area_id))
            else:
                name = _text(attendee.name, "name", required=True, max_length=60)
                area = attendee.area or within or locked.area
                if not area.code.startswith(scope_code):
                    raise InvalidInput(_("%(name)s comes from outside the organiser's area.")
                                       % {"name": name}, field="area")
                rows.append(TrainingAttendance(session=locked, name=name, role=role,
                                               area_id=area.code))
        replaced = TrainingAttendance.objects.filter(session_id=locked.pk)
        if within is not None:
            replaced = replaced.filter(area__code__startswith=within.code)
        removed, _by_model = replaced.delete()
        TrainingAttendance.objects.bulk_create(rows)
        if locked.other_attendees != others:
            locked.other_attendees = others
            locked.save(update_fields=["other_attendees"])
        record(actor=actor, action="training_attendance_recorded", area_id=locked.area_id,
               obj=locked, detail={"within": scope_code, "removed": removed,
                                   "named": len(rows), "other_attendees": others})
    return locked


# --- activity days --------------------------------------------------------------------------

def _activity_fields(*, kind: Any, held_on: date, title: Any, sessions_held: Any,
                     people_examined: Any, materials_distributed: Any, spending_yuan: Any,
                     note: Any, today: date) -> dict:
    if kind not in ActivityDay.Kind.values:
        raise InvalidInput(_("Choose a kind of activity from the list."), field="kind")
    if not isinstance(held_on, date):
        raise InvalidInput(_("Enter a date."), field="held_on")
    _not_future(held_on, "held_on", today)
    check_values(ActivityDay, held_on=held_on)
    return {"kind": kind, "held_on": held_on,
            "title": _text(title, "title", required=True, max_length=120),
            "sessions_held": _count(sessions_held, "sessions_held"),
            "people_examined": _count(people_examined, "people_examined"),
            "materials_distributed": _count(materials_distributed, "materials_distributed"),
            "spending_yuan": _money(spending_yuan, "spending_yuan"),
            "note": str(note or "").strip()[:4000]}


def record_activity_day(*, actor: User, area: Area, held_on: date, title: str,
                        kind: str = ActivityDay.Kind.MEMBER_DAY_529, sessions_held: int = 0,
                        people_examined: int = 0, materials_distributed: int = 0,
                        spending_yuan: Decimal = Decimal("0"), note: str = "") -> ActivityDay:
    """What an activity day organised by ``area`` did (after it was held)."""
    with transaction.atomic():
        access.require_keeper(actor, area.code)
        values = _activity_fields(kind=kind, held_on=held_on, title=title,
                                  sessions_held=sessions_held, people_examined=people_examined,
                                  materials_distributed=materials_distributed,
                                  spending_yuan=spending_yuan, note=note,
                                  today=timezone.localdate())
        day = ActivityDay.objects.create(area=area, created_by=actor, **values)
        record(actor=actor, action="activity_day_recorded", area_id=area.code, obj=day,
               detail={k: _plain(v) for k, v in values.items() if k != "note"})
    return day


def update_activity_day(*, actor: User, day: ActivityDay, held_on: date, title: str,
                        kind: str = ActivityDay.Kind.MEMBER_DAY_529, sessions_held: int = 0,
                        people_examined: int = 0, materials_distributed: int = 0,
                        spending_yuan: Decimal = Decimal("0"), note: str = "") -> ActivityDay:
    with transaction.atomic():
        access.require_keeper(actor, day.area_id)
        locked = _locked(ActivityDay, day.pk)
        values = _activity_fields(kind=kind, held_on=held_on, title=title,
                                  sessions_held=sessions_held, people_examined=people_examined,
                                  materials_distributed=materials_distributed,
                                  spending_yuan=spending_yuan, note=note,
                                  today=timezone.localdate())
        changed = _changes(locked, values)
        if changed:
            locked.save(update_fields=list(changed))
            record(actor=actor, action="activity_day_changed", area_id=locked.area_id,
                   obj=locked, detail={"changed": {k: v for k, v in changed.items()
                                                   if k != "note"}})
    return locked


# --- criteria and assessments -------------------------------------------------------------------

def criteria_for(year: int) -> list[AssessmentCriterion]:
    """The criteria that count in ``year``, in their order."""
    return [c for c in AssessmentCriterion.objects.order_by("position", "effective_from", "id")
            if c.applies_to(year)]


def add_criterion(*, actor: User, code: str, text_zh: str, text_en: str, max_score: int,
                  effective_from: date, source: str, effective_to: date | None = None,
                  position: int = 0) -> AssessmentCriterion:
    """A new criterion (or a new version of one, from a later date) set by the district.
    ``source`` says where it comes from, or that it is set locally."""
    district = (actor.area_id or "")[:6]
    with transaction.atomic():
        access.require_keeper(actor, district)
        code = _text(code, "code", required=True, max_length=30)
        values = {"text_zh": _text(text_zh, "text_zh", required=True),
                  "text_en": _text(text_en, "text_en", required=True),
                  "source": _text(source, "source", required=True, max_length=300),
                  "max_score": _count(max_score, "max_score"),
                  "position": _count(position, "position")}
        if values["max_score"] == 0 or values["max_score"] > 1000:
            raise InvalidInput(_("The maximum score must be between 1 and 1000."),
                               field="max_score")
        check_values(AssessmentCriterion, effective_from=effective_from,
                     effective_to=effective_to)
        if effective_to is not None and effective_to < effective_from:
            raise InvalidInput(_("The end is before the start."), field="effective_to")
        if AssessmentCriterion.objects.filter(code=code, effective_from=effective_from).exists():
            raise CaseConflict(_("Criterion %(code)s already starts on that date.") % {
                "code": code}, field="effective_from", code="criterion_exists")
        criterion = AssessmentCriterion.objects.create(
            code=code, effective_from=effective_from, effective_to=effective_to, **values)
        record(actor=actor, action="criterion_added", area_id=district, obj=criterion,
               detail={"code": code, "max_score": criterion.max_score,
                       "effective_from": str(effective_from),
                       "effective_to": str(effective_to) if effective_to else None})
    return criterion


def record_assessment(*, actor: User, village: Area, year: int, scores: Mapping[str, Any],
                      assessed_on: date, note: str = "", revise: bool = False) -> Assessment:
    """A village's model-association assessment for ``year``: a score for every criterion
    that counts that year (``scores``: criterion code -> score, 0..its maximum), the total
    and the rating kept here. A second assessment of the same village and year is a
    ``CaseConflict`` unless ``revise`` (then the scores are replaced, and recorded)."""
    with transaction.atomic():
        require_assessor(actor, village.code)
        today = timezone.localdate()
        if village.level != Area.Level.VILLAGE:
            raise InvalidInput(_("Choose a village."), field="area")
        if not isinstance(year, int) or not EARLIEST_YEAR <= year <= today.year:
            raise InvalidInput(_("Choose a year from %(first)s to this year.") % {
                "first": EARLIEST_YEAR}, field="year")
        if not isinstance(assessed_on, date):
            raise InvalidInput(_("Enter a date."), field="assessed_on")
        _not_future(assessed_on, "assessed_on", today)
        if assessed_on.year < year:
            raise InvalidInput(_("An assessment of %(year)s is made in that year or later.")
                               % {"year": year}, field="assessed_on")
        counted = criteria_for(year)
        if not counted:
            raise InvalidInput(_("No criteria count in %(year)s.") % {"year": year},
                               field="year")
        by_code = {c.code: c for c in counted}
        for code in scores:
            if code not in by_code:
                raise InvalidInput(_("%(code)s is not a criterion of %(year)s.") % {
                    "code": code, "year": year}, field="criterion")
        given = {}
        for criterion in counted:
            if criterion.code not in scores or scores[criterion.code] in (None, ""):
                raise InvalidInput(_("Give a score for “%(criterion)s”.") % {
                    "criterion": criterion.text_zh}, field="scores")
            raw = scores[criterion.code]
            try:
                score = int(raw)
            except (TypeError, ValueError):
                raise InvalidInput(_("Enter a whole number."), field="score") from None
            if isinstance(raw, float) and raw != score or isinstance(raw, bool):
                raise InvalidInput(_("Enter a whole number."), field="score")
            if not 0 <= score <= criterion.max_score:
                raise InvalidInput(_("The score for “%(criterion)s” is from 0 to %(max)s.") % {
                    "criterion": criterion.text_zh, "max": criterion.max_score}, field="score")
            given[criterion.code] = score
        total = sum(given.values())
        max_total = sum(c.max_score for c in counted)
        rating = criteria_rules.rating_for(total, max_total)
        note = str(note or "").strip()[:4000]
        existing = Assessment.objects.filter(area_id=village.code, year=year)
        if connection.features.has_select_for_update:
            existing = existing.select_for_update()
        assessment = existing.first()
        before = None
        if assessment is not None:
            if not revise:
                raise CaseConflict(_("%(village)s is already assessed for %(year)s.") % {
                    "village": village.name, "year": year}, field="year",
                    code="already_assessed")
            before = {"total": assessment.total, "rating": assessment.rating}
            assessment.scores.all().delete()
            assessment.assessed_by, assessment.assessed_on, assessment.note = (
                actor, assessed_on, note)
            assessment.total, assessment.max_total, assessment.rating = total, max_total, rating
            assessment.save()
        else:
            try:
                with transaction.atomic():
                    assessment = Assessment.objects.create(
                        area=village, year=year, assessed_by=actor, assessed_on=assessed_on,
                        note=note, total=total, max_total=max_total, rating=rating)
            except IntegrityError as exc:
                raise CaseConflict(_("%(village)s is already assessed for %(year)s.") % {
                    "village": village.name, "year": year}, field="year",
                    code="already_assessed") from exc
        AssessmentScore.objects.bulk_create(
            AssessmentScore(assessment=assessment, criterion=by_code[code], score=score)
            for code, score in given.items())
        record(actor=actor, action="assessment_revised" if before else "assessment_recorded",
               area_id=village.code, obj=assessment,
               detail={"year": year, "scores": given, "total": total, "max_total": max_total,
                       "rating": rating, **({"before": before} if before else {})})
    return assessment
