"""The pairing API: partners, contracts, ending one, visits; scoping (404), keepers (403),
the conflict (409 on ``household``), bad input naming the field, constant statements."""

from datetime import timedelta

import pytest
from django.utils import timezone

from casework.models import Household, RecordEvent
from casework.pairings import services
from casework.pairings.models import PairingContract, PairingVisit, Partner
from tests import factories as f

PARTNERS = "/api/v1/pairing-partners/"
CONTRACTS = "/api/v1/pairing-contracts/"
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


def today():
    return timezone.localdate()


def body(world, **overrides):
    start = today() - timedelta(days=10)
    return {"household": world["home"].pk, "partner": world["breeder"].pk,
            "signed_on": start.isoformat(), "starts_on": start.isoformat(),
            "ends_on": (start + timedelta(days=1095)).isoformat(), "terms": "养鸡技术指导",
            **overrides}


def test_recording_a_pairing_through_the_api(api, world):
    client = api(world["users"]["village"])
    response = client.post(CONTRACTS, body(world), format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["state"], data["household"], data["partner"]["name"]) == (
        "running", world["home"].pk, "应养鸡")
    assert data["document_url"] is None
    assert Household.objects.get(pk=world["home"].pk).paired
    contract_id = data["id"]
    visit = client.post(f"{CONTRACTS}{contract_id}/visits/",
                        {"visited_on": today().isoformat(), "visited_by": "partner",
                         "note": "指导"}, format="json")
    assert visit.status_code == 201 and visit.json()["visitor_name"] == "应养鸡"
    assert client.get(f"{CONTRACTS}{contract_id}/visits/").json()[0]["note"] == "指导"
    detail = client.get(f"{CONTRACTS}{contract_id}/").json()
    assert detail["visit_count"] == 1
    listed = client.get(CONTRACTS, {"state": "running"}).json()["results"]
    assert [c["id"] for c in listed] == [contract_id] and listed[0]["visit_count"] == 1
    ended = client.post(f"{CONTRACTS}{contract_id}/end/",
                        {"ended_on": today().isoformat(), "end_reason": "搬迁"}, format="json")
    assert ended.status_code == 200 and ended.json()["state"] == "ended"
    assert not Household.objects.get(pk=world["home"].pk).paired
    assert client.get(CONTRACTS, {"state": "running"}).json()["results"] == []
    again = client.post(f"{CONTRACTS}{contract_id}/end/",
                        {"ended_on": today().isoformat(), "end_reason": "再"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_ended"


def test_a_multipart_contract_with_its_scan(api, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = api(world["users"]["township"])
    response = client.post(CONTRACTS, {**body(world), "document": SimpleUploadedFile(
        "scan.png", PNG, content_type="image/png")}, format="multipart")
    assert response.status_code == 201, response.content
    assert response.json()["document_url"].endswith("/document/")
    bad = client.post(CONTRACTS, {**body(world, household=world["neighbour"].pk),
                                  "document": SimpleUploadedFile("scan.pdf", b"nope")},
                      format="multipart")
    assert bad.status_code == 400 and "document" in bad.json()
    assert PairingContract.objects.count() == 1


@pytest.mark.parametrize("overrides, field", [
    ({"starts_on": "2000-01-01"}, "starts_on"),
    ({"ends_on": "2000-01-01"}, "ends_on"),
    ({"signed_on": "2999-01-01", "starts_on": "2999-01-02", "ends_on": "2999-03-01"},
     "signed_on"),
    ({"ends_on": "not a date"}, "ends_on"),
    ({"terms": ""}, "terms"),
    ({"partner": 999999}, "partner"),
    # the field rules (casework.field_rules, issue 12): dates in a plausible range
    ({"signed_on": "0001-01-01", "starts_on": "0001-01-02"}, "signed_on"),
    ({"ends_on": "9999-12-31"}, "ends_on"),
])
def test_bad_input_names_the_field(api, world, overrides, field):
    response = api(world["users"]["village"]).post(CONTRACTS, body(world, **overrides),
                                                   format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not PairingContract.objects.exists() and not RecordEvent.objects.exists()


def test_a_second_running_contract_is_409_on_household(api, world):
    client = api(world["users"]["village"])
    assert client.post(CONTRACTS, body(world), format="json").status_code == 201
    response = client.post(CONTRACTS, body(world), format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "already_paired" and "household" in response.json()
    assert PairingContract.objects.count() == 1


def test_a_visit_outside_the_contract_is_400_on_visited_on(api, world):
    client = api(world["users"]["village"])
    contract_id = client.post(CONTRACTS, body(world), format="json").json()["id"]
    for day in (today() - timedelta(days=11), today() + timedelta(days=1)):
        response = client.post(f"{CONTRACTS}{contract_id}/visits/",
                               {"visited_on": day.isoformat(), "visited_by": "partner"},
                               format="json")
        assert response.status_code == 400 and "visited_on" in response.json()
    assert not PairingVisit.objects.exists()


def test_out_of_scope_is_404(api, world):
    away = services.sign_contract(
        actor=world["users"]["township_other"], household=world["away"],
        data=services.ContractInput(partner=world["orchard"], signed_on=today(),
                                    starts_on=today(), ends_on=today() + timedelta(days=99),
                                    terms="白桃"))
    client = api(world["users"]["village"])
    response = client.post(CONTRACTS, body(world, household=world["away"].pk),
                           format="json")
    assert response.status_code == 404
    for url in (f"{CONTRACTS}{away.pk}/", f"{CONTRACTS}{away.pk}/visits/"):
        assert client.get(url).status_code == 404
    assert client.post(f"{CONTRACTS}{away.pk}/end/", {"ended_on": today().isoformat(),
                                                      "end_reason": "x"},
                       format="json").status_code == 404
    assert client.post(f"{CONTRACTS}{away.pk}/visits/", {
        "visited_on": today().isoformat(), "visited_by": "partner"},
        format="json").status_code == 404
    assert client.get(CONTRACTS).json()["results"] == []
    assert [p["name"] for p in client.get(PARTNERS).json()["results"]] == ["应养鸡"]
    away.refresh_from_db()
    assert away.state == "running" and PairingContract.objects.count() == 1


@pytest.mark.parametrize("role", ["district", "auditor"])
def test_readers_may_not_write(api, world, role):
    contract = services.sign_contract(
        actor=world["users"]["village"], household=world["home"],
        data=services.ContractInput(partner=world["breeder"], signed_on=today(),
                                    starts_on=today(), ends_on=today() + timedelta(days=99),
                                    terms="养鸡"))
    client = api(world["users"][role])
    assert client.get(f"{CONTRACTS}{contract.pk}/").status_code == 200
    assert len(client.get(PARTNERS).json()["results"]) == 2
    assert client.post(CONTRACTS, body(world, household=world["neighbour"].pk),
                       format="json").status_code == 403
    assert client.post(f"{CONTRACTS}{contract.pk}/end/", {
        "ended_on": today().isoformat(), "end_reason": "x"}, format="json").status_code == 403
    assert client.post(f"{CONTRACTS}{contract.pk}/visits/", {
        "visited_on": today().isoformat(), "visited_by": "partner"},
        format="json").status_code == 403
    assert client.post(PARTNERS, {"kind": "person", "name": "某", "trade": "养鸡",
                                  "area": world["areas"]["t1"].code},
                       format="json").status_code == 403
    assert PairingContract.objects.count() == 1 and not PairingVisit.objects.exists()
    assert Partner.objects.count() == 2


def test_partners_through_the_api(api, world):
    client = api(world["users"]["township"])
    response = client.post(PARTNERS, {"kind": "enterprise", "name": "乳业公司",
                                      "trade": "奶牛养殖", "area": world["areas"]["t1"].code},
                           format="json")
    assert response.status_code == 201, response.content
    assert response.json()["area_name"] == world["areas"]["t1"].name
    bad = client.post(PARTNERS, {"kind": "person", "name": "某", "trade": "",
                                 "area": world["areas"]["t1"].code}, format="json")
    assert bad.status_code == 400 and "trade" in bad.json()
    bad = client.post(PARTNERS, {"kind": "person", "name": "某", "trade": "养鸡",
                                 "area": "999999999"}, format="json")
    assert bad.status_code == 400 and "area" in bad.json()
    assert Partner.objects.count() == 3


def test_the_family_reads_its_own_contracts_only(api, world):
    contract = services.sign_contract(
        actor=world["users"]["village"], household=world["home"],
        data=services.ContractInput(partner=world["breeder"], signed_on=today(),
                                    starts_on=today(), ends_on=today() + timedelta(days=99),
                                    terms="养鸡"))
    mine = api(world["users"]["family"])
    assert [c["id"] for c in mine.get(CONTRACTS).json()["results"]] == [contract.pk]
    assert mine.get(PARTNERS).json()["results"] == []
    assert mine.post(f"{CONTRACTS}{contract.pk}/end/", {
        "ended_on": today().isoformat(), "end_reason": "x"}, format="json").status_code == 403
    other = api(world["users"]["family_away"])
    assert other.get(f"{CONTRACTS}{contract.pk}/").status_code == 404
    assert other.get(CONTRACTS).json()["results"] == []


@pytest.mark.parametrize("url", [CONTRACTS, PARTNERS])
def test_lists_cost_the_same_for_1_and_many_rows(api, world, areas, url,
                                                 django_assert_max_num_queries):
    client = api(world["users"]["township"])
    client.get("/api/v1/me/")

    def add(n):
        for i in range(n):
            hh = f.household(areas["v12"], hardship=True)
            services.sign_contract(
                actor=world["users"]["township"], household=hh,
                data=services.ContractInput(partner=world["breeder"], signed_on=today(),
                                            starts_on=today(),
                                            ends_on=today() + timedelta(days=99),
                                            terms="养鸡"))
            Partner.objects.create(kind="person", name=f"能手{i}", trade="养鸡",
                                   area=areas["v12"], created_by=world["users"]["township"],
                                   created_at=timezone.now())

    add(1)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    add(60)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.json()["results"]) == 50 and response.json()["next"]
    assert len(few.captured_queries) <= 2
