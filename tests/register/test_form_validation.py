"""Issue 12 point 4 through the roster's staff forms: the same field rules as the API and
the import (``casework.field_rules``), each error shown on its field, nothing stored."""

import pytest
from django.test import Client
from django.urls import reverse

from casework.models import DuesPayment, Membership


def _client(register):
    client = Client()
    client.force_login(register["users"]["village"])
    return client


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"paid_on": "0001-01-01"}, "paid_on", "Paid on cannot be before 1900-01-01."),
    ({"paid_on": "9999-12-31"}, "paid_on", "Paid on cannot be in the future."),
    ({"amount_yuan": "-5"}, "amount_yuan", "Amount (yuan) must be more than zero."),
    ({"amount_yuan": "1000.01"}, "amount_yuan", "cannot be more than 1,000 yuan"),
])
def test_the_dues_form_refuses_values_out_of_range(register, changes, field, words):
    data = {"person": register["spouse"].pk, "year": 2025, "amount_yuan": "10.00",
            "paid_on": "2025-04-01", "receipt_number": "VAL-1", **changes}
    response = _client(register).post(reverse("register:dues", args=[register["home"].pk]),
                                      data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    text = response.content.decode()
    assert f'data-field="{field}"' in text and words in text
    assert not DuesPayment.objects.filter(receipt_number="VAL-1").exists()


@pytest.mark.parametrize(("joined", "words"), [
    ("0001-01-01", "Joined cannot be before 1900-01-01."),
    ("9999-12-31", "Joined cannot be in the future."),
])
def test_the_membership_form_refuses_a_joining_date_out_of_range(register, joined, words):
    child = register["child"]
    response = _client(register).post(
        reverse("register:membership", args=[register["home"].pk]),
        {"action": "add", "add-person": child.pk, "add-number": "VAL-M", "add-joined": joined,
         "add-role": "member"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'data-field="joined"' in text and words in text
    assert not Membership.objects.filter(person=child).exists()


def test_the_dues_service_refuses_what_the_form_refuses(register):
    """Any other door (the API's dues endpoints) reaches the same rule in the service."""
    from datetime import date
    from decimal import Decimal

    from casework.errors import InvalidInput
    from casework.register import dues

    membership = register["spouse"].membership
    for kwargs, field in (({"paid_on": date(1, 1, 1)}, "paid_on"),
                          ({"amount_yuan": Decimal("5000")}, "amount_yuan")):
        with pytest.raises(InvalidInput) as exc:
            dues.record_payment(actor=register["users"]["village"], membership=membership,
                                year=2025, **kwargs)
        assert exc.value.field == field
    assert not DuesPayment.objects.filter(membership=membership, year=2025).exists()
