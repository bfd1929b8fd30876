"""Association dues (会费): the yearly amount, who owes what, and recording a payment.

- **The amount** is a setting, ``ASSOCIATION_DUES_YUAN``: ``{first year: amount}``, each
  amount in force from its year until the next key (default ``DEFAULT_DUES``). Dues are
  owed from its earliest year on: before it the association collected none.
- **Owed years** of a membership (``due_years``): every year from the later of its joining
  year and the first dues year, up to the year asked about, and no later than the last
  year it was active (a member who left on 1 January 2026 owes up to 2025).
- **Arrears** (``arrears``): the owed years without a payment, and what they come to at
  each year's amount. ``with_arrears`` computes the number of such years in SQL, the same
  rule, so list pages filter and page by it with a constant number of statements.
- **Payments** (``record_payment``): one per member and year, each with a receipt number
  unique across the district (the paper receipt's, or ``R<year>-<member number>``, unique
  because the member number and the year are). One transaction that locks the membership
  row, writes the payment and keeps ``Membership.dues_paid_years`` (the list older code
  reads) in step. On PostgreSQL the register-change trigger logs both rows.
- **The membership drive** (``enrol_members``; the report's 吸纳他们为会员, seed line
  196): many people of one village enrolled at once, all or nothing, each with a member
  number given by the village or generated (``generated_numbers``).
- **History**: every change here (joining, leaving, a payment, each person of a drive)
  is also written as a ``RecordEvent`` (``casework.history.record_events.record``) in the same
  transaction, so the roster's history exists on SQLite too, besides PostgreSQL's
  change log.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractYear, Greatest, Least
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import access
from ..contacts import services as contacts
from ..errors import CaseConflict, InvalidInput, NotPermitted
from ..field_rules import check_values
from ..history.record_events import record
from ..models import Area, DuesPayment, Membership, Person, User

# the association's dues before anything is configured: 10 yuan a year from 2024, assumed,
# set locally (the report asks for dues to be collected, lines 186-187, but states no
# amount or first year)
DEFAULT_DUES = {2024: "10.00"}
RECEIPT_MAX = 40
LEGACY_PREFIX = "LEGACY-"
NUMBER_MAX = 30  # Membership.number's length
LOOKUP_CHUNK = 900  # values per IN (...) lookup


# --- the amount ------------------------------------------------------------------------

def schedule() -> list[tuple[int, Decimal]]:
    """``ASSOCIATION_DUES_YUAN`` as (from year, amount), oldest first."""
    raw = getattr(settings, "ASSOCIATION_DUES_YUAN", None) or DEFAULT_DUES
    rows = []
    for year, amount in raw.items():
        try:
            rows.append((int(year), Decimal(str(amount))))
        except (InvalidOperation, ValueError) as exc:
            raise ValueError(f"ASSOCIATION_DUES_YUAN: {year!r}: {amount!r} is not an amount"
                             ) from exc
    return sorted(rows)


def first_year() -> int:
    """The first year dues were owed."""
    return schedule()[0][0]


def amount_for(year: int) -> Decimal | None:
    """The dues of ``year``; None before dues were collected."""
    found = None
    for start, amount in schedule():
        if start <= year:
            found = amount
    return found


# --- owed years and arrears ---------------------------------------------------------------

def last_active_year(left: date | None, up_to: int) -> int:
    """The last year a membership was active on some day, no later than ``up_to``."""
    if left is None:
        return up_to
    return min(up_to, (left - timedelta(days=1)).year)


def due_years(joined: date, left: date | None, up_to: int) -> list[int]:
    """The years the member owes dues for, up to ``up_to`` (inclusive)."""
    start = max(joined.year, first_year())
    return list(range(start, last_active_year(left, up_to) + 1))


@dataclass(frozen=True)
class Arrears:
    """What a member has not paid: the years and their total at each year's amount."""

    years: tuple[int, ...]
    amount_yuan: Decimal

    def __bool__(self) -> bool:
        return bool(self.years)


