"""Assistance pairings (帮扶结对): adding partners, signing, ending and visiting contracts,
and the daily sweep that starts and ends contracts on their dates.

- **Who keeps them** (``may_keep_pairings``, the one rule): the village reviewer of the
  household's village and the township approver of its township (``access.may_keep`` on
  the village code or on the township code), and administrators of the area. District
  staff and auditors read (``casework.pairings.selectors``).
- **The paired flag.** ``Household.paired`` (the ``already_paired`` fact of the
  ``assistance_pairing`` program) is set while one of the household's contracts runs:
  when a contract is signed with a start on or before today, or on its start day by
  ``end_finished_contracts``; it is cleared when the contract ends early
  (``end_contract``) or when its last day has passed (``end_finished_contracts``).
- **Periods.** ``signed_on <= starts_on < ends_on``; a household's contracts never
  overlap (the household row is locked while checking), so at most one runs.
- Every change writes a ``RecordEvent`` in its transaction (``casework.history.record_events``);
  the events carry ids and dates, no names of family members, no identity numbers.

Refusals: ``InvalidInput`` (400) naming the field; ``CaseConflict`` (409) for a
household already paired over the period (field ``household``, code ``already_paired``)
or a contract already ended; ``NotPermitted`` (403) for someone who may see but not keep.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from casework import access
from casework.errors import CaseConflict, InvalidInput, NotPermitted
from casework.field_rules import check_values, normalize_text
from casework.history.record_events import record
from casework.models import Area, Case, CaseStatus, Household, Person, User
from casework.uploads import check_upload

from .models import PairingContract, PairingVisit, Partner

PROGRAM = "assistance_pairing"
NAME_MAX = 100
TRADE_MAX = 200
VISITOR_MAX = 60
TEXT_MAX = 4000


# --- who may keep ------------------------------------------------------------------------

def may_keep_pairings(user: User, area_code: str) -> bool:
    """Whether ``user`` may record pairings of ``area_code`` (a village, or a partner's
    township): the village's own keeper (its village reviewer) or its township's (the
    township approver), through ``access.may_keep``; administrators in scope too."""
    code = area_code or ""
    if len(code) == 12:
        return access.may_keep(user, code) or access.may_keep(user, code[:9])
    if len(code) == 9:
        return access.may_keep(user, code)
    return False


def require_pairing_keeper(user: User, area_code: str) -> None:
    if not may_keep_pairings(user, area_code):
        raise NotPermitted(_("Only the village's and the township's association staff may "
                             "record pairings."))


def partner_serves(partner_area: str, village_code: str) -> bool:
    """A partner helps households of its own township: one registered in a township or
    in any of its villages serves every village of that township."""
    return partner_area[:9] == village_code[:9]


# --- partners --------------------------------------------------------------------------

def _clean(text: str | None, *, field: str, max_length: int, required: bool = False,
           missing: str = "", one_line: bool = True) -> str:
    """``text`` trimmed (and on one line unless ``one_line`` is false), checked for
    presence and length: ``InvalidInput`` naming ``field``."""
    text = normalize_text(text) if one_line else (text or "").strip()
    if required and not text:
        raise InvalidInput(missing, field=field)
    if len(text) > max_length:
        raise InvalidInput(_("At most %(n)s characters.") % {"n": max_length}, field=field)
    return text


def add_partner(*, actor: User, kind: str, name: str, trade: str, area: Area,
                person: Person | None = None) -> Partner:
    """Add a pairing partner working in ``area`` (a township or a village of the actor's).

    A partner who is in the roster is linked (``person``, someone the actor may see); the
    name defaults to theirs. An enterprise has no person.
    """
    if kind not in Partner.Kind.values:
        raise InvalidInput(_("Choose a person or an enterprise."), field="kind")
    if area.level not in (Area.Level.TOWNSHIP, Area.Level.VILLAGE):
        raise InvalidInput(_("Choose a township or a village."), field="area")
    if person is not None and kind != Partner.Kind.PERSON:
        raise InvalidInput(_("An enterprise is not a person of the roster."), field="person")
    if person is not None and not name:
        name = person.name
    name = _clean(name, field="name", max_length=NAME_MAX, required=True,
                  missing=_("Enter the partner's name."))
    trade = _clean(trade, field="trade", max_length=TRADE_MAX, required=True,
                   missing=_("Enter what the partner leads (their trade)."))
    with transaction.atomic():
        require_pairing_keeper(actor, area.code)
        if person is not None:
            village = Household.objects.filter(pk=person.household_id).values_list(
                "area_id", flat=True).first()
            if not village or not access.in_scope(actor, village, None):
                raise InvalidInput(_("No such person among those you may see."),
                                   field="person")
        partner = Partner.objects.create(kind=kind, name=name, trade=trade, area=area,
                                         person=person, created_by=actor,
                                         created_at=timezone.now())
        record(actor=actor, action="pairing_partner_added", area_id=area.code, obj=partner,
               detail={"kind": kind, "trade": trade,
                       "person_id": person.pk if person else None})
    return partner


def set_partner_active(*, actor: User, partner: Partner, active: bool) -> Partner:
    """Stop offering a partner for new contracts (their running contracts go on), or
    offer them again."""
    with transaction.atomic():
        locked = Partner.objects.select_for_update().get(pk=partner.pk) if (
            connection.features.has_select_for_update) else Partner.objects.get(pk=partner.pk)
        require_pairing_keeper(actor, locked.area_id)
        if locked.active == active:
            return locked
        locked.active = active
        locked.save(update_fields=["active"])
        record(actor=actor, action="pairing_partner_activated" if active
               else "pairing_partner_deactivated", area_id=locked.area_id, obj=locked,
               detail={"active": active})
    return locked


# --- contracts ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ContractInput:
    """What a signed contract says (the form's or the API's fields)."""

    partner: Partner | None
    signed_on: date | None
    starts_on: date | None
    ends_on: date | None
    terms: str
    case: Case | None = None
    document: object | None = None  # an uploaded file (PDF, JPEG or PNG)


def check_dates(*, signed_on: date | None, starts_on: date | None, ends_on: date | None,
                today: date) -> None:
    """The contract's dates, in order: ``InvalidInput`` naming the first wrong field."""
    if signed_on is None:
        raise InvalidInput(_("Enter the day the contract was signed."), field="signed_on")
    if starts_on is None:
        raise InvalidInput(_("Enter the day the contract starts."), field="starts_on")
    if ends_on is None:
        raise InvalidInput(_("Enter the contract's last day."), field="ends_on")
    if signed_on > today:
        raise InvalidInput(_("The signing date is in the future."), field="signed_on")
    if starts_on < signed_on:
        raise InvalidInput(_("The contract cannot start before it was signed."),
                           field="starts_on")
    if ends_on <= starts_on:
        raise InvalidInput(_("The contract's last day must be after its first day."),
                           field="ends_on")
    check_values(PairingContract, signed_on=signed_on, starts_on=starts_on, ends_on=ends_on)


def state_on(*, starts_on: date, ends_on: date, today: date) -> str:
    """A contract's state on ``today`` from its dates (no early end)."""
    if ends_on < today:
        return PairingContract.State.ENDED
    if starts_on <= today:
        return PairingContract.State.RUNNING
    return PairingContract.State.PENDING


def _locked_household(household_id: int) -> Household:
    rows = Household.objects.all()
    if connection.features.has_select_for_update:
        rows = rows.select_for_update()
    return rows.get(pk=household_id)


def _mark(household: Household, paired: bool) -> bool:
    """Set the household's paired flag (only when it changes); whether it changed."""
    if household.paired == paired:
        return False
    Household.objects.filter(pk=household.pk).update(paired=paired, updated=timezone.now())
    household.paired = paired
    return True


def overlapping(household_id: int, starts_on: date, ends_on: date, *,
                exclude: int | None = None) -> PairingContract | None:
    """A contract of the household whose period (up to an early end) meets
    [starts_on, ends_on]."""
    rows = (PairingContract.objects.filter(household_id=household_id, starts_on__lte=ends_on,
                                           ends_on__gte=starts_on)
            .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=starts_on)))
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    return rows.order_by("starts_on").first()


