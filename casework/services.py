"""State changes of the register: households, the pre-check, entitlements.

Process-driving services (submit, decide, withdraw...) live in
``workflows.applications.services`` because they move viewflow processes; casework does not
import viewflow.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from eligibility.decision import EligibilityDecision
from eligibility.evaluate import evaluate
from eligibility.grants import (
    card_benefits,
    grant_amount,
    pays_special_families_more,
    period_from,
)
from eligibility.models import Program
from eligibility.parameters import PARAMETER_ROW, parameters_on, resolve, rows_in_force

from .compiled_queries import CompiledQuery
from .errors import CaseConflict, InvalidInput, NotPermitted
from .field_rules import check_values, normalize_text
from .fund import services as fund
from .history.audit import queue_insert
from .models import (
    Area,
    AuditEvent,
    Case,
    Entitlement,
    EntitlementRenewal,
    Household,
    Membership,
    Person,
    User,
)
from .personal.identity import mask_resident_id, parse_resident_id
from .register.facts import build_facts

#: ``eligibility.parameters_on``'s rows, compiled once a process: every application and
#: re-certification pre-check reads them
_PARAMETER_ROWS = CompiledQuery(
    lambda *, program_id, on: rows_in_force(program_id, on).values_list(*PARAMETER_ROW),
    values={"program_id": int, "on": date})


def precheck(*, household: Household, applicant_id: int, program: Program, on: date
             ) -> tuple[EligibilityDecision, dict[str, Any]]:
    """Evaluate the program's rule on a fresh facts snapshot; returns (decision, facts)."""
    facts = build_facts(household=household, applicant_id=applicant_id,
                        program_code=program.code, on=on)
    params = resolve(_PARAMETER_ROWS.rows(program_id=program.pk, on=on), on)
    return evaluate(facts, program.code, params, on), facts.to_json()


def store_precheck(case: Case, decision: EligibilityDecision, facts: dict[str, Any]) -> None:
    """Keep the decision with everything needed to replay it (no save)."""
    case.eligible = decision.eligible
    case.rule_version = decision.rule_version
    case.eligibility = decision.to_json()
    case.facts = facts


def case_parameter(case: Case, key: str, default: Any = None) -> Any:
    """A policy value as it stood when the case was pre-checked."""
    return (case.eligibility.get("parameters") or {}).get(key, default)


def card_benefit_lines(case: Case, language: str) -> list[str]:
    """What the case's card gives (一免二优六减半 for the medical card), as printed on it:
    the ``card_benefits`` the case was decided under; for a case decided before the
    parameter existed, the one in force on its application date. Empty for a program
    whose card lists nothing."""
    params = case.eligibility.get("parameters") or {}
    if "validity_period" not in params:  # decided before card_benefits and periods existed
        params = parameters_on(case.program_id, case.application_date)
    return card_benefits(params, language)


def reserve_budget(case: Case, amount: Decimal, on: date) -> None:
    """Refuse a grant that would overspend the program's yearly budget.

    The budget is the ``annual_budget_yuan`` parameter in force on the grant date
    (programs without one have no cap). What the year has already spent is every
    period of the program that starts in it: the new grants' first periods and the
    renewals the year's re-certification added (a yearly subsidy is paid again for each
    renewed period, ``EntitlementRenewal.amount_yuan``). The program row is locked
    first, so grants approved at the same moment are counted one after the other and
    the fund can never be overspent.
    """
    budget = parameters_on(case.program_id, on).get("annual_budget_yuan")
    if budget is None or amount <= 0:
        return
    list(Program.objects.select_for_update().filter(pk=case.program_id).values_list("pk"))
    granted = Entitlement.objects.filter(
        program_id=case.program_id, valid_from__year=on.year,
    ).aggregate(total=Sum("amount_yuan"))["total"] or Decimal("0")
    renewed = EntitlementRenewal.objects.filter(
        entitlement__program_id=case.program_id, valid_from__year=on.year,
    ).aggregate(total=Sum("amount_yuan"))["total"] or Decimal("0")
    used = granted + renewed
    if used + amount > Decimal(str(budget)):
        raise CaseConflict(
            _("The fund's %(year)s budget cannot cover this grant (%(left)s yuan left, "
              "%(amount)s needed).") % {"year": on.year, "left": Decimal(str(budget)) - used,
                                         "amount": amount},
            code="budget_exhausted")


