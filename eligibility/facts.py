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

    @property
    def household_size(self) -> int:
        return max(1, len(self.members))

    @property
    def income_per_head_yuan(self) -> Decimal:
        return (self.annual_income_yuan / self.household_size).quantize(Decimal("0.01"))

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
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