def _check_case(case: Case, household: Household) -> None:
    program = case.program.code if case.program_id else ""
    if case.household_id != household.pk or program != PROGRAM:
        raise InvalidInput(_("Choose an assistance-pairing application of this household."),
                           field="case")
    if case.status != CaseStatus.APPROVED:
        raise InvalidInput(_("The application has not been granted."), field="case")


def sign_contract(*, actor: User, household: Household, data: ContractInput,
                  today: date | None = None) -> PairingContract:
    """Record a signed pairing contract for a hardship household of the actor's village or
    township; the household is marked paired when the contract has started.

    Refused: a household that is neither a hardship nor a special family (``household``),
    an inactive partner or one from another township (``partner``), dates out of order
    (the field named), an application that is not this household's granted pairing
    application (``case``), a document that is not a PDF, JPEG or PNG of at most 10 MB
    (``document``); ``CaseConflict`` (409, ``household``) when the household already has a
    contract over any day of the period.
    """
    today = today or timezone.localdate()
    terms = _clean(data.terms, field="terms", max_length=TEXT_MAX, required=True,
                   missing=_("Enter what the partner will do."), one_line=False)
    check_dates(signed_on=data.signed_on, starts_on=data.starts_on, ends_on=data.ends_on,
                today=today)
    if data.document:
        from django.core.exceptions import ValidationError

        try:
            check_upload(data.document)
        except ValidationError as exc:
            raise InvalidInput(exc.messages[0], field="document") from None
    with transaction.atomic():
        locked = _locked_household(household.pk)
        require_pairing_keeper(actor, locked.area_id)
        if not (locked.hardship or locked.special_family):
            raise InvalidInput(_("Only hardship family-planning households (计生困难家庭) are "
                                 "paired."), field="household")
        partner = data.partner
        if partner is None:
            raise InvalidInput(_("Choose the partner."), field="partner")
        if not partner.active:
            raise InvalidInput(_("This partner no longer takes new contracts."),
                               field="partner")
        if not partner_serves(partner.area_id, locked.area_id):
            raise InvalidInput(_("Choose a partner of the household's township."),
                               field="partner")
        if data.case is not None:
            _check_case(data.case, locked)
        clash = overlapping(locked.pk, data.starts_on, data.ends_on)
        if clash is not None:
            raise CaseConflict(
                _("The household is already paired from %(start)s to %(end)s (contract "
                  "#%(id)s); a second contract may not overlap it.") % {
                    "start": clash.starts_on.isoformat(), "end": clash.last_day.isoformat(),
                    "id": clash.pk},
                field="household", code="already_paired")
        state = state_on(starts_on=data.starts_on, ends_on=data.ends_on, today=today)
        contract = PairingContract(
            household=locked, partner=partner, area_id=locked.area_id, case=data.case,
            signed_on=data.signed_on, starts_on=data.starts_on, ends_on=data.ends_on,
            terms=terms, state=state, created_by=actor, created_at=timezone.now())
        if data.document:
            contract.document_name = _file_name(data.document)
            contract.document.save(contract.document_name, data.document, save=False)
        try:
            try:
                with transaction.atomic():
                    contract.save(force_insert=True)
            except IntegrityError as exc:  # a concurrent contract took the household
                raise CaseConflict(_("The household is already paired."), field="household",
                                   code="already_paired") from exc
            marked = state == PairingContract.State.RUNNING and _mark(locked, True)
            record(actor=actor, action="pairing_contract_signed", area_id=locked.area_id,
                   obj=contract, detail={
                       "household_id": locked.pk, "partner_id": partner.pk,
                       "case_id": data.case.pk if data.case else None,
                       "signed_on": data.signed_on.isoformat(),
                       "starts_on": data.starts_on.isoformat(),
                       "ends_on": data.ends_on.isoformat(), "state": state,
                       "document": bool(data.document), "household_paired": marked})
        except BaseException:
            _drop_file(contract)  # nothing half-stored: no file without its row
            raise
    return contract


