"""A cash program's yearly budget (``annual_budget_yuan``) counts every period the year
pays: new grants and the renewals the year's re-certification added (a yearly subsidy is
paid again for each renewed period)."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from casework.errors import CaseConflict
from casework.models import EntitlementRenewal
from casework.services import reserve_budget
from tests import factories as f
from tests.workflows.test_recertification import change_parameter

YEAR = 2027


@pytest.fixture
def pension(programs, areas, staff):
    """The pension subsidy with a 2027 budget of 2,000 yuan; one pensioner granted in 2026
    and renewed for 2027 (600 yuan), one granted in 2027 (600 yuan)."""
    program = programs["pension_subsidy"]
    change_parameter(program, "annual_budget_yuan", 2000, date(YEAR, 1, 1))
    renewed = f.entitlement(f.person(f.household(areas["v11"]), name="老人甲"), program,
                            valid_from=date(YEAR - 1, 1, 1), valid_to=date(YEAR, 12, 31),
                            amount_yuan=600)
    EntitlementRenewal.objects.create(entitlement=renewed, area_id=renewed.area_id, year=YEAR,
                                      valid_from=date(YEAR, 1, 1), valid_to=date(YEAR, 12, 31),
                                      amount_yuan=600, renewed_at=timezone.now())
    f.entitlement(f.person(f.household(areas["v11"]), name="老人乙"), program,
                  valid_from=date(YEAR, 3, 1), valid_to=date(YEAR, 12, 31), amount_yuan=600)
    applicant = f.person(f.household(areas["v12"]), name="老人丙")
    return f.case(applicant, program, status="district_review",
                  application_date=date(YEAR, 4, 1))


def test_renewed_periods_count_against_the_years_budget(pension):
    # 600 granted + 600 renewed = 1,200 of 2,000: 800 left
    reserve_budget(pension, Decimal("800"), date(YEAR, 5, 1))
    with pytest.raises(CaseConflict) as refused:
        reserve_budget(pension, Decimal("801"), date(YEAR, 5, 1))
    assert refused.value.code == "budget_exhausted"
    assert "800" in refused.value.message  # what is left, the renewal counted


def test_a_renewal_counts_in_the_year_its_period_starts(pension):
    # the 2026 budget (none set then) is not touched; 2028 starts empty
    change_parameter(pension.program, "annual_budget_yuan", 1000, date(YEAR + 1, 1, 1))
    reserve_budget(pension, Decimal("1000"), date(YEAR + 1, 2, 1))
