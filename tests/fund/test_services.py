"""Booking in the welfare fund: income and spending, reversals, grants that never
overspend, bad input naming the field (nothing stored), who may book."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone

from casework.errors import CaseConflict, InvalidInput, NotPermitted
from casework.fund import services
from casework.fund.models import FundEntry, FundYear
from casework.models import RecordEvent
from tests import factories as f

from .conftest import book

K = FundEntry.Kind
Y = 2025  # a past year: every date in it may be booked


def d(month, day, year=Y):
    return date(year, month, day)


def test_income_and_spending_make_the_years_figures(people):
    keeper = people["district"]
    book(keeper, K.ALLOCATION, 100000, d(3, 1), reference="BK-1")
    book(keeper, K.DONATION, "2500.50", d(5, 29), counterparty="某企业")
    book(keeper, K.OTHER_INCOME, 100, d(6, 1), counterparty="利息")
    spent = book(keeper, K.OTHER_SPENDING, "1200.25", d(7, 1), counterparty="印刷厂")
    summary = services.year_summary(Y, district_code="330703")
    assert summary == {
        "year": Y, "district": "330703",
        "income": {"allocation": Decimal("100000.00"), "donation": Decimal("2500.50"),
                   "other_income": Decimal("100.00")},
        "spending": {"grant": Decimal("0.00"), "other_spending": Decimal("1200.25")},
        "income_yuan": Decimal("102600.50"), "spending_yuan": Decimal("1200.25"),
        "carried_over_yuan": Decimal("0.00"), "balance_yuan": Decimal("101400.25"),
        "available_yuan": Decimal("101400.25"), "grants": 0,
    }
    assert services.available(Y) == Decimal("101400.25")  # the one district by default
    assert (spent.year, spent.area_id, spent.recorded_by, spent.signed_yuan) == (
        Y, "330703", keeper, Decimal("-1200.25"))
    events = list(RecordEvent.objects.filter(subject="fund.fundentry").order_by("id")
                  .values_list("action", "area_id", "actor_id"))
    assert events == [("fund_income_booked", "330703", keeper.pk)] * 3 + [
        ("fund_spending_booked", "330703", keeper.pk)]
    assert FundYear.objects.filter(area_id="330703", year=Y).exists()


def test_the_balance_carries_over_into_the_next_year(people):
    keeper = people["district"]
    book(keeper, K.ALLOCATION, 5000, d(3, 1, 2024))
    book(keeper, K.OTHER_SPENDING, 1000, d(4, 1, 2024), counterparty="x")
    book(keeper, K.DONATION, 300, d(2, 1, 2025), counterparty="y")
    summary = services.year_summary(2025, district_code="330703")
    assert summary["carried_over_yuan"] == Decimal("4000.00")
    assert summary["balance_yuan"] == Decimal("4300.00")
    assert services.year_summary(2024, district_code="330703")["balance_yuan"] == Decimal(
        "4000.00")


def test_spending_the_balance_cannot_cover_is_refused_and_nothing_is_stored(people):
    keeper = people["district"]
    book(keeper, K.ALLOCATION, 1000, d(3, 1))
    before = (FundEntry.objects.count(), RecordEvent.objects.count())
    with pytest.raises(CaseConflict) as refused:
        book(keeper, K.OTHER_SPENDING, "1000.01", d(3, 2), counterparty="x")
    assert refused.value.code == "budget_exhausted"
    assert refused.value.field == "amount_yuan"
    assert "1000.00" in refused.value.message and "1000.01" in refused.value.message
    assert (FundEntry.objects.count(), RecordEvent.objects.count()) == before
    book(keeper, K.OTHER_SPENDING, 1000, d(3, 2), counterparty="x")  # exactly all of it
    assert services.available(Y, district_code="330703") == Decimal("0.00")


def test_a_past_years_spending_may_not_empty_a_later_year(people):
    """Spending in 2024 lowers what 2025 carried over: refused when 2025 would go below
    zero, even though 2024 alone could pay it."""
    keeper = people["district"]
    book(keeper, K.ALLOCATION, 1000, d(3, 1, 2024))
    book(keeper, K.OTHER_SPENDING, 800, d(3, 1, 2025), counterparty="x")
    assert services.available(2024, district_code="330703") == Decimal("200.00")
    with pytest.raises(CaseConflict) as refused:
        book(keeper, K.OTHER_SPENDING, 300, d(6, 1, 2024), counterparty="y")
    assert refused.value.code == "budget_exhausted"
    book(keeper, K.OTHER_SPENDING, 200, d(6, 1, 2024), counterparty="y")
    assert services.year_summary(2025, district_code="330703")["balance_yuan"] == 0


@pytest.mark.parametrize(("change", "field"), [
    ({"booked_on": d(1, 1, 2024)}, "booked_on"),  # outside the year given
    ({"booked_on": "2025-01-01"}, "booked_on"),  # not a date
    ({"year": 1999, "booked_on": d(1, 1, 1999)}, "year"),
    ({"amount_yuan": Decimal("0")}, "amount_yuan"),
    ({"amount_yuan": Decimal("-5")}, "amount_yuan"),
    ({"amount_yuan": Decimal("1.005")}, "amount_yuan"),
    ({"amount_yuan": "abc"}, "amount_yuan"),
    ({"amount_yuan": Decimal("1e12")}, "amount_yuan"),
    ({"kind": "grant"}, "kind"),
    ({"kind": "gift"}, "kind"),
    ({"counterparty": "  "}, "counterparty"),
    ({"counterparty": "x" * 101}, "counterparty"),
    ({"reference": "r" * 41}, "reference"),
    ({"note": "n" * 501}, "note"),
])
def test_bad_input_names_the_field_and_stores_nothing(people, change, field):
    values = {"kind": K.DONATION, "amount_yuan": Decimal("10"), "booked_on": d(4, 1),
              "year": Y, "counterparty": "捐赠人"}
    values.update(change)
    with pytest.raises(InvalidInput) as refused:
        services.book_entry(actor=people["district"], **values)
    assert refused.value.field == field
    assert not FundEntry.objects.exists() and not RecordEvent.objects.exists()


def test_a_booking_in_the_future_is_refused(people):
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(InvalidInput) as refused:
        book(people["district"], K.DONATION, 10, tomorrow)
    assert refused.value.field == "booked_on"
    assert not FundEntry.objects.exists()


def test_a_voucher_number_is_used_once(people):
    book(people["district"], K.DONATION, 10, d(4, 1), reference="SJ-1")
    with pytest.raises(InvalidInput) as refused:
        book(people["district"], K.DONATION, 20, d(4, 2), reference="SJ-1")
    assert refused.value.field == "reference"
    assert FundEntry.objects.count() == 1


@pytest.mark.parametrize("role", ["auditor", "township", "township_admin", "village",
                                  "family"])
def test_only_the_districts_keepers_book(people, role):
    with pytest.raises(NotPermitted):
        book(people[role], K.DONATION, 10, d(4, 1), district_code="330703")
    with pytest.raises(NotPermitted):  # their own area's "district" is not theirs either
        book(people[role], K.DONATION, 10, d(4, 1))
    assert not FundEntry.objects.exists()


@pytest.mark.parametrize("role", ["district", "admin"])
def test_district_approvers_and_administrators_keep_the_fund(people, role):
    entry = book(people[role], K.DONATION, 10, d(4, 1))
    assert entry.area_id == "330703"


# --- reversals -------------------------------------------------------------------------------

def test_a_reversal_cancels_the_entry_once(people):
    keeper = people["district"]
    donation = book(keeper, K.DONATION, 500, d(4, 1), reference="SJ-9")
    reversal = services.reverse_entry(actor=keeper, entry=donation, note="重复入账",
                                      booked_on=d(4, 3), reference="CZ-1")
    assert (reversal.kind, reversal.amount_yuan, reversal.reverses, reversal.year) == (
        K.DONATION, Decimal("500.00"), donation, Y)
    assert reversal.signed_yuan == Decimal("-500.00")
    summary = services.year_summary(Y, district_code="330703")
    assert summary["income"]["donation"] == 0 and summary["balance_yuan"] == 0
    donation.refresh_from_db()
    assert donation.amount_yuan == Decimal("500.00")  # the original stays as it was
    with pytest.raises(CaseConflict) as again:
        services.reverse_entry(actor=keeper, entry=donation, note="again")
    assert again.value.code == "already_reversed"
    with pytest.raises(CaseConflict) as of_reversal:
        services.reverse_entry(actor=keeper, entry=reversal, note="undo")
    assert of_reversal.value.code == "is_reversal"
    assert FundEntry.objects.count() == 2
    assert RecordEvent.objects.filter(action="fund_entry_reversed",
                                      subject_id=str(reversal.pk)).count() == 1


def test_a_reversal_in_a_later_year_counts_in_that_year(people):
    keeper = people["district"]
    book(keeper, K.ALLOCATION, 1000, d(3, 1, 2024))
    wrong = book(keeper, K.OTHER_SPENDING, 400, d(3, 2, 2024), counterparty="x")
    services.reverse_entry(actor=keeper, entry=wrong, note="付错", booked_on=d(1, 5, 2025))
    y2024 = services.year_summary(2024, district_code="330703")
    y2025 = services.year_summary(2025, district_code="330703")
    assert y2024["spending_yuan"] == Decimal("400.00")  # as reported for 2024
    assert y2025["carried_over_yuan"] == Decimal("600.00")
    assert y2025["spending"]["other_spending"] == Decimal("-400.00")  # money back
    assert y2025["balance_yuan"] == Decimal("1000.00")


@pytest.mark.parametrize(("change", "field"), [
    ({"note": " "}, "note"),
    ({"booked_on": d(3, 31)}, "booked_on"),  # before the entry itself
    ({"booked_on": timezone.localdate() + timedelta(days=1)}, "booked_on"),
])
def test_reversal_bad_input_names_the_field(people, change, field):
    entry = book(people["district"], K.DONATION, 500, d(4, 1))
    values = {"note": "错", "booked_on": d(4, 2), **change}
    with pytest.raises(InvalidInput) as refused:
        services.reverse_entry(actor=people["district"], entry=entry, **values)
    assert refused.value.field == field
    assert FundEntry.objects.count() == 1


def test_income_already_spent_cannot_be_reversed(people):
    keeper = people["district"]
    income = book(keeper, K.DONATION, 1000, d(4, 1))
    book(keeper, K.OTHER_SPENDING, 700, d(4, 2), counterparty="x")
    with pytest.raises(CaseConflict) as refused:
        services.reverse_entry(actor=keeper, entry=income, note="退回", booked_on=d(4, 3))
    assert refused.value.code == "budget_exhausted"
    assert "300.00" in refused.value.message
    assert FundEntry.objects.count() == 2


@pytest.mark.parametrize("role", ["auditor", "township", "village"])
def test_readers_may_not_reverse(people, role):
    entry = book(people["district"], K.DONATION, 10, d(4, 1))
    with pytest.raises(NotPermitted):
        services.reverse_entry(actor=people[role], entry=entry, note="x")
    assert FundEntry.objects.count() == 1


# --- grants ------------------------------------------------------------------------------------

def test_a_grant_is_booked_against_its_case(people, grant_case):
    keeper = people["district"]
    book(keeper, K.ALLOCATION, 10000, d(3, 1))
    case = grant_case("v21")
    entry = services.reserve_grant(case=case, amount=Decimal("3000"), on=d(4, 1), actor=keeper)
    assert (entry.kind, entry.case, entry.case_area_id, entry.area_id, entry.year) == (
        K.GRANT, case, case.area_id, "330703", Y)
    assert entry.amount_yuan == Decimal("3000.00") and entry.recorded_by == keeper
    event = RecordEvent.objects.get(action="fund_grant_booked")
    assert event.detail["case"] == case.pk and event.area_id == "330703"
    summary = services.year_summary(Y, district_code="330703")
    assert (summary["grants"], summary["spending"]["grant"], summary["available_yuan"]) == (
        1, Decimal("3000.00"), Decimal("7000.00"))


def test_a_grant_the_fund_cannot_cover_is_refused(people, grant_case):
    keeper = people["district"]
    book(keeper, K.ALLOCATION, 4000, d(3, 1))
    services.reserve_grant(case=grant_case(), amount=Decimal("3000"), on=d(4, 1),
                           actor=keeper)
    second = grant_case()
    with pytest.raises(CaseConflict) as refused:
        services.reserve_grant(case=second, amount=Decimal("3000"), on=d(4, 2), actor=keeper)
    assert refused.value.code == "budget_exhausted"
    assert "1000.00" in refused.value.message and "3000" in refused.value.message
    assert not FundEntry.objects.filter(case=second).exists()
    assert RecordEvent.objects.filter(action="fund_grant_booked").count() == 1


def test_a_refused_grant_leaves_the_callers_transaction_to_undo_it(people, grant_case):
    """Inside the grant's transaction: when something after the booking fails, the
    booking goes with it."""
    keeper = people["district"]
    book(keeper, K.ALLOCATION, 4000, d(3, 1))
    case = grant_case()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.reserve_grant(case=case, amount=Decimal("3000"), on=d(4, 1), actor=keeper)
        raise RuntimeError("the entitlement could not be issued")
    assert not FundEntry.objects.filter(case=case).exists()
    assert services.available(Y, district_code="330703") == Decimal("4000.00")


def test_one_grant_per_case_until_it_is_reversed(people, grant_case):
    keeper = people["district"]
    book(keeper, K.ALLOCATION, 10000, d(3, 1))
    case = grant_case()
    first = services.reserve_grant(case=case, amount=Decimal("3000"), on=d(4, 1), actor=keeper)
    with pytest.raises(CaseConflict) as twice:
        services.reserve_grant(case=case, amount=Decimal("3000"), on=d(4, 1), actor=keeper)
    assert twice.value.code == "grant_booked"
    back = services.reverse_entry(actor=keeper, entry=first, note="退回", booked_on=d(4, 5))
    assert (back.case_id, back.case_area_id) == (case.pk, case.area_id)
    assert services.year_summary(Y, district_code="330703")["grants"] == 0
    services.reserve_grant(case=case, amount=Decimal("2000"), on=d(4, 6), actor=keeper)
    summary = services.year_summary(Y, district_code="330703")
    assert (summary["grants"], summary["spending"]["grant"]) == (1, Decimal("2000.00"))


def test_reserve_grant_refuses_bad_input(people, grant_case, programs, areas):
    keeper = people["district"]
    book(keeper, K.ALLOCATION, 10000, d(3, 1))
    case = grant_case()
    with pytest.raises(InvalidInput) as zero:
        services.reserve_grant(case=case, amount=Decimal("0"), on=d(4, 1), actor=keeper)
    assert zero.value.field == "amount_yuan"
    with pytest.raises(InvalidInput) as future:
        services.reserve_grant(case=case, amount=Decimal("1"), actor=keeper,
                               on=timezone.localdate() + timedelta(days=1))
    assert future.value.field == "booked_on"
    other = f.case(f.person(f.household(areas["v11"]), name="别的"), programs["health_check"])
    with pytest.raises(InvalidInput) as wrong:
        services.reserve_grant(case=other, amount=Decimal("1"), on=d(4, 1), actor=keeper)
    assert wrong.value.field == "case"
    with pytest.raises(NotPermitted):  # an approver of another township
        services.reserve_grant(case=case, amount=Decimal("1"), on=d(4, 1),
                               actor=people["township_other"])
    assert not FundEntry.objects.filter(kind=K.GRANT).exists()


@pytest.mark.requires_postgres("the trigger is PostgreSQL's")
def test_entries_are_never_changed_or_deleted_in_the_database(people):
    entry = book(people["district"], K.DONATION, 10, d(4, 1))
    with pytest.raises(DatabaseError), transaction.atomic():
        FundEntry.objects.filter(pk=entry.pk).update(amount_yuan=20)
    with pytest.raises(DatabaseError), transaction.atomic():
        FundEntry.objects.filter(pk=entry.pk).delete()
    entry.refresh_from_db()
    assert entry.amount_yuan == Decimal("10.00")