def _file_name(upload) -> str:
    """The uploaded file's own name, without folders or control characters (shown and
    offered on download; the stored name is random)."""
    import unicodedata
    from pathlib import PurePath

    name = PurePath((getattr(upload, "name", "") or "").replace("\\", "/")).name
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    return name[-200:] or "contract"


def _drop_file(contract: PairingContract) -> None:
    if contract.document:
        contract.document.storage.delete(contract.document.name)


def _locked_contract(contract_id: int) -> PairingContract:
    rows = PairingContract.objects.select_related("household")
    if connection.features.has_select_for_update:
        rows = rows.select_for_update(of=("self",))
    return rows.get(pk=contract_id)


def end_contract(*, actor: User, contract: PairingContract, ended_on: date, reason: str,
                 today: date | None = None) -> PairingContract:
    """End a contract early (the household moved, the partner stopped, the family asked):
    from ``ended_on`` on it no longer runs, and its household is no longer marked paired.

    Refused: a contract already ended (``CaseConflict``, ``ended_on``), a date in the
    future, before the signing or after the contract's last day, or before a visit already
    recorded (``ended_on``), no reason (``end_reason``).
    """
    today = today or timezone.localdate()
    reason = _clean(reason, field="end_reason", max_length=TEXT_MAX, required=True,
                    missing=_("Say why the contract ends early."), one_line=False)
    if ended_on is None:
        raise InvalidInput(_("Enter the day the contract ends."), field="ended_on")
    with transaction.atomic():
        locked = _locked_contract(contract.pk)
        require_pairing_keeper(actor, locked.area_id)
        if locked.state == PairingContract.State.ENDED:
            raise CaseConflict(_("This contract has already ended."), field="ended_on",
                               code="already_ended")
        if ended_on > today:
            raise InvalidInput(_("The end date is in the future."), field="ended_on")
        if ended_on < locked.signed_on:
            raise InvalidInput(_("The contract cannot end before it was signed."),
                               field="ended_on")
        if ended_on > locked.ends_on:
            raise InvalidInput(_("The contract's last day is %(day)s: it ends by itself then."
                                 ) % {"day": locked.ends_on.isoformat()}, field="ended_on")
        last_visit = (PairingVisit.objects.filter(contract_id=locked.pk)
                      .order_by("-visited_on").values_list("visited_on", flat=True).first())
        if last_visit is not None and ended_on < last_visit:
            raise InvalidInput(_("A visit was recorded on %(day)s, after this date.") % {
                "day": last_visit.isoformat()}, field="ended_on")
        was = locked.state
        locked.state = PairingContract.State.ENDED
        locked.ended_on = ended_on
        locked.end_reason = reason
        locked.save(update_fields=["state", "ended_on", "end_reason"])
        household = _locked_household(locked.household_id)
        unmarked = was == PairingContract.State.RUNNING and _mark(household, False)
        record(actor=actor, action="pairing_contract_ended_early", area_id=locked.area_id,
               obj=locked, detail={"household_id": household.pk, "from_state": was,
                                   "ended_on": ended_on.isoformat(),
                                   "household_unpaired": unmarked})
    return locked


