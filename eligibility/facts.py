"""The facts a rule reads: plain, typed, immutable data.

casework builds a ``Facts`` snapshot from the register at application time and
stores it on the case (``Facts.to_json``), so a decision can be replayed years
later from exactly what the reviewer saw. Rules never see a queryset.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

_new = object.__new__


@dataclass(frozen=True)
class PersonFacts:
    person_id: int
    sex: str  # "M" or "F"
    birth_date: date
    relationship: str  # head, spouse, child, parent, other
    is_active_member: bool = False
    pension_insured: bool = False

    def age_on(self, on: date) -> int:
        """Full years on ``on``; someone born on 29 February turns a year older on 1 March
        in common years (the day after 28 February), as Chinese civil practice counts."""
        years = on.year - self.birth_date.year
        if (on.month, on.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years

    @classmethod
    def from_values(cls, person_id: int, sex: str, birth_date: date, relationship: str,
                    is_active_member: bool, pension_insured: bool, /) -> PersonFacts:
        """The same instance as ``PersonFacts(...)`` with every field given, built for the
        bulk register reader: a frozen dataclass's ``__init__`` sets each field through
        ``object.__setattr__`` (about 1 us a person, a tenth of reading one entitlement);
        filling the instance's dict at once costs under half. The price is memory: the
        instance gets a dict of its own (~370 bytes) instead of one sharing its keys with
        the class's other instances (~170), some 3 MiB for the two chunks a run holds.
        ``__init__`` checks nothing either, so the values must already be of the field
        types. ``tests/eligibility/test_facts.py`` holds the two equal, field for field."""
        person = _new(cls)
        person.__dict__.update(
            person_id=person_id, sex=sex, birth_date=birth_date, relationship=relationship,
            is_active_member=is_active_member, pension_insured=pension_insured)
        return person


@dataclass(frozen=True)
class Holding:
    """What the applicant's unit (``units.py``: the person, the couple or the household)
    already holds of the program applied for: an open application or an entitlement.

    ``ref`` names it as the family knows it (the application "#12", the certificate
    number); ``holder_id`` is the person it is in the name of; ``valid_from``/``valid_to``
    the entitlement's current period (None for an application)."""

    program: str
    kind: str  # "case" or "entitlement"
    ref: str
    holder_id: int
    valid_from: date | None = None
    valid_to: date | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Holding:
        d = dict(data)
        for key in ("valid_from", "valid_to"):
            if d.get(key):
                d[key] = date.fromisoformat(d[key])
        return cls(**d)


@dataclass(frozen=True)
class Facts:
    household_id: int
    village_code: str
    registration: str  # "local" or "migrant"
    applicant: PersonFacts
    members: tuple[PersonFacts, ...] = ()
    one_child_certificate_date: date | None = None
    two_daughter_household: bool = False
    second_birth_renounced_date: date | None = None
    hardship: bool = False
    special_family: str = ""  # "", "lost_only_child", "disabled_only_child"
    annual_income_yuan: Decimal = Decimal("0")
    village_health_check_enrolled: bool = False
    already_paired: bool = False
    # (program code, kind) for the applicant's open cases and live entitlements;
    # the duplicate rule reads these.
    open_programs: tuple[str, ...] = ()
    live_entitlement_programs: tuple[str, ...] = ()
    health_checks_this_year: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    # what the applicant's unit holds of the program applied for (``Holding``): the
    # duplicate criterion from the rules' third versions on reads this, not the two
    # applicant-level tuples above. The bulk register reader leaves it empty: it feeds
    # re-certification (where the entitlement under review is the unit's own holding)
    # and the what-if simulation (which ignores the duplicate criterion).
    unit_holdings: tuple[Holding, ...] = ()

    @classmethod
    def from_values(cls, household_id: int, village_code: str, registration: str,
                    applicant: PersonFacts, members: tuple[PersonFacts, ...],
                    one_child_certificate_date: date | None, two_daughter_household: bool,
                    second_birth_renounced_date: date | None, hardship: bool,
                    special_family: str, annual_income_yuan: Decimal,
                    village_health_check_enrolled: bool, already_paired: bool,
                    open_programs: tuple[str, ...], live_entitlement_programs: tuple[str, ...],
                    health_checks_this_year: int, /) -> Facts:
        """``Facts(...)`` with every field but ``extra`` (empty) given, for the bulk
        register reader: see ``PersonFacts.from_values`` (a ``Facts`` costs 2.5 us through
        ``__init__``, 1 us this way)."""
        facts = _new(cls)
        facts.__dict__.update(
            household_id=household_id, village_code=village_code, registration=registration,
            applicant=applicant, members=members,
            one_child_certificate_date=one_child_certificate_date,
            two_daughter_household=two_daughter_household,
            second_birth_renounced_date=second_birth_renounced_date, hardship=hardship,
            special_family=special_family, annual_income_yuan=annual_income_yuan,
            village_health_check_enrolled=village_health_check_enrolled,
            already_paired=already_paired, open_programs=open_programs,
            live_entitlement_programs=live_entitlement_programs,
            health_checks_this_year=health_checks_this_year, extra={}, unit_holdings=())
        return facts

    @property
    def household_size(self) -> int:
        return max(1, len(self.members))

    @property
    def income_per_head_yuan(self) -> Decimal:
        return (self.annual_income_yuan / self.household_size).quantize(Decimal("0.01"))

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        if not self.unit_holdings:
            # snapshots taken before holdings existed had no such key: an empty one is
            # left out, so they and their replays stay byte for byte what they were
            del data["unit_holdings"]
        return _jsonable(data)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Facts:
        d = dict(data)
        d["applicant"] = _person(d["applicant"])
        d["members"] = tuple(_person(m) for m in d.get("members", ()))
        for key in ("one_child_certificate_date", "second_birth_renounced_date"):
            if d.get(key):
                d[key] = date.fromisoformat(d[key])
        d["annual_income_yuan"] = Decimal(str(d.get("annual_income_yuan", "0")))
        d["open_programs"] = tuple(d.get("open_programs", ()))
        d["live_entitlement_programs"] = tuple(d.get("live_entitlement_programs", ()))
        d["unit_holdings"] = tuple(Holding.from_json(h) for h in d.get("unit_holdings", ()))
        return cls(**d)


def _person(data: dict[str, Any]) -> PersonFacts:
    d = dict(data)
    d["birth_date"] = date.fromisoformat(d["birth_date"])
    return PersonFacts(**d)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value
