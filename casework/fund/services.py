"""Booking in the welfare fund (计划生育公益金): income, spending, grants and corrections.

Who: the district's fund is kept by its district approvers and the administrators of the
district (``access.require_keeper(actor, district_code)``); grants are booked by the
grant itself (``reserve_grant``, inside the transaction that issues a welfare-grant
entitlement, after the approval step checked the approver).

The rules (**assumed, set locally**, see ``casework.fund.ledger``): a year's balance is
the balance carried over from the earlier years plus its income minus its spending; no
booking may take the balance of its year, or of any later year, below zero
(``CaseConflict(code="budget_exhausted")`` naming what is left and what is needed).
Entries are never changed or deleted: ``reverse_entry`` books the opposite, once.

Every booking locks the fund's year rows (``FundYear``, created on demand) of its year
and the later ones, oldest first, before it reads the balance: two grants approved at
the same moment are counted one after the other. Each writes a ``RecordEvent`` in its
transaction.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework import access
from casework.errors import CaseConflict, InvalidInput, NotPermitted
from casework.field_rules import check_values, normalize_text
from casework.history.record_events import record
from casework.models import Area, Case, User

from . import ledger
from .models import FundEntry, FundYear

Kind = FundEntry.Kind
#: the program whose grants the fund pays (``casework.services.issue_entitlement``)
GRANT_PROGRAM = "welfare_grant"
#: the kinds a keeper books by hand; grants come only from approved cases
BOOKABLE_KINDS = (Kind.ALLOCATION, Kind.DONATION, Kind.OTHER_INCOME, Kind.OTHER_SPENDING)
FIRST_YEAR = 2000
COUNTERPARTY_MAX = 100
REFERENCE_MAX = 40
NOTE_MAX = 500


# --- which fund ------------------------------------------------------------------------------

def district_of(area_code: str) -> str:
    """The district (6 digits) an area code lies in: the fund that serves it."""
    return (area_code or "")[:6]


def default_district() -> str:
    """The one district in the register (this service runs one district's fund)."""
    codes = list(Area.objects.filter(level=Area.Level.DISTRICT)
                 .values_list("code", flat=True)[:2])
    if len(codes) != 1:
        raise InvalidInput(_("Say which district's fund."), field="area")
    return codes[0]


# --- checks -----------------------------------------------------------------------------------

def _amount(value, field: str = "amount_yuan") -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise InvalidInput(_("Enter the amount in yuan."), field=field) from None
    if not amount.is_finite() or amount <= 0:
        raise InvalidInput(_("The amount must be more than zero."), field=field)
    if amount != amount.quantize(ledger.CENT):
        raise InvalidInput(_("The amount has at most two decimal places (fen)."), field=field)
    try:  # the field's range (casework.field_rules), named as the caller calls it
        check_values(FundEntry, amount_yuan=amount)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, field=field) from None
    return amount.quantize(ledger.CENT)  # as stored: "3000.00"


def _booking_date(booked_on, year: int | None, *, today: date, field: str = "booked_on"
                  ) -> tuple[date, int]:
    if not isinstance(booked_on, date):
        raise InvalidInput(_("Enter the booking date."), field=field)
    if booked_on > today:
        raise InvalidInput(_("The booking date is in the future."), field=field)
    if year is None:
        year = booked_on.year
    if not isinstance(year, int) or not FIRST_YEAR <= year <= today.year:
        raise InvalidInput(_("The fund year must be between %(first)s and %(last)s.") % {
            "first": FIRST_YEAR, "last": today.year}, field="year")
    if booked_on.year != year:
        raise InvalidInput(_("The booking date must be inside the fund year %(year)s.") % {
            "year": year}, field=field)
    return booked_on, year


def _text(value, field: str, limit: int, *, required: bool = False,
          message: str = "") -> str:
    text = normalize_text(value)
    if required and not text:
        raise InvalidInput(message, field=field)
    if len(text) > limit:
        raise InvalidInput(_("At most %(limit)s characters.") % {"limit": limit}, field=field)
    return text


# --- the lock and the cover check ---------------------------------------------------------------

def _lock_years(district_code: str, first: int, last: int) -> None:
    """Create the fund's year rows ``first``..``last`` if missing, then lock them, oldest
    first (so two bookings never wait on each other in a circle), and mark them."""
    now = timezone.now()
    rows = FundYear.objects.filter(area_id=district_code, year__gte=first, year__lte=last)
    have = set(rows.values_list("year", flat=True))
    for year in range(first, last + 1):
        if year not in have:
            try:
                with transaction.atomic():
                    FundYear.objects.create(area_id=district_code, year=year, opened_at=now)
            except IntegrityError:  # a concurrent booking created it first
                pass
    if connection.features.has_select_for_update:
        list(rows.select_for_update().order_by("year").values_list("pk", flat=True))
    rows.update(last_booked_at=now)


