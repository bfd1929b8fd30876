"""The welfare fund's REST API: scoped lists, booking and reversing with fields named on
bad input, 403 for readers, 404 out of sight, the year's summary per role, constant
statements per page, and the schema documenting it all."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from casework.fund import services
from casework.fund.models import FundEntry
from casework.models import RecordEvent

from .conftest import book

K = FundEntry.Kind
Y = 2025
ENTRIES = "/api/v1/fund-entries/"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def ledger(people, grant_case):
    keeper = people["district"]
    book(keeper, K.ALLOCATION, 10000, date(Y, 3, 1), reference="BK-2025")
    book(keeper, K.DONATION, 500, date(2024, 4, 1), counterparty="旧年捐赠")
    donation = book(keeper, K.DONATION, 600, date(Y, 4, 1), counterparty="热心企业")
    mine = services.reserve_grant(case=grant_case("v11"), amount=Decimal("3000"),
                                  on=date(Y, 5, 1), actor=keeper)
    other = services.reserve_grant(case=grant_case("v21"), amount=Decimal("2000"),
                                   on=date(Y, 5, 2), actor=keeper)
    return {"donation": donation, "grant_t1": mine, "grant_t2": other}


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_the_district_lists_the_years_entries(people, ledger):
    response = api(people["auditor"]).get(ENTRIES, {"year": Y})
    assert ids(response) == {e.pk for e in FundEntry.objects.filter(year=Y)}
    grant = next(r for r in response.json()["results"] if r["id"] == ledger["grant_t1"].pk)
    assert grant["kind"] == "grant" and grant["signed_yuan"] == "-3000.00"
    assert grant["case"] == ledger["grant_t1"].case_id and grant["case_area"] == "330703001001"
    assert grant["reversed_by"] is None
    assert len(ids(api(people["district"]).get(ENTRIES))) == 5  # every year


@pytest.mark.parametrize(("role", "seen"), [("township", "grant_t1"), ("village", "grant_t1"),
                                            ("township_other", "grant_t2")])
def test_township_staff_list_their_areas_grants(people, ledger, role, seen):
    assert ids(api(people[role]).get(ENTRIES, {"year": Y})) == {ledger[seen].pk}


def test_families_list_nothing(people, ledger):
    assert ids(api(people["family"]).get(ENTRIES)) == set()
    assert api(people["family"]).get(f"/api/v1/fund-years/{Y}/").status_code == 403


def test_a_bad_year_filter_names_the_field(people, ledger):
    response = api(people["district"]).get(ENTRIES, {"year": "abc"})
    assert response.status_code == 400 and "year" in response.json()
    assert api(people["district"]).get("/api/v1/fund-years/1999/").status_code == 400


def test_booking_through_the_api(people, ledger):
    response = api(people["district"]).post(ENTRIES, {
        "kind": "donation", "amount_yuan": "88.80", "booked_on": "2025-06-01",
        "counterparty": "匿名", "reference": "SJ-88"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["amount_yuan"], body["year"], body["reference"]) == (
        "donation", "88.80", Y, "SJ-88")
    assert FundEntry.objects.filter(pk=body["id"], recorded_by=people["district"]).exists()


@pytest.mark.parametrize(("payload", "field"), [
    ({"amount_yuan": "-1"}, "amount_yuan"),
    ({"amount_yuan": "1.001"}, "amount_yuan"),
    ({"booked_on": "2025-13-01"}, "booked_on"),
    ({"booked_on": "2024-06-01", "year": Y}, "booked_on"),  # outside the year (the service)
    ({"kind": "grant"}, "kind"),
    ({"counterparty": ""}, "counterparty"),
    ({"reference": "BK-2025"}, "reference"),  # already used (the service)
])
def test_bad_input_is_400_naming_the_field(people, ledger, payload, field):
    before = (FundEntry.objects.count(), RecordEvent.objects.count())
    body = {"kind": "donation", "amount_yuan": "10", "booked_on": "2025-06-01",
            "counterparty": "x", **payload}
    response = api(people["district"]).post(ENTRIES, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert (FundEntry.objects.count(), RecordEvent.objects.count()) == before


def test_overspending_is_409(people, ledger):
    response = api(people["district"]).post(ENTRIES, {
        "kind": "other_spending", "amount_yuan": "6100.01", "booked_on": "2025-06-01",
        "counterparty": "x"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "budget_exhausted"
    assert not FundEntry.objects.filter(kind=K.OTHER_SPENDING).exists()


@pytest.mark.parametrize("role", ["auditor", "township", "village", "township_admin",
                                  "family"])
def test_readers_may_not_book(people, ledger, role):
    before = FundEntry.objects.count()
    response = api(people[role]).post(ENTRIES, {
        "kind": "donation", "amount_yuan": "10", "booked_on": "2025-06-01",
        "counterparty": "x"}, format="json")
    assert response.status_code == 403
    assert FundEntry.objects.count() == before


def test_reversing_through_the_api(people, ledger):
    client = api(people["district"])
    url = f"{ENTRIES}{ledger['grant_t1'].pk}/reverse/"
    response = client.post(url, {"note": "", "booked_on": "2025-06-01"}, format="json")
    assert response.status_code == 400 and "note" in response.json()
    response = client.post(url, {"note": "退回", "booked_on": "2025-06-01"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["reverses"], body["kind"], body["signed_yuan"]) == (
        ledger["grant_t1"].pk, "grant", "3000.00")
    again = client.post(url, {"note": "again"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_reversed"
    listed = client.get(ENTRIES, {"year": Y}).json()["results"]
    assert next(r for r in listed if r["id"] == ledger["grant_t1"].pk)["reversed_by"] == (
        body["id"])


def test_reversing_out_of_sight_is_404_and_reading_is_not_keeping(people, ledger):
    township = api(people["township"])
    for hidden in (ledger["grant_t2"], ledger["donation"]):
        response = township.post(f"{ENTRIES}{hidden.pk}/reverse/", {"note": "x"},
                                 format="json")
        assert response.status_code == 404
    assert township.post(f"{ENTRIES}999999/reverse/", {"note": "x"},
                         format="json").status_code == 404
    response = township.post(f"{ENTRIES}{ledger['grant_t1'].pk}/reverse/", {"note": "x"},
                             format="json")
    assert response.status_code == 403
    response = api(people["auditor"]).post(f"{ENTRIES}{ledger['donation'].pk}/reverse/",
                                           {"note": "x"}, format="json")
    assert response.status_code == 403
    assert not FundEntry.objects.filter(reverses__isnull=False).exists()


def test_the_year_summary_for_the_district(people, ledger):
    response = api(people["auditor"]).get(f"/api/v1/fund-years/{Y}/")
    assert response.status_code == 200
    assert response.json() == {
        "scope": "fund", "year": Y, "district": "330703", "area": "330703",
        "grants": 2, "grants_yuan": "5000.00",
        "income": {"allocation": "10000.00", "donation": "600.00", "other_income": "0.00"},
        "spending": {"grant": "5000.00", "other_spending": "0.00"},
        "income_yuan": "10600.00", "spending_yuan": "5000.00",
        "carried_over_yuan": "500.00", "balance_yuan": "6100.00", "available_yuan": "6100.00",
    }


def test_the_year_summary_for_a_township(people, ledger):
    response = api(people["township_other"]).get(f"/api/v1/fund-years/{Y}/")
    assert response.status_code == 200
    assert response.json() == {
        "scope": "grants", "year": Y, "district": "330703", "area": "330703002",
        "grants": 1, "grants_yuan": "2000.00", "income": None, "spending": None,
        "income_yuan": None, "spending_yuan": None, "carried_over_yuan": None,
        "balance_yuan": None, "available_yuan": None,
    }


@pytest.mark.parametrize("role", ["district", "township"])
def test_the_list_costs_the_same_whatever_the_rows(people, grant_case, role):
    keeper = people["district"]
    book(keeper, K.ALLOCATION, 1000000, date(Y, 1, 2))
    services.reserve_grant(case=grant_case("v11"), amount=Decimal("100"), on=date(Y, 2, 1),
                           actor=keeper)
    client = api(people[role])

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(ENTRIES, {"year": Y})
        assert response.status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for n in range(55):
        entry = services.reserve_grant(case=grant_case("v12"), amount=Decimal("10"),
                                       on=date(Y, 3, 1), actor=keeper)
        if n % 4 == 0:
            services.reverse_entry(actor=keeper, entry=entry, note="x", booked_on=date(Y, 3, 2))
    assert count() == few
    assert client.get(ENTRIES, {"year": Y}).json()["next"]


def test_the_schema_documents_the_fund(people, client):
    client.force_login(people["district"])
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json() if response["Content-Type"].startswith("application/json") else (
        __import__("yaml").safe_load(response.content))
    paths = schema["paths"]
    create = paths["/api/v1/fund-entries/"]["post"]
    assert {"201", "400", "403", "409"} <= set(create["responses"])
    assert {"201", "404", "409"} <= set(paths["/api/v1/fund-entries/{id}/reverse/"]["post"][
        "responses"])
    assert "200" in paths["/api/v1/fund-years/{year}/"]["get"]["responses"]
    params = {p["name"] for p in paths["/api/v1/fund-entries/"]["get"]["parameters"]}
    assert {"year", "after"} <= params