def record_visit(*, actor: User, contract: PairingContract, visited_on: date | None,
                 visited_by: str, visitor_name: str = "", note: str = "",
                 today: date | None = None) -> PairingVisit:
    """Record a follow-up visit under ``contract``, by the partner or the village.

    Refused: a day outside the contract's period (its first day to its last, an early end
    day included) or in the future (``visited_on``); an unknown visitor kind
    (``visited_by``); no visitor's name for a village visit (``visitor_name``; a partner's
    visit defaults to the partner's name).
    """
    today = today or timezone.localdate()
    if visited_by not in PairingVisit.VisitedBy.values:
        raise InvalidInput(_("Choose who visited: the partner or the village."),
                           field="visited_by")
    note = _clean(note, field="note", max_length=TEXT_MAX, one_line=False)
    visitor_name = _clean(visitor_name, field="visitor_name", max_length=VISITOR_MAX)
    if visited_on is None:
        raise InvalidInput(_("Enter the day of the visit."), field="visited_on")
    if visited_on > today:
        raise InvalidInput(_("The visit date is in the future."), field="visited_on")
    with transaction.atomic():
        locked = _locked_contract(contract.pk)
        require_pairing_keeper(actor, locked.area_id)
        last = locked.ended_on or locked.ends_on
        if not (locked.starts_on <= visited_on <= last):
            raise InvalidInput(_("The visit must fall within the contract, %(start)s to "
                                 "%(end)s.") % {"start": locked.starts_on.isoformat(),
                                                "end": last.isoformat()},
                               field="visited_on")
        if not visitor_name:
            if visited_by != PairingVisit.VisitedBy.PARTNER:
                raise InvalidInput(_("Enter the visitor's name."), field="visitor_name")
            visitor_name = Partner.objects.filter(pk=locked.partner_id).values_list(
                "name", flat=True).get()[:VISITOR_MAX]
        visit = PairingVisit.objects.create(
            contract=locked, area_id=locked.area_id, visited_on=visited_on,
            visited_by=visited_by, visitor_name=visitor_name, note=note, recorded_by=actor,
            recorded_at=timezone.now())
        record(actor=actor, action="pairing_visit_recorded", area_id=locked.area_id,
               obj=visit, detail={"contract_id": locked.pk,
                                  "visited_on": visited_on.isoformat(),
                                  "visited_by": visited_by})
    return visit


