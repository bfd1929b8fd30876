"""The fund's demo books: idempotent, deterministic, booked as a keeper would."""

from datetime import date
from decimal import Decimal

from casework.fund import demo, services
from casework.fund.models import FundEntry
from casework.models import RecordEvent
from tests import factories as f

TODAY = date(2025, 11, 20)


def test_the_demo_books_two_years_once(areas):
    keeper = f.user("district_approver", areas["district"], username="district")
    assert demo.seed(today=TODAY) == {"fund_entries": 8}
    assert demo.seed(today=TODAY) == {"fund_entries": 0}  # idempotent
    entries = FundEntry.objects.all()
    assert {e.year for e in entries} == {2024, 2025}
    assert all(e.recorded_by == keeper and e.reference.startswith("DEMO-FUND-")
               for e in entries)
    assert not entries.filter(kind=FundEntry.Kind.GRANT).exists()  # the cases make those
    assert RecordEvent.objects.filter(subject="fund.fundentry").count() == 8
    this_year = services.year_summary(2025, district_code="330703")
    assert this_year["income"]["allocation"] == Decimal("300000.00")
    assert this_year["carried_over_yuan"] > Decimal("300000.00")
    assert this_year["available_yuan"] == this_year["balance_yuan"]


def test_the_demo_is_the_same_every_time(areas):
    plans = [[(r["reference"], r["kind"], r["amount_yuan"], r["booked_on"])
              for r in demo.plan(TODAY)] for _ in range(2)]
    assert plans[0] == plans[1]
    # a year's entries do not change with the year the demo is run in
    next_year = {r["reference"]: r["amount_yuan"] for r in demo.plan(date(2026, 12, 31))}
    this_year = {r["reference"]: r["amount_yuan"] for r in demo.plan(TODAY)}
    assert {k: v for k, v in this_year.items() if k.startswith("DEMO-FUND-2025")} == {
        k: v for k, v in next_year.items() if k.startswith("DEMO-FUND-2025")}


def test_early_in_the_year_nothing_is_booked_ahead(areas):
    f.user("district_approver", areas["district"], username="district")
    early = date(2025, 1, 10)
    demo.seed(today=early)
    assert not FundEntry.objects.filter(booked_on__gt=early).exists()
    assert FundEntry.objects.filter(year=2025).count() == 4
