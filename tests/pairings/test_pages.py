"""The staff pages: who reads and who records, out of scope 404, forms that name the
field, the paired flag through the pages, and lists that read a constant number of
statements."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework.models import AccessRecord, Household
from casework.pairings import services
from casework.pairings.models import PairingContract, PairingVisit, Partner
from tests import factories as f

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def today():
    return timezone.localdate()


def running(world, *, household=None, actor=None, partner=None, document=None):
    start = today() - timedelta(days=30)
    return services.sign_contract(
        actor=actor or world["users"]["township"], household=household or world["home"],
        data=services.ContractInput(partner=partner or world["breeder"], signed_on=start,
                                    starts_on=start, ends_on=start + timedelta(days=365),
                                    terms="技术指导", document=document))


def contract_form(world, **overrides):
    start = today() - timedelta(days=1)
    return {"partner": world["breeder"].pk, "signed_on": start.isoformat(),
            "starts_on": start.isoformat(),
            "ends_on": (start + timedelta(days=730)).isoformat(), "terms": "养鸡技术指导",
            **overrides}


# --- who ---------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["village", "township", "district", "auditor", "admin"])
def test_staff_of_the_area_read_the_pages(world, role):
    contract = running(world)
    client = client_for(world["users"][role])
    for url in (reverse("pairings:index"), reverse("pairings:partners"),
                reverse("pairings:households"), reverse("pairings:contract", args=[contract.pk])):
        response = client.get(url)
        assert response.status_code == 200, url
    text = client.get(reverse("pairings:index")).content.decode()
    assert world["home"].number in text and "应养鸡" in text


@pytest.mark.parametrize("role", ["district", "auditor"])
def test_district_staff_and_auditors_do_not_write(world, role):
    contract = running(world)
    client = client_for(world["users"][role])
    home = world["home"]
    assert client.get(reverse("pairings:contract_new", args=[home.pk])).status_code == 403
    assert client.post(reverse("pairings:contract_new", args=[home.pk]),
                       contract_form(world)).status_code == 403
    assert client.get(reverse("pairings:contract_end", args=[contract.pk])).status_code == 403
    assert client.post(reverse("pairings:contract_end", args=[contract.pk]),
                       {"ended_on": today().isoformat(), "end_reason": "x"}).status_code == 403
    assert client.post(reverse("pairings:contract", args=[contract.pk]),
                       {"visited_on": today().isoformat(), "visited_by": "partner"}
                       ).status_code == 403
    assert client.get(reverse("pairings:partner_add")).status_code == 403
    assert client.post(reverse("pairings:partner_active", args=[world["breeder"].pk]),
                       {"active": "0"}).status_code == 403
    page = client.get(reverse("pairings:contract", args=[contract.pk])).content.decode()
    assert 'class="wf-pairing-visit"' not in page
    assert PairingContract.objects.count() == 1 and not PairingVisit.objects.exists()
    assert Partner.objects.get(pk=world["breeder"].pk).active
    assert Household.objects.get(pk=home.pk).paired


def test_out_of_scope_is_404(world):
    contract = running(world)
    away = running(world, household=world["away"], actor=world["users"]["township_other"],
                   partner=world["orchard"])
    client = client_for(world["users"]["village"])
    for url in (reverse("pairings:contract", args=[away.pk]),
                reverse("pairings:contract_end", args=[away.pk]),
                reverse("pairings:contract_document", args=[away.pk]),
                reverse("pairings:contract_new", args=[world["away"].pk]),
                reverse("pairings:contract", args=[999999])):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("pairings:contract_new", args=[world["away"].pk]),
                       contract_form(world)).status_code == 404
    assert client.post(reverse("pairings:contract", args=[away.pk]),
                       {"visited_on": today().isoformat(), "visited_by": "partner"}
                       ).status_code == 404
    assert client.post(reverse("pairings:partner_active", args=[world["orchard"].pk]),
                       {"active": "0"}).status_code == 404
    text = client.get(reverse("pairings:index")).content.decode()
    assert f'data-contract="{contract.pk}"' in text and f'data-contract="{away.pk}"' not in text
    assert "白桃合作社" not in client.get(reverse("pairings:partners")).content.decode()
    assert PairingContract.objects.count() == 2 and not PairingVisit.objects.exists()


def test_families_are_sent_to_their_pages(world, client):
    client.force_login(world["users"]["family"])
    response = client.get(reverse("pairings:index"))
    assert response.status_code == 302 and response["Location"] == "/family/"


# --- recording through the pages ---------------------------------------------------------------

def test_a_village_secretary_records_a_contract_a_visit_and_ends_it(world):
    client = client_for(world["users"]["village"])
    home = world["home"]
    listing = client.get(reverse("pairings:households"), {"unpaired": "1"}).content.decode()
    assert reverse("pairings:contract_new", args=[home.pk]) in listing
    assert world["well_off"].number not in listing  # not a hardship household
    form = client.get(reverse("pairings:contract_new", args=[home.pk])).content.decode()
    assert "应养鸡" in form and "白桃合作社" not in form
    response = client.post(reverse("pairings:contract_new", args=[home.pk]), {
        **contract_form(world),
        "document": SimpleUploadedFile("合同.png", PNG, content_type="image/png")})
    assert response.status_code == 302
    contract = PairingContract.objects.get()
    assert response["Location"] == reverse("pairings:contract", args=[contract.pk])
    assert contract.state == "running" and Household.objects.get(pk=home.pk).paired
    response = client.post(reverse("pairings:contract", args=[contract.pk]), {
        "visited_on": today().isoformat(), "visited_by": "village", "visitor_name": "村秘书",
        "note": "回访"})
    assert response.status_code == 302
    page = client.get(reverse("pairings:contract", args=[contract.pk])).content.decode()
    assert "村秘书" in page and "回访" in page
    download = client.get(reverse("pairings:contract_document", args=[contract.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG
    assert AccessRecord.objects.filter(user=world["users"]["village"],
                                       object_ref=f"pairing_contract:{contract.pk}").exists()
    response = client.post(reverse("pairings:contract_end", args=[contract.pk]),
                           {"ended_on": today().isoformat(), "end_reason": "家庭搬迁"})
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.state == "ended" and not Household.objects.get(pk=home.pk).paired


@pytest.mark.parametrize("overrides, field", [
    ({"starts_on": "2020-01-01"}, "starts_on"),
    ({"ends_on": "2020-01-01"}, "ends_on"),
    ({"signed_on": "2999-01-01", "starts_on": "2999-01-02", "ends_on": "2999-02-01"},
     "signed_on"),
    ({"terms": ""}, "terms"),
    ({"partner": ""}, "partner"),
])
def test_contract_form_errors_name_the_field(world, overrides, field):
    client = client_for(world["users"]["village"])
    response = client.post(reverse("pairings:contract_new", args=[world["home"].pk]),
                           contract_form(world, **overrides), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert f'data-field="{field}"' in response.content.decode()
    assert not PairingContract.objects.exists()


def test_a_second_contract_through_the_form_names_the_household(world):
    running(world)
    client = client_for(world["users"]["village"])
    response = client.post(reverse("pairings:contract_new", args=[world["home"].pk]),
                           contract_form(world), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "already paired" in response.content.decode()
    assert PairingContract.objects.count() == 1


def test_a_visit_outside_the_contract_names_visited_on(world):
    contract = running(world)
    client = client_for(world["users"]["village"])
    response = client.post(reverse("pairings:contract", args=[contract.pk]), {
        "visited_on": (today() - timedelta(days=60)).isoformat(), "visited_by": "partner"},
        HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert 'data-field="visited_on"' in response.content.decode()
    assert not PairingVisit.objects.exists()


def test_partners_are_added_and_stopped(world, areas):
    head = world["head"]
    client = client_for(world["users"]["township"])
    page = client.get(reverse("pairings:partner_add")).content.decode()
    assert areas["t1"].code in page and areas["v11"].code in page
    assert areas["t2"].code not in page
    response = client.post(reverse("pairings:partner_add"), {
        "kind": "person", "name": "", "member_number": head.membership.number,
        "trade": "养蜂", "area": areas["t1"].code})
    assert response.status_code == 302
    partner = Partner.objects.get(trade="养蜂")
    assert (partner.name, partner.person) == (head.name, head)
    response = client.post(reverse("pairings:partner_add"), {
        "kind": "person", "name": "某", "member_number": "NOPE", "trade": "养蜂",
        "area": areas["t1"].code}, HTTP_ACCEPT_LANGUAGE="en")
    assert 'data-field="member_number"' in response.content.decode()
    response = client.post(reverse("pairings:partner_add"), {
        "kind": "person", "name": "某", "trade": "养蜂", "area": areas["t2"].code},
        HTTP_ACCEPT_LANGUAGE="en")
    assert 'data-field="area"' in response.content.decode()
    assert Partner.objects.count() == 3
    response = client.post(reverse("pairings:partner_active", args=[partner.pk]),
                           {"active": "0"})
    assert response.status_code == 302
    assert not Partner.objects.get(pk=partner.pk).active


# --- statement counts ---------------------------------------------------------------------------

def _count(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params or {}).status_code == 200
    return len(ctx.captured_queries)


def _fill(world, areas, n, village="v11"):
    for i in range(n):
        hh = f.household(areas[village], hardship=True)
        f.person(hh, name=f"户主{i}", birth=world["head"].birth_date + timedelta(days=i + 1))
        contract = running(world, household=hh)
        services.record_visit(actor=world["users"]["township"], contract=contract,
                              visited_on=today(), visited_by="partner")
        Partner.objects.create(kind="person", name=f"能手{i}", trade="养鸡",
                               area=areas[village], created_by=world["users"]["township"],
                               created_at=timezone.now())


@pytest.mark.parametrize("name", ["pairings:index", "pairings:partners", "pairings:households"])
def test_lists_read_a_constant_number_of_statements(world, areas, name):
    client = client_for(world["users"]["township"])
    url = reverse(name)
    client.get(url)  # the session and the menu, warmed
    _fill(world, areas, 2)
    few = _count(client, url)
    _fill(world, areas, 55, village="v12")  # more than a page
    many = _count(client, url)
    assert few == many
    response = client.get(url)
    assert "wf-next-page" in response.content.decode()
    assert _count(client, url, {"area": areas["v12"].code}) == few


def test_the_contract_page_reads_a_constant_number_of_statements(world):
    contract = running(world)
    client = client_for(world["users"]["village"])
    url = reverse("pairings:contract", args=[contract.pk])
    client.get(url)
    few = _count(client, url)
    for i in range(8):
        services.record_visit(actor=world["users"]["village"], contract=contract,
                              visited_on=today() - timedelta(days=i), visited_by="partner")
    assert _count(client, url) == few