def _check_cover(district_code: str, year: int, amount: Decimal) -> None:
    """Refuse a spending of ``amount`` in ``year`` the fund cannot cover (under the lock)."""
    left = ledger.read_book(district_code).available(year)
    if amount > left:
        raise CaseConflict(
            _("The welfare fund's %(year)s balance cannot cover this (%(left)s yuan left, "
              "%(amount)s needed).") % {"year": year, "left": max(left, ledger.ZERO),
                                         "amount": amount},
            field="amount_yuan", code="budget_exhausted")


def _detail(entry: FundEntry) -> dict:
    return {"kind": entry.kind, "year": entry.year, "booked_on": entry.booked_on.isoformat(),
            "amount_yuan": str(entry.amount_yuan), "counterparty": entry.counterparty,
            "reference": entry.reference, "case": entry.case_id,
            "reverses": entry.reverses_id}


def _create(**fields) -> FundEntry:
    """Insert an entry; a voucher number the district already used names the field."""
    area_id, reference = fields["area_id"], fields.get("reference", "")
    if reference and FundEntry.objects.filter(area_id=area_id, reference=reference).exists():
        raise InvalidInput(_("Voucher number %(number)s is already used.") % {
            "number": reference}, field="reference")
    try:
        with transaction.atomic():
            return FundEntry.objects.create(recorded_at=timezone.now(), **fields)
    except IntegrityError as exc:  # a concurrent entry took the number or the reversal
        if fields.get("reverses") is not None:
            raise CaseConflict(_("This entry has already been reversed."),
                               code="already_reversed") from exc
        raise InvalidInput(_("Voucher number %(number)s is already used.") % {
            "number": reference}, field="reference") from exc


# --- booking ----------------------------------------------------------------------------------

def book_entry(*, actor: User, kind: str, amount_yuan: Decimal, booked_on: date,
               year: int | None = None, district_code: str | None = None,
               counterparty: str = "", reference: str = "", note: str = "") -> FundEntry:
    """Book income (an allocation, a donation, other income) or other spending.

    ``district_code`` defaults to the actor's district; ``year`` to ``booked_on``'s.
    Refused: ``NotPermitted`` unless the actor keeps the district's records;
    ``InvalidInput`` naming the field (``kind``: grants come from approved cases;
    ``booked_on``: outside the year or in the future; ``amount_yuan``: not more than
    zero; ``counterparty``: missing; ``reference``: already used);
    ``CaseConflict(code="budget_exhausted")`` for a spending the balance cannot cover.
    """
    district_code = district_code or district_of(getattr(actor, "area_id", "") or "")
    today = timezone.localdate()
    with transaction.atomic():
        access.require_keeper(actor, district_code)
        if len(district_code) != 6:
            raise InvalidInput(_("The fund is a district's."), field="area")
        if kind == Kind.GRANT:
            raise InvalidInput(_("Grants are booked when a welfare-grant case is approved."),
                               field="kind")
        if kind not in BOOKABLE_KINDS:
            raise InvalidInput(_("Choose a kind from the list."), field="kind")
        booked_on, year = _booking_date(booked_on, year, today=today)
        amount = _amount(amount_yuan)
        counterparty = _text(counterparty, "counterparty", COUNTERPARTY_MAX, required=True,
                             message=_("Say who the money came from or went to."))
        reference = _text(reference, "reference", REFERENCE_MAX)
        note = _text(note, "note", NOTE_MAX)
        _lock_years(district_code, year, today.year)
        if kind not in FundEntry.INCOME_KINDS:
            _check_cover(district_code, year, amount)
        entry = _create(area_id=district_code, year=year, booked_on=booked_on, kind=kind,
                        amount_yuan=amount, counterparty=counterparty, reference=reference,
                        note=note, recorded_by=actor)
        action = "fund_income_booked" if entry.is_income else "fund_spending_booked"
        record(actor=actor, action=action, area_id=district_code, obj=entry,
               detail=_detail(entry))
    return entry


