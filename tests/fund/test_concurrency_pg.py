"""Grants and bookings at the same moment, run for real: threads, one database connection
each, PostgreSQL row locks (the fund's year rows). SQLite serialises whole-database
writes, so the module is skipped there, saying why. Each test commits its data
(transaction=True) so the threads see it."""

from decimal import Decimal

import pytest
from django.utils import timezone

from casework.errors import CaseConflict
from casework.fund import services
from casework.fund.models import FundEntry, FundYear
from tests.test_concurrency_pg import race

from .conftest import book

pytestmark = [
    pytest.mark.requires_postgres("row-lock races need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]

K = FundEntry.Kind


def _income(keeper, amount, *, fresh_year: bool):
    today = timezone.localdate()
    if fresh_year:  # written directly: no year row yet, the racing grants create it
        FundEntry.objects.create(area_id="330703", year=today.year, booked_on=today,
                                 kind=K.ALLOCATION, amount_yuan=amount, counterparty="区财政局",
                                 recorded_at=timezone.now())
        assert not FundYear.objects.exists()
    else:
        book(keeper, K.ALLOCATION, amount, today)


def _grant(case, keeper, amount="3000"):
    return lambda: services.reserve_grant(case=case, amount=Decimal(amount),
                                          on=timezone.localdate(), actor=keeper)


@pytest.mark.parametrize("fresh_year", [False, True])
def test_two_grants_at_once_never_overspend(people, grant_case, fresh_year):
    keeper = people["district"]
    _income(keeper, 4000, fresh_year=fresh_year)  # room for one 3000-yuan grant
    cases = [grant_case("v11"), grant_case("v21")]
    results = race(*(_grant(c, keeper) for c in cases))
    assert sorted(kind for kind, _ in results) == ["error", "ok"], results
    error = next(value for kind, value in results if kind == "error")
    assert isinstance(error, CaseConflict) and error.code == "budget_exhausted", repr(error)
    grants = FundEntry.objects.filter(kind=K.GRANT)
    assert grants.count() == 1
    assert services.available(timezone.localdate().year) == Decimal("1000.00")


def test_many_grants_at_once_take_exactly_what_there_is(people, grant_case):
    keeper = people["district"]
    _income(keeper, 7000, fresh_year=False)  # room for two 3000-yuan grants
    cases = [grant_case(v) for v in ("v11", "v12", "v21", "v22", "v11")]
    results = race(*(_grant(c, keeper) for c in cases))
    kinds = sorted(kind for kind, _ in results)
    assert kinds == ["error"] * 3 + ["ok"] * 2, results
    assert all(isinstance(v, CaseConflict) and v.code == "budget_exhausted"
               for kind, v in results if kind == "error")
    assert FundEntry.objects.filter(kind=K.GRANT).count() == 2
    assert services.available(timezone.localdate().year) == Decimal("1000.00")


def test_a_grant_racing_other_spending_never_overspends(people, grant_case):
    keeper = people["district"]
    _income(keeper, 4000, fresh_year=False)
    today = timezone.localdate()
    results = race(_grant(grant_case(), keeper),
                   lambda: book(keeper, K.OTHER_SPENDING, 2000, today, counterparty="印刷"))
    assert sorted(kind for kind, _ in results) == ["error", "ok"], results
    assert services.available(today.year) >= 0


def test_the_same_entry_reversed_twice_at_once_is_reversed_once(people):
    keeper = people["district"]
    today = timezone.localdate()
    entry = book(keeper, K.DONATION, 500, today, counterparty="捐赠人")
    results = race(*(lambda: services.reverse_entry(actor=keeper, entry=entry, note="重复")
                     for _ in range(2)))
    assert sorted(kind for kind, _ in results) == ["error", "ok"], results
    error = next(value for kind, value in results if kind == "error")
    assert isinstance(error, CaseConflict) and error.code == "already_reversed", repr(error)
    assert FundEntry.objects.filter(reverses=entry).count() == 1