def arrears(membership: Membership, paid_years: Iterable[int], up_to: int) -> Arrears:
    """``membership``'s unpaid owed years up to ``up_to``, given the years it paid."""
    paid = set(paid_years)
    years = tuple(y for y in due_years(membership.joined, membership.left, up_to)
                  if y not in paid)
    total = sum((amount_for(y) or Decimal("0") for y in years), Decimal("0"))
    return Arrears(years=years, amount_yuan=total)


def paid_years_of(membership: Membership) -> list[int]:
    """The years ``membership`` paid, from prefetched ``dues_payments`` when there."""
    cache = getattr(membership, "_prefetched_objects_cache", {})
    if "dues_payments" in cache:
        return sorted(p.year for p in cache["dues_payments"])
    return sorted(membership.dues_payments.values_list("year", flat=True))


def with_arrears(memberships: QuerySet, up_to: int) -> QuerySet:
    """``memberships`` annotated with ``owed_years`` and ``arrears_years`` (counts) as of
    ``up_to``: ``due_years`` and the payments of those years, in SQL (one statement
    whatever the number of rows, so list pages can filter and page on it)."""
    # the last active year: the year of (left - 1 day), i.e. left's year, one less when
    # it is 1 January; no later than up_to
    left_year = ExtractYear("left") - Case(
        When(left__month=1, left__day=1, then=Value(1)), default=Value(0),
        output_field=IntegerField())
    last = Least(Coalesce(left_year, Value(up_to)), Value(up_to), output_field=IntegerField())
    start = Greatest(ExtractYear("joined"), Value(first_year()), output_field=IntegerField())
    owed = Greatest(last - start + 1, Value(0), output_field=IntegerField())
    paid = (DuesPayment.objects.filter(membership_id=OuterRef("pk"),
                                       year__gte=OuterRef("_dues_start"),
                                       year__lte=OuterRef("_dues_last"))
            .order_by().values("membership_id").annotate(n=Count("pk")).values("n"))
    return (memberships.annotate(_dues_start=start, _dues_last=last)
            .annotate(owed_years=owed,
                      arrears_years=owed - Coalesce(Subquery(paid, output_field=IntegerField()),
                                                    Value(0))))


# --- who may write -------------------------------------------------------------------------

WRITER_ROLES = frozenset({User.Role.VILLAGE_REVIEWER, User.Role.ADMIN})


def may_keep_register(user: User, village_code: str) -> bool:
    """The village's own staff (its secretary, the village reviewer) and the program
    administrators of the area keep the register; township and district staff read it."""
    return (user.is_authenticated and user.is_active and user.role in WRITER_ROLES
            and access.can_write(user) and access.in_scope(user, village_code, None))


def _require_keeper(user: User, village_code: str) -> None:
    if not may_keep_register(user, village_code):
        raise NotPermitted(_("Only the village's staff may change its roster."))


# --- recording a payment -------------------------------------------------------------------

def receipt_for(year: int, member_number: str) -> str:
    """The receipt number the service gives when the payment came without a paper one."""
    return f"R{year}-{member_number}"[:RECEIPT_MAX]


def sync_paid_years(membership: Membership) -> None:
    """``Membership.dues_paid_years`` as the payment rows say (in the caller's
    transaction); written only when it differs."""
    years = sorted(DuesPayment.objects.filter(membership_id=membership.pk)
                   .values_list("year", flat=True))
    if list(membership.dues_paid_years or []) != years:
        membership.dues_paid_years = years
        Membership.objects.filter(pk=membership.pk).update(dues_paid_years=years)


def _locked_membership(membership_id: int) -> Membership:
    rows = Membership.objects.select_related("person__household")
    if connection.features.has_select_for_update:
        rows = rows.select_for_update(of=("self",))
    return rows.get(pk=membership_id)


