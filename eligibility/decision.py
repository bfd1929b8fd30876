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

    def __init__(self, code: str, passed: bool, reason_zh: str, reason_en: str,
                 values: dict[str, Any] | None = None) -> None:
        # What the generated __init__ does (``values`` absent or None: a new empty dict),
        # in one step: a frozen dataclass sets each field through ``object.__setattr__``,
        # and a criterion is built three or four times per decision, 300,000 decisions a
        # re-certification (0.8 us of the 8 us an evaluation takes went to each).
        self.__dict__.update(code=code, passed=passed, reason_zh=reason_zh,
                             reason_en=reason_en, values={} if values is None else values)

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

    def __init__(self, program: str, rule_version: str, on: str,
                 criteria: tuple[Criterion, ...],
                 parameters: dict[str, Any] | None = None) -> None:
        # the generated __init__ in one step, as ``Criterion.__init__`` says why
        self.__dict__.update(program=program, rule_version=rule_version, on=on,
                             criteria=criteria,
                             parameters={} if parameters is None else parameters)

    @property
    def eligible(self) -> bool:
        for criterion in self.criteria:  # a loop: all() over a generator costs twice
            if not criterion.passed:
                return False
        return True

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


def check_v2(code: str, passed: bool, label_zh: str, label_en: str, shown_zh: str = "",
             shown_en: str = "", **values: Any) -> Criterion:
    """Build a criterion whose reason shows its value in each language of its own:
    "申请人年满60周岁：否（58岁）" and "Applicant is aged 60 or over: no (aged 58)".

    ``check`` shows one value in both reasons, so a Chinese value ("58岁", "均无") ended
    up inside the English reason. It stays as it is: every rule version up to the
    first of each program calls it, and their stored decisions must replay byte for
    byte (see ``rules/__init__.py``). Rule versions from the second on call this one.
    A value shown in one language only is refused: that was the bug.
    """
    if bool(shown_zh) != bool(shown_en):
        raise ValueError(f"{code}: a shown value needs both languages "
                         f"(zh {shown_zh!r}, en {shown_en!r})")
    zh = f"{label_zh}：{'是' if passed else '否'}"
    en = f"{label_en}: {'yes' if passed else 'no'}"
    if shown_zh:
        zh += f"（{shown_zh}）"
        en += f" ({shown_en})"
    return Criterion(code=code, passed=passed, reason_zh=zh, reason_en=en, values=values)
