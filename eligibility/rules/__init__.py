"""Pure eligibility rules, one module per program.

A rule is ``rule(facts, params, on) -> tuple[Criterion, ...]``: a function of a
facts snapshot and the parameter values in force on ``on``. Nothing else.
Bump a program's ``RULE_VERSION`` whenever its logic changes, so stored
decisions say which logic made them.
"""

from collections.abc import Callable, Mapping
from datetime import date
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

RULES: dict[str, tuple[str, Rule]] = {
    module.PROGRAM: (module.RULE_VERSION, module.rule)
    for module in (medical_discount, pension_subsidy, health_check, welfare_grant,
                   assistance_pairing, income_project)
}