def check_payment_year(membership: Membership, year: int, *, today: date) -> None:
    """Refuse a year the member owes nothing for (before dues or joining, after
    leaving, or further ahead than next year)."""
    if year < first_year():
        raise InvalidInput(_("Dues are collected from %(year)s on.") % {"year": first_year()},
                           field="year")
    if year > today.year + 1:
        raise InvalidInput(_("Dues can be paid at most one year ahead."), field="year")
    if year < membership.joined.year:
        raise InvalidInput(_("The member joined in %(year)s.") % {
            "year": membership.joined.year}, field="year")
    if membership.left is not None and year > last_active_year(membership.left, year):
        raise InvalidInput(_("The member left on %(date)s.") % {
            "date": membership.left.isoformat()}, field="year")


def record_payment(*, actor: User, membership: Membership, year: int,
                   amount_yuan: Decimal | None = None, paid_on: date | None = None,
                   receipt_number: str = "") -> DuesPayment:
    """Record that ``membership`` paid its dues for ``year``.

    ``amount_yuan`` defaults to the year's dues (``amount_for``); ``receipt_number`` to
    ``receipt_for``. Refused (``InvalidInput`` naming the field) for a year already paid,
    a receipt number already used, a year the member owes nothing for, a payment date in
    the future; ``NotPermitted`` outside the actor's village.
    """
    today = timezone.localdate()
    paid_on = paid_on or today
    receipt_number = (receipt_number or "").strip()
    if paid_on > today:
        raise InvalidInput(_("The payment date is in the future."), field="paid_on")
    with transaction.atomic():
        locked = _locked_membership(membership.pk)
        household = locked.person.household
        _require_keeper(actor, household.area_id)
        check_payment_year(locked, year, today=today)
        if amount_yuan is None:
            amount_yuan = amount_for(year)
        if amount_yuan is None or amount_yuan <= 0:
            raise InvalidInput(_("The amount must be more than zero."), field="amount_yuan")
        check_values(DuesPayment, amount_yuan=amount_yuan, paid_on=paid_on)
        if DuesPayment.objects.filter(membership_id=locked.pk, year=year).exists():
            raise CaseConflict(_("The dues for %(year)s are already paid.") % {"year": year},
                               field="year", code="dues_paid")
        receipt_number = receipt_number or receipt_for(year, locked.number)
        if DuesPayment.objects.filter(receipt_number=receipt_number).exists():
            raise InvalidInput(_("Receipt number %(number)s is already used.") % {
                "number": receipt_number}, field="receipt_number")
        try:
            with transaction.atomic():
                payment = DuesPayment.objects.create(
                    membership=locked, area_id=household.area_id, year=year,
                    amount_yuan=amount_yuan, paid_on=paid_on, receipt_number=receipt_number,
                    recorded_by=actor, recorded_at=timezone.now())
        except IntegrityError as exc:  # a concurrent payment with the same receipt
            raise InvalidInput(_("Receipt number %(number)s is already used.") % {
                "number": receipt_number}, field="receipt_number") from exc
        sync_paid_years(locked)
        record_payment_event(actor=actor, payment=payment, member_number=locked.number,
                             via="form")
    return payment


def record_payment_event(*, actor: User | None, payment: DuesPayment, member_number: str,
                         via: str) -> None:
    """The ``dues_paid`` event of ``payment`` (in the caller's transaction)."""
    record(actor=actor, action="dues_paid", area_id=payment.area_id, obj=payment, detail={
        "membership": payment.membership_id, "member_number": member_number,
        "year": payment.year, "amount_yuan": str(payment.amount_yuan),
        "paid_on": payment.paid_on.isoformat() if payment.paid_on else None,
        "receipt_number": payment.receipt_number, "via": via})


def record_joined_event(*, actor: User | None, membership: Membership, village_code: str,
                        via: str, rejoined: bool = False) -> None:
    """The ``membership_joined`` event of ``membership`` (in the caller's transaction)."""
    record(actor=actor, action="membership_joined", area_id=village_code, obj=membership,
           detail={"person": membership.person_id, "number": membership.number,
                   "joined": membership.joined.isoformat(), "role": membership.role,
                   "rejoined": rejoined, "via": via})


# --- membership ------------------------------------------------------------------------------

