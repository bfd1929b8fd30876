"""The welfare-fund pages: who reads and who keeps, the ledger's figures, forms that name
the field and store nothing on error, out of sight 404, a constant number of statements."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework.fund import services
from casework.fund.models import FundEntry

from .conftest import book

K = FundEntry.Kind
Y = 2025
INDEX = reverse("fund:index")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def ledger(people, grant_case):
    """2025: 10000 allocated, a 600-yuan donation; grants in v11 (t1) and v21 (t2)."""
    keeper = people["district"]
    book(keeper, K.ALLOCATION, 10000, date(Y, 3, 1), reference="BK-2025")
    donation = book(keeper, K.DONATION, 600, date(Y, 4, 1), counterparty="热心企业")
    mine = services.reserve_grant(case=grant_case("v11"), amount=Decimal("3000"),
                                  on=date(Y, 5, 1), actor=keeper)
    other = services.reserve_grant(case=grant_case("v21"), amount=Decimal("2000"),
                                   on=date(Y, 5, 2), actor=keeper)
    return {"donation": donation, "grant_t1": mine, "grant_t2": other}


@pytest.mark.parametrize("role", ["district", "admin", "auditor"])
def test_the_districts_staff_read_the_whole_ledger(people, ledger, role):
    page = client_for(people[role]).get(INDEX, {"year": Y}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    text = page.content.decode()
    for entry in ledger.values():
        assert f'data-entry="{entry.pk}"' in text
    assert "热心企业" in text and "BK-2025" in text
    assert '<td class="wf-income">10600.00</td>' in text
    assert '<td class="wf-spending">5000.00</td>' in text
    assert '<td class="wf-balance">5600.00</td>' in text
    assert '<td class="wf-available">5600.00</td>' in text
    keeps = role != "auditor"
    assert (reverse("fund:book") in text) == keeps
    assert (reverse("fund:reverse", args=[ledger["donation"].pk]) in text) == keeps


@pytest.mark.parametrize(("role", "seen", "unseen"), [
    ("township", "grant_t1", "grant_t2"),
    ("village", "grant_t1", "grant_t2"),
    ("township_other", "grant_t2", "grant_t1"),
])
def test_township_and_village_staff_see_their_areas_grants_only(people, ledger, role, seen,
                                                                 unseen):
    client = client_for(people[role])
    text = client.get(INDEX, {"year": Y}).content.decode()
    assert f'data-entry="{ledger[seen].pk}"' in text
    assert f'data-entry="{ledger[unseen].pk}"' not in text
    assert f'data-entry="{ledger["donation"].pk}"' not in text and "热心企业" not in text
    assert "wf-balance" not in text and "wf-available" not in text
    assert '<td class="wf-grants">1</td>' in text
    amount = ledger[seen].amount_yuan
    assert f'<td class="wf-grants-yuan">{amount}</td>' in text
    # reading is not keeping; out of sight is not found
    assert client.get(reverse("fund:reverse", args=[ledger[seen].pk])).status_code == 403
    for hidden in (ledger[unseen], ledger["donation"]):
        assert client.get(reverse("fund:reverse", args=[hidden.pk])).status_code == 404
        assert client.post(reverse("fund:reverse", args=[hidden.pk]),
                           {"note": "x", "booked_on": "2025-06-01"}).status_code == 404
    assert client.get(reverse("fund:reverse", args=[999999])).status_code == 404
    assert client.get(reverse("fund:book")).status_code == 403


@pytest.mark.parametrize("role", ["auditor", "township", "village", "township_admin"])
def test_readers_may_not_book_or_reverse(people, ledger, role):
    client = client_for(people[role])
    before = FundEntry.objects.count()
    assert client.get(reverse("fund:book")).status_code == 403
    response = client.post(reverse("fund:book"), {
        "year": Y, "kind": "donation", "amount_yuan": "10", "booked_on": "2025-06-01",
        "counterparty": "x"})
    assert response.status_code == 403
    response = client.post(reverse("fund:reverse", args=[ledger["grant_t1"].pk]),
                           {"note": "x", "booked_on": "2025-06-01"})
    assert response.status_code in (403, 404)  # 404 for those who do not see it
    assert FundEntry.objects.count() == before


def test_families_are_sent_to_their_own_pages(people, client):
    client.force_login(people["family"])
    for url in (INDEX, reverse("fund:book")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == "/family/"


def test_booking_through_the_form(people, ledger):
    client = client_for(people["district"])
    url = f"{reverse('fund:book')}?year={Y}"
    assert client.get(url).status_code == 200
    response = client.post(url, {"year": Y, "kind": "other_spending", "amount_yuan": "250.50",
                                 "booked_on": "2025-07-01", "counterparty": "宣传资料印制",
                                 "reference": "ZC-7", "note": "宣传册"})
    assert response.status_code == 302 and response["Location"] == f"{INDEX}?year={Y}"
    entry = FundEntry.objects.get(reference="ZC-7")
    assert (entry.kind, entry.amount_yuan, entry.booked_on, entry.recorded_by) == (
        K.OTHER_SPENDING, Decimal("250.50"), date(Y, 7, 1), people["district"])


def test_form_errors_name_the_field_and_store_nothing(people, ledger):
    client = client_for(people["district"])
    url = reverse("fund:book")
    before = FundEntry.objects.count()
    response = client.post(url, {"year": Y, "kind": "grant", "amount_yuan": "-1",
                                 "booked_on": "not a date", "counterparty": ""},
                           HTTP_ACCEPT_LANGUAGE="en")
    text = response.content.decode()
    assert response.status_code == 200
    for field in ("kind", "amount_yuan", "booked_on", "counterparty"):
        assert f'data-field="{field}"' in text
    # the service's refusals land on their fields too
    response = client.post(url, {"year": Y, "kind": "donation", "amount_yuan": "10",
                                 "booked_on": "2024-12-31", "counterparty": "x"},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert 'data-field="booked_on"' in response.content.decode()
    response = client.post(url, {"year": Y, "kind": "other_spending", "amount_yuan": "5601",
                                 "booked_on": "2025-07-01", "counterparty": "x"},
                           HTTP_ACCEPT_LANGUAGE="en")
    text = response.content.decode()
    assert 'data-field="amount_yuan"' in text and "5600.00 yuan left" in text
    assert FundEntry.objects.count() == before


def test_reversing_through_the_form(people, ledger):
    client = client_for(people["district"])
    url = reverse("fund:reverse", args=[ledger["donation"].pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"booked_on": "", "note": ""}, HTTP_ACCEPT_LANGUAGE="en")
    text = response.content.decode()
    assert 'data-field="booked_on"' in text and 'data-field="note"' in text
    response = client.post(url, {"booked_on": "2025-03-01", "note": "错"},
                           HTTP_ACCEPT_LANGUAGE="en")  # before the donation itself
    assert 'data-field="booked_on"' in response.content.decode()
    assert not FundEntry.objects.filter(reverses=ledger["donation"]).exists()
    response = client.post(url, {"booked_on": "2025-04-02", "note": "重复入账"})
    assert response.status_code == 302
    reversal = FundEntry.objects.get(reverses=ledger["donation"])
    assert (reversal.note, reversal.booked_on) == ("重复入账", date(Y, 4, 2))
    text = client.get(INDEX, {"year": Y}).content.decode()
    assert url not in text  # reversed once: no link any more
    response = client.post(url, {"booked_on": "2025-04-03", "note": "again"},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "already been reversed" in response.content.decode()
    assert FundEntry.objects.filter(reverses=ledger["donation"]).count() == 1


def _ledger_queries(client, **params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(INDEX, {"year": Y, **params})
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("role", ["district", "township"])
def test_the_ledger_costs_the_same_whatever_the_rows(people, grant_case, role):
    keeper = people["district"]
    book(keeper, K.ALLOCATION, 1000000, date(Y, 1, 2))
    services.reserve_grant(case=grant_case("v11"), amount=Decimal("100"), on=date(Y, 2, 1),
                           actor=keeper)
    client = client_for(people[role])
    client.get(INDEX)  # warm up the session and the menu
    few = _ledger_queries(client)
    for n in range(60):  # more than a page
        entry = services.reserve_grant(case=grant_case("v11" if n % 2 else "v12"),
                                       amount=Decimal("100"), on=date(Y, 3, 1), actor=keeper)
        if n % 5 == 0:
            services.reverse_entry(actor=keeper, entry=entry, note="退回",
                                   booked_on=date(Y, 3, 2))
    many = _ledger_queries(client)
    assert many == few
    text = client.get(INDEX, {"year": Y}).content.decode()
    assert "wf-next-page" in text
    last = FundEntry.objects.order_by("-id").values_list("pk", flat=True)[49]
    assert _ledger_queries(client, after=last) == few