def reverse_entry(*, actor: User, entry: FundEntry, note: str, booked_on: date | None = None,
                  reference: str = "") -> FundEntry:
    """Cancel ``entry`` with a reversing entry booked on ``booked_on`` (default today),
    once. ``note`` says why (required).

    Refused: ``NotPermitted`` unless the actor keeps the entry's district;
    ``InvalidInput`` (``note`` missing; ``booked_on`` in the future or before the
    entry's own date); ``CaseConflict`` for a reversal (``is_reversal``), an entry
    already reversed (``already_reversed``), or reversing income the balance can no
    longer spare (``budget_exhausted``).
    """
    today = timezone.localdate()
    booked_on = booked_on or today
    with transaction.atomic():
        access.require_keeper(actor, entry.area_id)
        note = _text(note, "note", NOTE_MAX, required=True,
                     message=_("Say why the entry is reversed."))
        reference = _text(reference, "reference", REFERENCE_MAX)
        booked_on, year = _booking_date(booked_on, None, today=today)
        if booked_on < entry.booked_on:
            raise InvalidInput(_("A reversal cannot be dated before the entry it reverses "
                                 "(%(date)s).") % {"date": entry.booked_on.isoformat()},
                               field="booked_on")
        _lock_years(entry.area_id, year, today.year)
        original = FundEntry.objects.get(pk=entry.pk)
        if original.reverses_id is not None:
            raise CaseConflict(_("A reversal cannot itself be reversed; book a new entry."),
                               code="is_reversal")
        if FundEntry.objects.filter(reverses_id=original.pk).exists():
            raise CaseConflict(_("This entry has already been reversed."),
                               code="already_reversed")
        if original.is_income:  # taking income back is spending
            _check_cover(original.area_id, year, original.amount_yuan)
        reversal = _create(area_id=original.area_id, year=year, booked_on=booked_on,
                           kind=original.kind, amount_yuan=original.amount_yuan,
                           counterparty=original.counterparty, reference=reference,
                           case_id=original.case_id, case_area_id=original.case_area_id,
                           reverses=original, note=note, recorded_by=actor)
        record(actor=actor, action="fund_entry_reversed", area_id=original.area_id,
               obj=reversal, detail={**_detail(reversal), "note": note})
    return reversal


def reserve_grant(*, case: Case, amount: Decimal, on: date, actor: User | None,
                  reference: str = "") -> FundEntry:
    """Book the welfare grant of ``case`` from its district's fund, or refuse it.

    Called inside the transaction that grants the case (``casework.services.
    issue_entitlement``), so a refusal undoes the whole approval. The approval step has
    checked the approver; here only that the actor (when there is one) may see the case.
    Locks the fund's year, then refuses with ``CaseConflict(code="budget_exhausted")``
    (naming the yuan left and needed) a grant the year's available balance cannot cover,
    and with ``CaseConflict(code="grant_booked")`` a second grant for the same case.
    """
    if actor is not None and not access.in_scope(actor, case.area_id, None):
        raise NotPermitted(_("You may not grant a case outside your area."))
    amount = _amount(amount)
    today = timezone.localdate()
    on, year = _booking_date(on, None, today=today)
    with transaction.atomic():
        if case.program.code != GRANT_PROGRAM:
            raise InvalidInput(_("Only welfare-grant cases are paid from the welfare fund."),
                               field="case")
        district_code = district_of(case.area_id)
        _lock_years(district_code, year, max(year, today.year))
        booked = FundEntry.objects.filter(case_id=case.pk, kind=Kind.GRANT,
                                          reverses__isnull=True, reversal__isnull=True)
        if booked.exists():
            raise CaseConflict(_("The grant of case #%(case)s is already booked.") % {
                "case": case.pk}, code="grant_booked")
        _check_cover(district_code, year, amount)
        entry = _create(area_id=district_code, year=year, booked_on=on, kind=Kind.GRANT,
                        amount_yuan=amount, counterparty="", reference=reference,
                        case_id=case.pk, case_area_id=case.area_id, recorded_by=actor)
        record(actor=actor, action="fund_grant_booked", area_id=district_code, obj=entry,
               detail=_detail(entry))
    return entry


# --- figures ----------------------------------------------------------------------------------

def available(year: int, *, district_code: str | None = None) -> Decimal:
    """The welfare-grant budget left in ``year``: what may still be spent without taking
    that year's balance, or a later one's, below zero (assumed, set locally)."""
    return ledger.read_book(district_code or default_district()).available(year)


def year_summary(year: int, *, district_code: str | None = None,
                 as_of: date | None = None) -> dict:
    """``year`` of the district's fund: income and spending by kind (net of reversals),
    their totals, the balance carried over from earlier years, the year's balance, what
    is still available for grants, and the number of grants. Entries booked on or before
    ``as_of`` (all when None). One statement."""
    district_code = district_code or default_district()
    book = ledger.read_book(district_code, as_of=as_of)
    return {
        "year": year,
        "district": district_code,
        "income": {k: book.income(year, (k,)) for k in ledger.INCOME_KINDS},
        "spending": {k: book.spending(year, (k,)) for k in ledger.SPENDING_KINDS},
        "income_yuan": book.income(year),
        "spending_yuan": book.spending(year),
        "carried_over_yuan": book.carried_over(year),
        "balance_yuan": book.balance(year),
        "available_yuan": book.available(year),
        "grants": book.count(year, Kind.GRANT),
    }