def add_membership(*, actor: User, person: Person, number: str, joined: date,
                   role: str = Membership.Role.MEMBER) -> Membership:
    """Enrol ``person`` in the association (or re-enrol one who had left)."""
    _require_keeper(actor, person.household.area_id)
    number = (number or "").strip()
    today = timezone.localdate()
    if not number:
        raise InvalidInput(_("Enter the member number."), field="number")
    if len(number) > NUMBER_MAX:
        raise InvalidInput(_("At most %(n)s characters.") % {"n": NUMBER_MAX}, field="number")
    if joined > today:
        raise InvalidInput(_("The joining date is in the future."), field="joined")
    if joined < person.birth_date:
        raise InvalidInput(_("The joining date is before the person's birth."), field="joined")
    if role not in Membership.Role.values:
        raise InvalidInput(_("Choose a role from the list."), field="role")
    with transaction.atomic():
        village = person.household.area_id
        taken = Membership.objects.filter(number=number).exclude(person_id=person.pk)
        if taken.exists():
            raise InvalidInput(_("Member number %(number)s is already used.") % {
                "number": number}, field="number")
        current = Membership.objects.filter(person_id=person.pk).first()
        if current is not None and current.left is None:
            raise CaseConflict(_("%(name)s is already a member.") % {"name": person.name},
                               field="person", code="already_member")
        if current is not None:  # back after leaving: the same row, its payments kept
            current.number, current.joined, current.left, current.role = (
                number, joined, None, role)
            current.save(update_fields=["number", "joined", "left", "role"])
            record_joined_event(actor=actor, membership=current, village_code=village,
                                via="form", rejoined=True)
            return current
        membership = Membership.objects.create(person=person, number=number, joined=joined,
                                               role=role)
        record_joined_event(actor=actor, membership=membership, village_code=village,
                            via="form")
        return membership


def end_membership(*, actor: User, membership: Membership, left: date) -> Membership:
    """The member leaves the association on ``left`` (owes no dues after it)."""
    with transaction.atomic():
        locked = _locked_membership(membership.pk)
        _require_keeper(actor, locked.person.household.area_id)
        if locked.left is not None:
            raise CaseConflict(_("This membership has already ended."), field="left",
                               code="already_left")
        if left <= locked.joined:
            raise InvalidInput(_("The leaving date must be after the joining date."),
                               field="left")
        if left > timezone.localdate():
            raise InvalidInput(_("The leaving date is in the future."), field="left")
        locked.left = left
        locked.save(update_fields=["left"])
        record(actor=actor, action="membership_ended", area_id=locked.person.household.area_id,
               obj=locked, detail={"person": locked.person_id, "number": locked.number,
                                   "left": left.isoformat()})
        # a leaver looks after no contact household (only members do): theirs end with it
        contacts.end_member_assignments(actor=actor, person=locked.person, left=left)
    return locked


# --- the membership drive (吸纳会员) ------------------------------------------------------------

@dataclass(frozen=True)
class Enrolment:
    """One person to enrol in a drive: their member number ("" for a generated one) and,
    when it differs from the drive's, their own joining date and role."""

    person_id: int
    number: str = ""
    joined: date | None = None
    role: str = ""


@dataclass(frozen=True)
class EnrolmentProblem:
    """Why entry ``index`` of a drive cannot be enrolled: the field and the reason."""

    index: int
    person_id: int
    field: str  # "person", "number", "joined" or "role"
    message: str


class EnrolmentRefused(InvalidInput):
    """A drive with at least one bad entry: nobody was enrolled; ``problems`` lists
    every bad entry (the caller shows each by its row)."""

    def __init__(self, problems: list[EnrolmentProblem]):
        super().__init__(_("%(n)s of the selected people cannot be enrolled; nobody was "
                           "enrolled.") % {"n": len({p.index for p in problems})},
                         field=problems[0].field if problems else None, code="enrolment")
        self.problems = problems


def number_prefix(village_code: str, year: int) -> str:
    """The generated member numbers of a village's joiners of ``year`` start with this."""
    return f"{village_code}-{year}-"


