"""What a rule returns: a decision with one explained entry per criterion."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Criterion:
    """One test a rule made, with the values it used and a reason a family can read."""

    code: str
    passed: bool
    reason_zh: str
    reason_en: str
    values: dict[str, Any] = field(default_factory=dict)

    def reason(self, language: str = "zh-hans") -> str:
        return self.reason_en if language.startswith("en") else self.reason_zh

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "passed": self.passed,
            "reason_zh": self.reason_zh,
            "reason_en": self.reason_en,
            "values": self.values,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Criterion:
        return cls(code=data["code"], passed=bool(data["passed"]),
                   reason_zh=data.get("reason_zh", ""), reason_en=data.get("reason_en", ""),
                   values=dict(data.get("values") or {}))


@dataclass(frozen=True)
class EligibilityDecision:
    program: str
    rule_version: str
    on: str  # ISO date the rules were applied for
    criteria: tuple[Criterion, ...]
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def eligible(self) -> bool:
        return all(c.passed for c in self.criteria)

    @property
    def failed_codes(self) -> list[str]:
        return [c.code for c in self.criteria if not c.passed]

    def to_json(self) -> dict[str, Any]:
        return {
            "program": self.program,
            "eligible": self.eligible,
            "rule_version": self.rule_version,
            "on": self.on,
            "criteria": [c.to_json() for c in self.criteria],
            "parameters": self.parameters,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EligibilityDecision:
        return cls(program=data["program"], rule_version=data["rule_version"], on=data["on"],
                   criteria=tuple(Criterion.from_json(c) for c in data.get("criteria", ())),
                   parameters=dict(data.get("parameters") or {}))

    def criterion(self, code: str) -> Criterion | None:
        return next((c for c in self.criteria if c.code == code), None)


@dataclass(frozen=True)
class CriterionChange:
    """One criterion that came out differently in two decisions (``None``: absent)."""

    code: str
    before: Criterion | None
    after: Criterion | None

    @property
    def passed_changed(self) -> bool:
        return (self.before is None or self.after is None
                or self.before.passed != self.after.passed)


def compare(before: EligibilityDecision, after: EligibilityDecision
            ) -> list[CriterionChange]:
    """The criteria whose outcome, reason or values differ, in the order they appear
    (``before``'s order, then criteria only ``after`` has)."""
    changes = []
    codes = [c.code for c in before.criteria]
    codes += [c.code for c in after.criteria if c.code not in codes]
    for code in codes:
        old, new = before.criterion(code), after.criterion(code)
        if old != new:
            changes.append(CriterionChange(code=code, before=old, after=new))
    return changes


def check(code: str, passed: bool, label_zh: str, label_en: str, shown: str = "",
          **values: Any) -> Criterion:
    """Build a criterion whose reason reads like "申请人年满60周岁：否（58岁）"."""
    zh = f"{label_zh}：{'是' if passed else '否'}"
    en = f"{label_en}: {'yes' if passed else 'no'}"
    if shown:
        zh += f"（{shown}）"
        en += f" ({shown})"
    return Criterion(code=code, passed=passed, reason_zh=zh, reason_en=en, values=values)
