"""Dues: the amount per year, owed years and arrears (exact), payments and receipts."""

from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps
from django.utils import timezone

from casework.errors import CaseConflict, InvalidInput, NotPermitted
from casework.models import DuesPayment, Membership
from casework.register import dues
from tests import factories as f

from .conftest import member

THIS_YEAR = timezone.localdate().year


def test_the_amount_follows_the_schedule():
    assert dues.first_year() == 2024
    assert dues.amount_for(2023) is None
    assert dues.amount_for(2024) == dues.amount_for(2025) == Decimal("10.00")
    assert dues.amount_for(2026) == dues.amount_for(2030) == Decimal("12.00")


@pytest.mark.parametrize(("joined", "left", "up_to", "years"), [
    (date(2010, 1, 1), None, 2026, [2024, 2025, 2026]),  # dues start in 2024
    (date(2025, 6, 1), None, 2026, [2025, 2026]),
    (date(2025, 6, 1), None, 2025, [2025]),
    (date(2020, 1, 1), date(2026, 1, 1), 2026, [2024, 2025]),  # left on 1 January
    (date(2020, 1, 1), date(2026, 1, 2), 2026, [2024, 2025, 2026]),
    (date(2020, 1, 1), date(2024, 1, 1), 2026, []),
    (date(2027, 1, 1), None, 2026, []),
])
def test_owed_years(joined, left, up_to, years):
    assert dues.due_years(joined, left, up_to) == years


def test_arrears_are_the_unpaid_owed_years_at_each_years_amount():
    membership = Membership(joined=date(2019, 3, 1), left=None)
    owed = dues.arrears(membership, [2025], 2026)
    assert owed.years == (2024, 2026)
    assert owed.amount_yuan == Decimal("22.00")  # 10 (2024) + 12 (2026)
    assert not dues.arrears(membership, [2024, 2025, 2026, 2027], 2026)


def test_the_sql_count_agrees_with_the_python_rule(register, areas):
    hh = register["home"]
    cases = [member(hh, name=f"m{i}", joined=joined, left=left, paid=paid)
             for i, (joined, left, paid) in enumerate([
                 (date(2010, 1, 1), None, ()),
                 (date(2010, 1, 1), None, (2024, 2025, 2026)),
                 (date(2025, 2, 1), None, (2026,)),
                 (date(2020, 1, 1), date(2026, 1, 1), (2024,)),
                 (date(2020, 1, 1), date(2025, 7, 1), ()),
                 (date(2020, 1, 1), None, (2027,)),  # paid ahead: not counted as 2026
             ])]
    for up_to in (2024, 2025, 2026):
        rows = dues.with_arrears(Membership.objects.filter(
            person__in=cases), up_to).values_list("pk", "arrears_years")
        for pk, count in rows:
            m = Membership.objects.get(pk=pk)
            expected = dues.arrears(m, dues.paid_years_of(m), up_to)
            assert count == len(expected.years), (m.joined, m.left, up_to)


def test_recording_a_payment_keeps_the_list_in_step(register):
    vil = register["users"]["village"]
    membership = register["spouse"].membership
    payment = dues.record_payment(actor=vil, membership=membership, year=2025,
                                  paid_on=date(2025, 3, 1))
    assert (payment.amount_yuan, payment.receipt_number, payment.recorded_by,
            payment.area_id) == (Decimal("10.00"), f"R2025-{membership.number}", vil,
                                 register["home"].area_id)
    membership.refresh_from_db()
    assert membership.dues_paid_years == [2024, 2025]
    with pytest.raises(CaseConflict) as exc:
        dues.record_payment(actor=vil, membership=membership, year=2025)
    assert exc.value.field == "year"