def generated_numbers(village_code: str, year: int, count: int, *,
                      avoid: Iterable[str] = ()) -> list[str]:
    """``count`` fresh member numbers ``<village code>-<year>-<0001...>``.

    Why they stay unique: the sequence goes on from the highest number with that prefix
    already in the roster (read here), skipping the numbers in ``avoid`` (the numbers
    given by hand in the same drive or file). The caller holds the village's row locked
    (``_lock_villages``) while it reads and writes, so two drives of one village take
    turns; ``Membership.number`` is unique in the database, so anything else (a number
    typed by hand elsewhere at the same moment) makes the drive fail whole, never half.
    """
    prefix = number_prefix(village_code, year)
    pattern = re.compile(re.escape(prefix) + r"(\d+)")
    used = {n for n in Membership.objects.filter(number__startswith=prefix)
            .values_list("number", flat=True)}
    highest = max((int(m.group(1)) for n in used if (m := pattern.fullmatch(n))), default=0)
    avoid = set(avoid) | used
    numbers, seq = [], highest
    while len(numbers) < count:
        seq += 1
        number = f"{prefix}{seq:04d}"
        if number not in avoid:
            numbers.append(number)
    return numbers


def _lock_villages(codes: Iterable[str]) -> None:
    """Hold the villages' rows until the transaction ends (number generation takes turns
    per village). SQLite writes one transaction at a time anyway."""
    if connection.features.has_select_for_update:
        list(Area.objects.select_for_update().filter(code__in=sorted(set(codes)))
             .values_list("code", flat=True))