def issue_entitlement(case: Case, *, actor: User | None = None) -> Entitlement:
    """Create the entitlement of an approved case (the caller's transaction), for the
    period and amount the program's parameters at the pre-check say
    (``eligibility.grants``: a calendar year, or so many years from today).

    A welfare grant is paid from the district's welfare fund (``casework.fund``): its
    booking in the ledger is part of the grant, refused (``budget_exhausted``, and the
    whole approval with it) when the fund cannot cover it. Another cash program with an
    ``annual_budget_yuan`` parameter is capped by it (``reserve_budget``).

    One live entitlement per program and unit: if the unit still holds one whose period
    has ended (the daily sweep has not reached it yet), the insert (at the unit of work's
    end) fails on the constraint and the caller ends it (``workflows.entitlements``) and
    decides again.
    """
    today = timezone.localdate()
    params = case.eligibility.get("parameters") or {}
    valid_from, valid_to = period_from(params, today)
    # the facts are read only where the amount depends on them
    special = (case.facts.get("special_family", "") if pays_special_families_more(params)
               else "")
    amount = grant_amount(params, special_family=special)
    from_fund = case.program.code == fund.GRANT_PROGRAM
    if case.program.is_cash and not from_fund:
        reserve_budget(case, amount, today)
    entitlement = Entitlement(
        case=case, household_id=case.household_id, person_id=case.applicant_id,
        program_id=case.program_id, unit_key=case.unit_key, area_id=case.area_id,
        number=f"JD{today:%Y}{case.program_id:02d}{case.pk:08d}",
        amount_yuan=amount, valid_from=valid_from, valid_to=valid_to,
        issued_at=timezone.now(),
    )
    # inserted with the unit of work's other new rows (at once outside one); the
    # one-live-per-unit constraint then refuses it when the unit flushes, still inside
    # the caller's transaction
    queue_insert(entitlement)
    if from_fund and amount > 0:
        # the entitlement's number is the grant's voucher in the ledger
        fund.reserve_grant(case=case, amount=amount, on=today, actor=actor,
                           reference=entitlement.number)
    return entitlement


@dataclass(frozen=True)
class MemberInput:
    name: str
    id_number: str
    relationship: str = Person.Relationship.HEAD
    phone: str = ""
    pension_insured: bool = False
    member_number: str = ""
    member_since: date | None = None


@transaction.atomic
def register_household(*, actor: User, village: Area, number: str, address: str = "",
                       registration: str = Household.Registration.LOCAL,
                       members: list[MemberInput], **facts: Any) -> Household:
    """Add a household and its members to the register (village staff)."""
    if village.level != Area.Level.VILLAGE:
        raise InvalidInput(_("A household belongs to a village."), field="area")
    if actor.role not in (User.Role.VILLAGE_REVIEWER, User.Role.ADMIN) or not (
        actor.area_id and village.code.startswith(actor.area_id)
    ):
        raise NotPermitted(_("Only the village's staff may register its households."))
    if not members:
        raise InvalidInput(_("A household needs at least one member."), field="members")
    # the fields' own rules (casework.field_rules), as the API's serializer applied them
    check_values(Household, **{k: facts.get(k) for k in (
        "annual_income_yuan", "one_child_certificate_date", "second_birth_renounced_date")})
    parsed = []
    for i, m in enumerate(members):
        try:
            check_values(Person, name=m.name)
        except InvalidInput as exc:
            raise InvalidInput(exc.message, field=f"members[{i}].name") from None
        try:
            parsed.append(parse_resident_id(m.id_number))
        except Exception as exc:  # ValidationError: name the field and the row
            raise InvalidInput(f"members[{i}].id_number: {' '.join(exc.messages)}",
                               field=f"members[{i}].id_number") from exc
    numbers = [rid.number for rid in parsed]
    if len(set(numbers)) != len(numbers):
        raise InvalidInput(_("The same resident identity number appears twice."),
                           field="members")
    # one query on the lookup hashes (the numbers are stored encrypted); named masked
    taken = sorted(Person.objects.filter(id_number__in=numbers)
                   .values_list("id_number", flat=True))
    if taken:
        raise InvalidInput(_("Already registered: %(ids)s") % {
            "ids": ", ".join(mask_resident_id(n) for n in taken)}, field="members")
    household = Household.objects.create(area=village, number=number, address=address,
                                         registration=registration, **facts)
    for m, rid in zip(members, parsed, strict=True):
        person = Person.objects.create(
            household=household, name=normalize_text(m.name), id_number=rid.number, sex=rid.sex,
            birth_date=rid.birth_date, phone=m.phone, relationship=m.relationship,
            pension_insured=m.pension_insured)
        if m.member_number:
            Membership.objects.create(person=person, number=m.member_number,
                                      joined=m.member_since or timezone.localdate())
    # the register's own history: an event with no case (issue 5 extends this to every
    # change of households, persons and memberships)
    AuditEvent.objects.create(case=None, seq=0, actor=actor, action="household_registered",
                              detail={"household": household.pk, "village": village.code,
                                      "members": len(members)}, at=timezone.now())
    return household
