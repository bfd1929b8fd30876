"""The roster's services write their history (RecordEvent) in the transaction of the
change, on every database: joining, leaving, a dues payment; a refused change none."""

from datetime import date

import pytest
from django.urls import reverse

from casework.errors import InvalidInput
from casework.models import RecordEvent
from casework.register import dues

V11 = "330703001001"


def test_joining_leaving_and_paying_are_recorded(register):
    vil = register["users"]["village"]
    child = register["child"]
    membership = dues.add_membership(actor=vil, person=child, number="EV-1",
                                     joined=date(2025, 1, 1))
    dues.end_membership(actor=vil, membership=membership, left=date(2025, 6, 1))
    payment = dues.record_payment(actor=vil, membership=register["spouse"].membership,
                                  year=2025, paid_on=date(2025, 3, 1))
    events = list(RecordEvent.objects.order_by("id"))
    assert [(e.action, e.subject, e.subject_id, e.area_id, e.actor_id) for e in events] == [
        ("membership_joined", "casework.membership", str(membership.pk), V11, vil.pk),
        ("membership_ended", "casework.membership", str(membership.pk), V11, vil.pk),
        ("dues_paid", "casework.duespayment", str(payment.pk), V11, vil.pk),
    ]
    assert events[0].detail == {"person": child.pk, "number": "EV-1", "joined": "2025-01-01",
                                "role": "member", "rejoined": False, "via": "form"}
    assert events[1].detail == {"person": child.pk, "number": "EV-1", "left": "2025-06-01"}
    assert events[2].detail == {
        "membership": register["spouse"].membership.pk,
        "member_number": register["spouse"].membership.number, "year": 2025,
        "amount_yuan": "10.00", "paid_on": "2025-03-01",
        "receipt_number": f"R2025-{register['spouse'].membership.number}", "via": "form"}
    again = dues.add_membership(actor=vil, person=child, number="EV-2",
                                joined=date(2025, 9, 1))
    assert again.pk == membership.pk
    assert RecordEvent.objects.latest("id").detail["rejoined"] is True


def test_a_refused_change_records_nothing(register):
    vil = register["users"]["village"]
    with pytest.raises(InvalidInput):
        dues.add_membership(actor=vil, person=register["child"], number="",
                            joined=date(2025, 1, 1))
    with pytest.raises(InvalidInput):
        dues.record_payment(actor=vil, membership=register["head"].membership, year=2023)
    assert not RecordEvent.objects.exists()


def test_the_page_records_the_payment_with_its_actor(register, client):
    vil = register["users"]["village"]
    client.force_login(vil)
    response = client.post(reverse("register:dues", args=[register["home"].pk]), {
        "person": register["spouse"].pk, "year": 2025, "amount_yuan": "10.00",
        "paid_on": "2025-04-01", "receipt_number": "EV-R1"})
    assert response.status_code == 302
    event = RecordEvent.objects.get(action="dues_paid")
    assert (event.actor_id, event.detail["receipt_number"]) == (vil.pk, "EV-R1")
