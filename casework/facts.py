"""Build the eligibility facts snapshot of a household from the register."""

from datetime import date
from decimal import Decimal

from django.db.models import Prefetch, Value

from eligibility.facts import Facts, PersonFacts

from .models import OPEN_STATUSES, Case, Entitlement, Household, Membership, Person


def _person_facts(person: Person, on: date) -> PersonFacts:
    membership: Membership | None = getattr(person, "membership", None)
    return PersonFacts(
        person_id=person.pk,
        sex=person.sex,
        birth_date=person.birth_date,
        relationship=person.relationship,
        is_active_member=bool(membership and membership.is_active_on(on)),
        pension_insured=person.pension_insured,
    )


def build_facts(*, household: Household, applicant_id: int, program_code: str, on: date
                ) -> Facts:
    """Snapshot what the rules read. Four queries: members, open cases, live
    entitlements, this year's health checks; the village comes with the household."""
    members = list(
        Person.objects.filter(household_id=household.pk).select_related("membership")
        .order_by("id")
    )
    by_id = {p.pk: p for p in members}
    if applicant_id not in by_id:
        raise ValueError("applicant is not a member of the household")
    # open cases and live entitlements of the applicant, in one round trip
    held = (
        Case.objects.filter(applicant_id=applicant_id, status__in=OPEN_STATUSES)
        .annotate(kind=Value("case")).values_list("kind", "program__code").order_by()
        .union(Entitlement.objects.filter(person_id=applicant_id, state=Entitlement.State.LIVE)
               .annotate(kind=Value("entitlement")).values_list("kind", "program__code")
               .order_by(),
               all=True)
    )
    open_programs: tuple[str, ...] = ()
    live_programs: tuple[str, ...] = ()
    for kind, code in held:
        if kind == "case":
            open_programs += (code,)
        else:
            live_programs += (code,)
    checks = 0
    if program_code == "health_check":
        checks = Entitlement.objects.filter(
            person_id=applicant_id, program__code="health_check", valid_from__year=on.year
        ).count()
    village = household.area
    return Facts(
        household_id=household.pk,
        village_code=household.area_id,
        registration=household.registration,
        applicant=_person_facts(by_id[applicant_id], on),
        members=tuple(_person_facts(p, on) for p in members),
        one_child_certificate_date=household.one_child_certificate_date,
        two_daughter_household=household.two_daughter_household,
        second_birth_renounced_date=household.second_birth_renounced_date,
        hardship=household.hardship,
        special_family=household.special_family,
        annual_income_yuan=Decimal(str(household.annual_income_yuan or 0)),
        village_health_check_enrolled=on.year in (village.health_check_enrolled_years or []),
        already_paired=household.paired,
        open_programs=open_programs,
        live_entitlement_programs=live_programs,
        health_checks_this_year=checks,
    )


# re-exported for callers that prefetch households in bulk
__all__ = ["build_facts", "Prefetch"]