# --- the daily sweep ---------------------------------------------------------------------

def _due(rows):
    """The due rows, locked one at a time by the caller; on PostgreSQL a row another
    sweep holds is skipped (it is being handled)."""
    if connection.features.has_select_for_update_skip_locked:
        return rows.select_for_update(skip_locked=True, of=("self",))
    return rows


def end_finished_contracts(*, today: date) -> int:
    """Start the contracts whose first day has come and end those whose last day has
    passed, keeping ``Household.paired`` in step; each change with its RecordEvent.

    Reads only what is due (the partial indexes on pending starts and open ends), one
    short transaction per contract, so a run that stops half-way leaves each contract
    either done or due for the next run. Ends come before starts: a renewal that starts
    the day after the previous contract's last day leaves the household paired. Returns
    the number of contracts ended. Safe to run twice, and on a day missed (a contract
    whose whole period passed unseen ends without ever marking the household).
    """
    open_states = (PairingContract.State.PENDING, PairingContract.State.RUNNING)
    ended = 0
    due_end = list(PairingContract.objects.filter(state__in=open_states, ends_on__lt=today)
                   .order_by("ends_on", "id").values_list("pk", flat=True))
    for pk in due_end:
        with transaction.atomic():
            contract = _due(PairingContract.objects.filter(
                pk=pk, state__in=open_states, ends_on__lt=today)).first()
            if contract is None:
                continue
            was = contract.state
            contract.state = PairingContract.State.ENDED
            contract.save(update_fields=["state"])
            unmarked = False
            if was == PairingContract.State.RUNNING:
                unmarked = _mark(_locked_household(contract.household_id), False)
            record(actor=None, action="pairing_contract_ended", area_id=contract.area_id,
                   obj=contract, detail={"household_id": contract.household_id,
                                         "from_state": was,
                                         "ends_on": contract.ends_on.isoformat(),
                                         "household_unpaired": unmarked})
            ended += 1
    due_start = list(PairingContract.objects.filter(state=PairingContract.State.PENDING,
                                                    starts_on__lte=today)
                     .order_by("starts_on", "id").values_list("pk", flat=True))
    for pk in due_start:
        with transaction.atomic():
            contract = _due(PairingContract.objects.filter(
                pk=pk, state=PairingContract.State.PENDING, starts_on__lte=today)).first()
            if contract is None:
                continue
            contract.state = PairingContract.State.RUNNING
            try:
                with transaction.atomic():
                    contract.save(update_fields=["state"])
            except IntegrityError:  # another contract runs (cannot happen: no overlaps)
                continue
            marked = _mark(_locked_household(contract.household_id), True)
            record(actor=None, action="pairing_contract_started", area_id=contract.area_id,
                   obj=contract, detail={"household_id": contract.household_id,
                                         "starts_on": contract.starts_on.isoformat(),
                                         "household_paired": marked})
    return ended

