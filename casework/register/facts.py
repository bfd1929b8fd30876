"""Build the eligibility facts snapshot of a household from the register."""

from datetime import date
from decimal import Decimal

from django.db import models
from django.db.models import CharField, F, Prefetch, Q, Value
from django.db.models.functions import Concat

from eligibility.facts import Facts, Holding, PersonFacts
from eligibility.units import unit_key

from ..compiled_queries import CompiledQuery
from ..healthchecks.selectors import checks_done, village_has_campaign
from ..models import OPEN_STATUSES, Case, Entitlement, Household, Membership, Person


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


def _held_query(*, applicant_id: int, key: str):
    """One statement: the applicant's open cases and live entitlements of any program
    (``open_programs``, ``live_entitlement_programs``) and, of ``program_code``, what the
    applicant's unit holds (``unit_holdings``: the spouse's pension subsidy, another
    member's welfare grant), each row as (kind, program, mine, in the unit, reference,
    holder, valid from, valid to). The unit key names no program, so the unit's rows of
    every program come back and the caller keeps the program's: both branches are index
    reads (the applicant's FK index, and the one-per-unit constraints' indexes, which
    lead with the unit key)."""
    cases = (
        Case.objects.filter(status__in=OPEN_STATUSES)
        .filter(Q(applicant_id=applicant_id) | Q(unit_key=key))
        .annotate(kind=Value("case"), ref=Concat(Value("#"), F("id"),
                                                 output_field=CharField()),
                  start=Value(None, output_field=models.DateField()),
                  end=Value(None, output_field=models.DateField()))
        .values_list("kind", "program__code", "applicant_id", "unit_key", "ref",
                     "applicant_id", "start", "end").order_by())
    entitlements = (
        Entitlement.objects.filter(state=Entitlement.State.LIVE)
        .filter(Q(person_id=applicant_id) | Q(unit_key=key))
        .annotate(kind=Value("entitlement"))
        .values_list("kind", "program__code", "person_id", "unit_key", "number", "person_id",
                     "valid_from", "valid_to").order_by())
    return cases.union(entitlements, all=True)


#: compiled once a process: building and compiling the union took five times as long as
#: running it, at every application
_HELD = CompiledQuery(_held_query, values={"applicant_id": int, "key": str})


#: the household's members with their memberships, compiled once a process
_MEMBERS = CompiledQuery(
    lambda *, household_id: Person.objects.filter(household_id=household_id)
    .select_related("membership").order_by("id"), values={"household_id": int})


def build_facts(*, household: Household, applicant_id: int, program_code: str, on: date
                ) -> Facts:
    """Snapshot what the rules read. Two queries (five for the health check): members,
    what the applicant and their unit hold, and for the health check this year's checks
    (granted, and done in the village's campaign) and whether the village holds a
    campaign this year; the village comes with the household."""
    members = _MEMBERS.rows(household_id=household.pk)
    by_id = {p.pk: p for p in members}
    if applicant_id not in by_id:
        raise ValueError("applicant is not a member of the household")
    key = unit_key(program_code, person_id=applicant_id, household_id=household.pk)
    open_programs: tuple[str, ...] = ()
    live_programs: tuple[str, ...] = ()
    holdings: list[Holding] = []
    held = _HELD.rows(applicant_id=applicant_id, key=key)
    for kind, code, holder, held_key, ref, _, start, end in held:
        if holder == applicant_id:
            if kind == "case":
                open_programs += (code,)
            else:
                live_programs += (code,)
        if code == program_code and held_key == key:
            holdings.append(Holding(program=code, kind=kind, ref=ref, holder_id=holder,
                                    valid_from=start, valid_to=end))
    checks = 0
    village = household.area
    enrolled = on.year in (village.health_check_enrolled_years or [])
    if program_code == "health_check":
        # the year's check: granted on application, or done in the village's campaign
        checks = Entitlement.objects.filter(
            person_id=applicant_id, program__code="health_check", valid_from__year=on.year
        ).count() + checks_done([applicant_id], on.year).get(applicant_id, 0)
        enrolled = enrolled or village_has_campaign(household.area_id, on.year)
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
        village_health_check_enrolled=enrolled,
        already_paired=household.paired,
        open_programs=open_programs,
        live_entitlement_programs=live_programs,
        health_checks_this_year=checks,
        unit_holdings=tuple(sorted(holdings, key=lambda h: (h.kind, h.ref))),
    )


# re-exported for callers that prefetch households in bulk
__all__ = ["build_facts", "Prefetch"]
