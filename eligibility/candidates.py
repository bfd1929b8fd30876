"""Who could apply for each program: the candidates a what-if simulation counts.

A rule decides one application: one applicant (``Facts.applicant``) of one household.
A what-if over the register must first say who would apply. Evaluating every person of
every household overstated it: a household program (a welfare grant, a pairing) was
counted, and costed, once per member, and a person in a household counted as "gaining"
a program none of its applicants could hold. So each program names its candidates here,
from the programs as the district runs them (``../shared/design/DOMAIN.md``):

=================== ========= =============================================================
program             unit      candidates
=================== ========= =============================================================
medical_discount    person    association members (the card is a member's own; the rule's
                              first criterion is membership)
pension_subsidy     couple    the couple, head and spouse (it is the couple who renounced a
                              second birth: the report counts 297 *couples*, seed line 155);
                              one subsidy per couple, whichever spouse applies
health_check        person    association members ("all members of a village that funds it")
welfare_grant       household the head: one grant per household in hardship
assistance_pairing  household the head: the household is paired, not a person
income_project      household head and spouse (the family-planning couple); the household
                              takes part once, whichever of them applies
=================== ========= =============================================================

A *person* program counts each candidate on their own; a *couple* or *household* program
counts the household once (its couple is its head and spouse), covered when any of its
candidates is. The units are ``units.UNIT_OF``, the same table the rules' duplicate
criterion and casework's constraints read. A household without a member
recorded as head has its first member (lowest person id) as head, so no household drops
out of a household program for a gap in the register.

Pure: a function of a ``Facts`` snapshot, whose ``applicant`` is the person asked about
and whose ``members`` are the household's persons in id order. The selection is not part
of any decision (nothing stored names it), so it changes in place, unlike a rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .facts import Facts
from .units import COUPLE as COUPLE_UNIT
from .units import HOUSEHOLD, PERSON, Unit, unit_of

COUPLE = frozenset({"head", "spouse"})


class UnknownCandidates(LookupError):
    """A program without a candidate selection: add it to ``CANDIDATES``."""


def association_member(facts: Facts) -> bool:
    """An active association member on the date the facts were read for."""
    return facts.applicant.is_active_member


def couple(facts: Facts) -> bool:
    """The head of the household or the head's spouse."""
    return facts.applicant.relationship in COUPLE


def head(facts: Facts) -> bool:
    """The household's head; if no member is recorded as head, its first member."""
    person_id = facts.applicant.person_id
    first = None
    for member in facts.members:
        if member.relationship == "head":
            return member.person_id == person_id
        if first is None or member.person_id < first:
            first = member.person_id
    return first is None or first == person_id  # no members listed: the applicant alone


@dataclass(frozen=True)
class Candidates:
    """Who may apply for one program and what one application covers."""

    unit: Unit
    select: Callable[[Facts], bool]
    #: for reports: who the candidates are, in English
    description: str

    def __call__(self, facts: Facts) -> bool:
        return self.select(facts)


CANDIDATES: dict[str, Candidates] = {
    "medical_discount": Candidates(unit_of("medical_discount"), association_member,
                                   "association members"),
    "pension_subsidy": Candidates(unit_of("pension_subsidy"), couple,
                                  "couples: the head and spouse of each household, once"),
    "health_check": Candidates(unit_of("health_check"), association_member,
                               "association members"),
    "welfare_grant": Candidates(unit_of("welfare_grant"), head,
                                "households (the head applies)"),
    "assistance_pairing": Candidates(unit_of("assistance_pairing"), head,
                                     "households (the head applies)"),
    "income_project": Candidates(unit_of("income_project"), couple,
                                 "households (the head or the spouse applies)"),
}


def candidates_for(program: str) -> Candidates:
    """The candidate selection of ``program``."""
    try:
        return CANDIDATES[program]
    except KeyError as exc:
        raise UnknownCandidates(f"no candidate selection for program {program!r}") from exc


__all__ = ["CANDIDATES", "COUPLE_UNIT", "HOUSEHOLD", "PERSON", "Candidates",
           "UnknownCandidates",
           "association_member", "candidates_for", "couple", "head"]
