"""``fund_stats``: exact figures as of a date, for the district and for a township or
village (whose grants are their own, the rest the district's), net of reversals counted
on the day they were booked."""

from datetime import date
from decimal import Decimal

import pytest

from casework.fund import services
from casework.fund.models import FundEntry
from casework.fund.stats import fund_stats

from .conftest import book

K = FundEntry.Kind
D = Decimal


@pytest.fixture
def two_years(people, grant_case):
    """2024: 10000 allocated, 2000 donated, 500 spent, grants of 3000 (v11) and 1000
    (v21). 2025: 20000 allocated, 1500.50 donated, 99.50 other income; grants of 3000
    (A, v11), 2500 (B, v12), 5000 (C, v21); on 1 February the 2024 grant of v21 is
    reversed, on 1 June grant B; 800 other spending on 1 July."""
    keeper = people["district"]

    def grant(village, amount, on):
        return services.reserve_grant(case=grant_case(village), amount=D(amount), on=on,
                                      actor=keeper)

    book(keeper, K.ALLOCATION, 10000, date(2024, 3, 1))
    book(keeper, K.DONATION, 2000, date(2024, 5, 1), counterparty="企业")
    book(keeper, K.OTHER_SPENDING, 500, date(2024, 6, 1), counterparty="印刷")
    grant("v11", 3000, date(2024, 7, 1))
    old_v21 = grant("v21", 1000, date(2024, 7, 2))
    book(keeper, K.ALLOCATION, 20000, date(2025, 3, 1))
    book(keeper, K.DONATION, "1500.50", date(2025, 4, 1), counterparty="群众")
    book(keeper, K.OTHER_INCOME, "99.50", date(2025, 4, 2), counterparty="利息")
    services.reverse_entry(actor=keeper, entry=old_v21, note="重复发放",
                           booked_on=date(2025, 2, 1))
    grant("v11", 3000, date(2025, 4, 10))
    b = grant("v12", 2500, date(2025, 5, 1))
    grant("v21", 5000, date(2025, 5, 2))
    services.reverse_entry(actor=keeper, entry=b, note="退回", booked_on=date(2025, 6, 1))
    book(keeper, K.OTHER_SPENDING, 800, date(2025, 7, 1), counterparty="培训")


def stats(**kw):
    return fund_stats(**kw)


def test_the_district_in_the_middle_of_the_year(two_years):
    assert stats(area_code="330703", year=2025, as_of=date(2025, 5, 15)) == {
        "income_yuan": D("21600.00"), "allocations_yuan": D("20000.00"),
        "donations_yuan": D("1500.50"), "spending_yuan": D("9500.00"),
        "grants_yuan": D("9500.00"), "grants": 2,
        "carried_over_yuan": D("7500.00"), "balance_yuan": D("19600.00"),
    }


def test_the_district_at_the_end_of_the_year(two_years):
    assert stats(area_code="330703", year=2025, as_of=date(2025, 12, 31)) == {
        "income_yuan": D("21600.00"), "allocations_yuan": D("20000.00"),
        "donations_yuan": D("1500.50"), "spending_yuan": D("7800.00"),
        "grants_yuan": D("7000.00"), "grants": 1,
        "carried_over_yuan": D("7500.00"), "balance_yuan": D("21300.00"),
    }
    # what the ledger says now is the same
    summary = services.year_summary(2025, district_code="330703")
    assert (summary["balance_yuan"], summary["grants"]) == (D("21300.00"), 1)


def test_an_earlier_year_keeps_its_figures(two_years):
    """The reversal booked in 2025 does not change 2024's figures."""
    assert stats(area_code="330703", year=2024, as_of=date(2025, 12, 31)) == {
        "income_yuan": D("12000.00"), "allocations_yuan": D("10000.00"),
        "donations_yuan": D("2000.00"), "spending_yuan": D("4500.00"),
        "grants_yuan": D("4000.00"), "grants": 2,
        "carried_over_yuan": D("0.00"), "balance_yuan": D("7500.00"),
    }
    assert stats(area_code="330703", year=2024, as_of=date(2024, 6, 15)) == {
        "income_yuan": D("12000.00"), "allocations_yuan": D("10000.00"),
        "donations_yuan": D("2000.00"), "spending_yuan": D("500.00"),
        "grants_yuan": D("0.00"), "grants": 0,
        "carried_over_yuan": D("0.00"), "balance_yuan": D("11500.00"),
    }


def test_a_township_counts_its_own_grants_and_the_districts_fund(two_years):
    fund_wide = {"income_yuan": D("21600.00"), "allocations_yuan": D("20000.00"),
                 "donations_yuan": D("1500.50"), "spending_yuan": D("7800.00"),
                 "carried_over_yuan": D("7500.00"), "balance_yuan": D("21300.00")}
    end = date(2025, 12, 31)
    assert stats(area_code="330703001", year=2025, as_of=end) == {
        **fund_wide, "grants_yuan": D("3000.00"), "grants": 1}  # A; B given and taken back
    # C, less the 2024 grant reversed in 2025: counted in the year it was booked
    assert stats(area_code="330703002", year=2025, as_of=end) == {
        **fund_wide, "grants_yuan": D("4000.00"), "grants": 0}
    assert stats(area_code="330703001", year=2025, as_of=date(2025, 5, 15))["grants"] == 2
    assert stats(area_code="330703001001", year=2025, as_of=end)["grants_yuan"] == D(
        "3000.00")
    assert stats(area_code="330703001002", year=2025, as_of=end)["grants"] == 0


def test_an_empty_year(people):
    assert stats(area_code="330703", year=2025, as_of=date(2025, 12, 31)) == {
        "income_yuan": D("0.00"), "allocations_yuan": D("0.00"), "donations_yuan": D("0.00"),
        "spending_yuan": D("0.00"), "grants_yuan": D("0.00"), "grants": 0,
        "carried_over_yuan": D("0.00"), "balance_yuan": D("0.00"),
    }


def test_the_figures_take_one_statement(two_years, django_assert_num_queries):
    with django_assert_num_queries(1):
        stats(area_code="330703001", year=2025, as_of=date(2025, 12, 31))
