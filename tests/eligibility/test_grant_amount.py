"""One parameter says what a grant pays, for every program (``eligibility.grants``):
``benefit_yuan``, and ``benefit_special_yuan`` where a special family gets more."""

from datetime import date
from importlib import import_module

import pytest
from django.apps import apps

from eligibility.defaults import PROGRAMS
from eligibility.grants import grant_amount
from eligibility.models import PolicyParameter
from eligibility.parameters import parameters_on

WELFARE = PROGRAMS["welfare_grant"][3]


def test_every_program_names_its_amount_benefit_yuan():
    for code, (_zh, _en, _cash, params) in PROGRAMS.items():
        assert "benefit_yuan" in params, code
        assert not any(key.startswith("max_grant") for key in params), code


def test_a_special_family_gets_the_special_amount_where_the_program_has_one():
    assert grant_amount(WELFARE) == 3000
    assert grant_amount(WELFARE, special_family="") == 3000
    assert grant_amount(WELFARE, special_family="death") == 5000
    pension = PROGRAMS["pension_subsidy"][3]
    assert grant_amount(pension, special_family="death") == pension["benefit_yuan"]


@pytest.mark.django_db
def test_the_migration_keeps_the_amounts_that_were_paid(programs):
    """A deployment that still has the welfare grant's old names (and changed its
    maximum in 2025) pays the same after the rename."""
    welfare = programs["welfare_grant"]
    rows = PolicyParameter.objects.filter(program=welfare)
    rows.filter(key="benefit_special_yuan").update(key="max_grant_special_yuan")
    benefit = rows.get(key="benefit_yuan")
    PolicyParameter.objects.create(program=welfare, key="max_grant_yuan", value=3000,
                                   effective_from=benefit.effective_from,
                                   effective_to=date(2024, 12, 31))
    PolicyParameter.objects.create(program=welfare, key="max_grant_yuan", value=3500,
                                   effective_from=date(2025, 1, 1),
                                   source_document="local decision 2025")
    migration = import_module("eligibility.migrations.0004_one_grant_amount_parameter")
    migration.forwards(apps, None)
    assert not rows.filter(key__startswith="max_grant").exists()
    assert grant_amount(parameters_on(welfare.pk, date(2024, 6, 1))) == 3000
    in_2025 = parameters_on(welfare.pk, date(2025, 6, 1))
    assert grant_amount(in_2025) == 3500
    assert grant_amount(in_2025, special_family="disability") == 5000
    assert rows.get(key="benefit_yuan", effective_from=date(2025, 1, 1)).source_document == (
        "local decision 2025")