def _chunks(items: Sequence, size: int = LOOKUP_CHUNK):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def enrol_members(*, actor: User, village_code: str, entries: Sequence[Enrolment],
                  joined: date | None = None, role: str = Membership.Role.MEMBER,
                  generate_numbers: bool = True, via: str = "drive") -> list[Membership]:
    """Enrol the people of ``entries``, all of one village, in one transaction: all of
    them, or (``EnrolmentRefused`` listing every bad entry) nobody.

    Each entry's joining date and role default to the drive's ``joined`` and ``role``.
    A blank number is generated (``generated_numbers``) when ``generate_numbers``, else
    refused; a former member who rejoins without a number given keeps their old one
    (the same membership row, their payments kept). An entry is refused when its person
    is not of the village ("unknown member"), is listed twice, is already a member, joins
    in the future or before birth, or its number is taken. Each enrolment is recorded
    (``membership_joined``). A number taken by someone else meanwhile: ``CaseConflict``,
    nothing stored. Statements: a constant number for the checks, one insert per
    membership's event.
    """
    _require_keeper(actor, village_code)
    if access.level_of(village_code) != "village":
        raise InvalidInput(_("Choose a village."), field="village")
    if not entries:
        raise InvalidInput(_("Select at least one person."), field="person")
    today = timezone.localdate()
    if joined is not None and joined > today:
        raise InvalidInput(_("The joining date is in the future."), field="joined")
    if role not in Membership.Role.values:
        raise InvalidInput(_("Choose a role from the list."), field="role")
    with transaction.atomic():
        _lock_villages([village_code])
        ids = sorted({e.person_id for e in entries})
        people: dict[int, Person] = {}
        for chunk in _chunks(ids):
            people.update({p.pk: p for p in Person.objects.filter(
                pk__in=chunk, household__area_id=village_code).select_related("membership")})
        given = sorted({e.number.strip() for e in entries if e.number.strip()})
        owners: dict[str, int] = {}
        for chunk in _chunks(given):
            owners.update(dict(Membership.objects.filter(number__in=chunk)
                               .values_list("number", "person_id")))
        problems: list[EnrolmentProblem] = []
        seen_people: dict[int, int] = {}
        seen_numbers: dict[str, int] = {}
        plans = []
        for index, entry in enumerate(entries):
            refuse = _refuser(problems, index, entry)
            person = people.get(entry.person_id)
            if person is None:
                refuse("person", _("Unknown member: nobody of this village has this record."))
                continue
            if entry.person_id in seen_people:
                refuse("person", _("Listed twice."))
                continue
            seen_people[entry.person_id] = index
            current = getattr(person, "membership", None)
            if current is not None and current.left is None:
                refuse("person", _("Already a member (number %(number)s).") % {
                    "number": current.number})
                continue
            when = entry.joined or joined
            if when is None:
                refuse("joined", _("Enter the joining date."))
            elif when > today:
                refuse("joined", _("The joining date is in the future."))
            elif when < person.birth_date:
                refuse("joined", _("The joining date is before the person's birth."))
            if current is not None and when is not None and current.left and when < current.left:
                refuse("joined", _("Before the date the person left (%(date)s).") % {
                    "date": current.left.isoformat()})
            member_role = entry.role or role
            if member_role not in Membership.Role.values:
                refuse("role", _("Choose a role from the list."))
            number = " ".join(entry.number.split())
            if number:
                if len(number) > NUMBER_MAX:
                    refuse("number", _("At most %(n)s characters.") % {"n": NUMBER_MAX})
                elif number in seen_numbers:
                    refuse("number", _("Member number %(number)s is given twice.") % {
                        "number": number})
                elif owners.get(number, person.pk) != person.pk:
                    refuse("number", _("Member number %(number)s is already used.") % {
                        "number": number})
                seen_numbers.setdefault(number, index)
            elif not generate_numbers and current is None:
                refuse("number", _("Enter the member number."))
            plans.append((person, current, number, when, member_role))
        if problems:
            raise EnrolmentRefused(problems)
        # numbers: given, kept (a former member), or generated per joining year
        wanted: dict[int, list[int]] = {}
        for position, (_person, current, number, when, _role) in enumerate(plans):
            if not number and current is None:
                wanted.setdefault(when.year, []).append(position)
        fresh: dict[int, str] = {}
        for year, positions in sorted(wanted.items()):
            numbers = generated_numbers(village_code, year, len(positions),
                                        avoid=seen_numbers)
            fresh.update(zip(positions, numbers, strict=True))
        created, rejoined, result = [], [], []
        for position, (person, current, number, when, member_role) in enumerate(plans):
            if current is not None:
                current.number = number or current.number
                current.joined, current.left, current.role = when, None, member_role
                rejoined.append(current)
                result.append(current)
            else:
                membership = Membership(person_id=person.pk, joined=when, role=member_role,
                                        number=number or fresh[position])
                created.append(membership)
                result.append(membership)
        try:
            with transaction.atomic():
                if rejoined:
                    Membership.objects.bulk_update(rejoined, ["number", "joined", "left",
                                                              "role"])
                _insert_memberships(created)
        except IntegrityError as exc:  # a number taken meanwhile
            raise CaseConflict(_("A member number was taken meanwhile; nobody was enrolled. "
                                 "Please try again."), field="number",
                               code="number_taken") from exc
        back = {m.pk for m in rejoined}
        for membership in result:
            record_joined_event(actor=actor, membership=membership, village_code=village_code,
                                via=via, rejoined=membership.pk in back)
    return result


def _refuser(problems: list[EnrolmentProblem], index: int, entry: Enrolment):
    def refuse(field: str, message: str) -> None:
        problems.append(EnrolmentProblem(index, entry.person_id, field, str(message)))

    return refuse


def _insert_memberships(rows: list[Membership]) -> None:
    """Insert ``rows`` and make sure each has its id (read back by number on a backend
    whose bulk insert returns none)."""
    Membership.objects.bulk_create(rows, batch_size=1000)
    if any(row.pk is None for row in rows):
        ids: dict[str, int] = {}
        for chunk in _chunks([row.number for row in rows]):
            ids.update(dict(Membership.objects.filter(number__in=chunk)
                            .values_list("number", "pk")))
        for row in rows:
            row.pk = ids[row.number]


def payments_in(user: User, area: Area | None = None) -> QuerySet:
    """The payments ``user`` may see (their village's, township's or district's)."""
    rows = DuesPayment.objects.filter(access.area_q(user, household_field=None))
    if area is not None:
        rows = rows.filter(area__code__startswith=area.code)
    return rows

