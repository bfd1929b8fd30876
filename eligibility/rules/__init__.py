"""Pure eligibility rules, one module per program, every version kept callable.

A rule is ``rule(facts, params, on) -> tuple[Criterion, ...]``: a function of a
facts snapshot and the parameter values in force on ``on``. Nothing else.

Versions replay forever. Each program module declares ``PROGRAM``, ``RULE_VERSION``
(the version new decisions use) and ``VERSIONS``, a mapping from every version string
it ever had ("pension_subsidy/1", "pension_subsidy/2", ...) to its function. The
convention when a rule changes (its logic, the parameters it reads, even the wording
of a reason, anything a stored decision would show differently):

1. copy the current function to a new one (``rule_v2``) and change only the copy;
2. add ``"pension_subsidy/2": rule_v2`` to ``VERSIONS`` and point ``RULE_VERSION``
   at it;
3. leave the old function, and every helper it calls, exactly as it was. A shared
   helper in ``common.py`` that must change gets a new name instead (``no_duplicate_v2``).

A stored decision names its version; :func:`rule_for` finds that version's function,
so a case decided years ago replays with the logic it was decided under, and
``explain_case`` can compare it with today's.
"""

from collections.abc import Callable, Mapping
from datetime import date
from types import ModuleType
from typing import Any

from ..decision import Criterion
from ..facts import Facts
from . import (
    assistance_pairing,
    health_check,
    income_project,
    medical_discount,
    pension_subsidy,
    welfare_grant,
)

Rule = Callable[[Facts, Mapping[str, Any], date], tuple[Criterion, ...]]

MODULES: tuple[ModuleType, ...] = (medical_discount, pension_subsidy, health_check,
                                   welfare_grant, assistance_pairing, income_project)


class UnknownRuleVersion(LookupError):
    """A version string no rule module declares (a typo, or a deleted version: a bug)."""


def _build() -> tuple[dict[str, Rule], dict[str, str]]:
    registry: dict[str, Rule] = {}
    current: dict[str, str] = {}
    for module in MODULES:
        for version, function in module.VERSIONS.items():
            if not version.startswith(f"{module.PROGRAM}/") or version in registry:
                raise ImportError(f"rule version {version!r} is misnamed or declared twice")
            registry[version] = function
            PROGRAM_OF[version] = module.PROGRAM
        if module.RULE_VERSION not in module.VERSIONS:
            raise ImportError(f"{module.PROGRAM}: current version {module.RULE_VERSION!r} "
                              "is not in VERSIONS")
        current[module.PROGRAM] = module.RULE_VERSION
    return registry, current


#: every declared rule version -> its program ("pension_subsidy/1" -> "pension_subsidy"):
#: ``program_of`` without the string split, for ``evaluate``'s check on every call
PROGRAM_OF: dict[str, str] = {}
#: every rule version ever released -> its function ("pension_subsidy/1" -> rule)
REGISTRY: dict[str, Rule]
#: program code -> the version new decisions use
CURRENT: dict[str, str]
REGISTRY, CURRENT = _build()

#: program code -> (current version, its rule); the shape callers used before versions
RULES: dict[str, tuple[str, Rule]] = {
    program: (version, REGISTRY[version]) for program, version in CURRENT.items()
}


def current_version(program: str) -> str:
    """The rule version a decision made today for ``program`` uses."""
    try:
        return CURRENT[program]
    except KeyError as exc:
        raise UnknownRuleVersion(f"no rule for program {program!r}") from exc


def rule_for(version: str) -> Rule:
    """The function of one rule version, current or not."""
    try:
        return REGISTRY[version]
    except KeyError as exc:
        raise UnknownRuleVersion(f"no rule version {version!r}") from exc


def program_of(version: str) -> str:
    """"pension_subsidy/1" -> "pension_subsidy"."""
    return version.rsplit("/", 1)[0]