def test_receipt_numbers_are_unique(register):
    vil = register["users"]["village"]
    dues.record_payment(actor=vil, membership=register["head"].membership, year=2026,
                        receipt_number="No.0001")
    with pytest.raises(InvalidInput) as exc:
        dues.record_payment(actor=vil, membership=register["spouse"].membership, year=2026,
                            receipt_number="No.0001")
    assert exc.value.field == "receipt_number"
    assert DuesPayment.objects.filter(receipt_number="No.0001").count() == 1


@pytest.mark.parametrize(("year", "field"), [(2023, "year"), (THIS_YEAR + 2, "year")])
def test_years_nobody_owes_are_refused(register, year, field):
    with pytest.raises(InvalidInput) as exc:
        dues.record_payment(actor=register["users"]["village"],
                            membership=register["head"].membership, year=year)
    assert exc.value.field == field


def test_only_the_villages_keepers_record(register):
    for role in ("village_other", "township", "district", "auditor"):
        with pytest.raises(NotPermitted):
            dues.record_payment(actor=register["users"][role],
                                membership=register["head"].membership, year=2026)
    assert not DuesPayment.objects.filter(year=2026).exists()


def test_join_and_leave(register):
    vil = register["users"]["village"]
    child = register["child"]
    membership = dues.add_membership(actor=vil, person=child, number="NEW-1",
                                     joined=date(2025, 1, 1))
    with pytest.raises(CaseConflict):
        dues.add_membership(actor=vil, person=child, number="NEW-2", joined=date(2025, 1, 1))
    with pytest.raises(InvalidInput) as exc:
        dues.add_membership(actor=vil, person=register["head"], number="NEW-1",
                            joined=date(2025, 1, 1))
    assert exc.value.field == "number"
    dues.end_membership(actor=vil, membership=membership, left=date(2025, 6, 1))
    membership.refresh_from_db()
    assert membership.left == date(2025, 6, 1)
    assert dues.due_years(membership.joined, membership.left, 2026) == [2025]
    with pytest.raises(NotPermitted):
        dues.end_membership(actor=register["users"]["village_other"],
                            membership=register["head"].membership, left=date(2025, 6, 1))


def test_the_migration_moves_the_lists_into_payments(areas):
    import importlib

    migration = importlib.import_module("casework.migrations.0012_dues_payments")
    hh = f.household(areas["v11"])
    person = f.person(hh, member=False)
    old = Membership.objects.create(person=person, number="OLD-1", joined=date(2015, 1, 1),
                                    dues_paid_years=[2025, 2024])
    migration.copy_paid_years(apps, None)
    rows = list(DuesPayment.objects.filter(membership=old).values_list(
        "year", "amount_yuan", "receipt_number", "paid_on", "area_id"))
    assert rows == [(2024, Decimal("10.00"), f"LEGACY-2024-{old.pk}", None, "330703001001"),
                    (2025, Decimal("10.00"), f"LEGACY-2025-{old.pk}", None, "330703001001")]


@pytest.mark.requires_postgres("the register change log is PostgreSQL's trigger")
def test_payments_are_in_the_register_change_log(register):
    from django.test import Client
    from django.urls import reverse

    from casework.models import RegisterChange

    vil = register["users"]["village"]
    client = Client()
    client.force_login(vil)
    response = client.post(reverse("register:dues", args=[register["home"].pk]), {
        "person": register["spouse"].pk, "year": 2025, "amount_yuan": "10.00",
        "paid_on": "2025-04-01", "receipt_number": "LOG-1"})
    assert response.status_code == 302
    payment = DuesPayment.objects.get(receipt_number="LOG-1")
    logged = RegisterChange.objects.get(table="casework_duespayment", row_id=str(payment.pk))
    assert (logged.op, logged.actor_id, logged.new["receipt_number"], logged.new["year"]) == (
        "INSERT", vil.pk, "LOG-1", 2025)
    synced = RegisterChange.objects.get(table="casework_membership", op="UPDATE",
                                        row_id=str(register["spouse"].membership.pk))
    assert synced.new == {"dues_paid_years": [2024, 2025]} and synced.actor_id == vil.pk
