"""The register pages: scoping per role, forms that name the field, applying on the
family's behalf, membership, and a constant number of statements on the lists."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from casework.models import Case, DuesPayment, Membership
from eligibility.defaults import install_programs
from tests import factories as f

from .conftest import member


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_village_secretary_sees_their_village_only(register):
    client = client_for(register["users"]["village"])
    page = client.get(reverse("register:index"))
    assert page.status_code == 200
    text = page.content.decode()
    assert register["home"].number in text and register["away"].number not in text
    assert client.get(reverse("register:household", args=[register["away"].pk])
                      ).status_code == 404
    for name in ("dues", "membership", "apply"):
        assert client.get(reverse(f"register:{name}", args=[register["away"].pk])
                          ).status_code == 404
        assert client.post(reverse(f"register:{name}", args=[register["away"].pk]),
                           {}).status_code == 404


@pytest.mark.parametrize("role", ["township", "district", "auditor"])
def test_township_and_district_staff_read_but_do_not_write(register, role):
    client = client_for(register["users"][role])
    home = register["home"]
    assert client.get(reverse("register:household", args=[home.pk])).status_code == 200
    for name in ("dues", "membership", "apply"):
        assert client.get(reverse(f"register:{name}", args=[home.pk])).status_code == 403
    response = client.post(reverse("register:dues", args=[home.pk]), {
        "person": register["head"].pk, "year": 2026, "amount_yuan": "12",
        "paid_on": "2026-01-05"})
    assert response.status_code == 403
    assert not DuesPayment.objects.filter(year=2026).exists()
    assert client.get(reverse("register:import")).status_code == 403


def test_families_are_sent_to_their_own_pages(register, client):
    client.force_login(register["users"]["family"])
    for url in (reverse("register:index"),
                reverse("register:household", args=[register["home"].pk]),
                reverse("register:import")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == "/family/"


def test_the_household_page_masks_numbers_and_shows_dues(register):
    client = client_for(register["users"]["village"])
    text = client.get(reverse("register:household", args=[register["home"].pk])
                      ).content.decode()
    head = register["head"]
    assert head.id_number not in text and head.id_number[:6] + "********" in text
    assert f"P2024-{head.pk}" in text  # a receipt
    assert "2026" in text and "12.00" in text  # the head owes 2026 at 12 yuan
    assert reverse("register:apply", args=[register["home"].pk]) in text


def test_recording_dues_through_the_form(register, settings):
    settings.LANGUAGE_CODE = "en"
    client = client_for(register["users"]["village"])
    url = reverse("register:dues", args=[register["home"].pk])
    response = client.post(url, {"person": register["head"].pk, "year": 2026,
                                 "amount_yuan": "12.00", "paid_on": "2026-01-05",
                                 "receipt_number": "SJ-100"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    payment = DuesPayment.objects.get(receipt_number="SJ-100")
    assert (payment.year, payment.membership.person_id) == (2026, register["head"].pk)
    # the same year again: the error names the field
    response = client.post(url, {"person": register["head"].pk, "year": 2026,
                                 "amount_yuan": "12.00", "paid_on": "2026-01-05"},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "dues year: The dues for 2026 are already paid." in response.content.decode()


def test_form_errors_name_the_field_in_the_users_language(register):
    client = client_for(register["users"]["village"])
    url = reverse("register:dues", args=[register["home"].pk])
    response = client.post(url, {"person": register["head"].pk, "year": "",
                                 "amount_yuan": "-1", "paid_on": "not a date"},
                           HTTP_ACCEPT_LANGUAGE="en")
    text = response.content.decode()
    assert 'data-field="year"' in text and "dues year: Enter the year paid for." in text
    assert 'data-field="amount_yuan"' in text and "amount (yuan):" in text
    assert 'data-field="paid_on"' in text and "paid on:" in text
    response = client.post(url, {"person": register["head"].pk, "year": "",
                                 "amount_yuan": "12", "paid_on": "2026-01-01"},
                           HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert 'data-field="year"' in response.content.decode()
    assert not DuesPayment.objects.filter(year=2026).exists()


def test_join_and_leave_through_the_page(register):
    client = client_for(register["users"]["village"])
    url = reverse("register:membership", args=[register["home"].pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"action": "add", "add-person": register["child"].pk,
                                 "add-number": "J-1", "add-joined": "2025-02-01",
                                 "add-role": "member"})
    assert response.status_code == 302
    assert Membership.objects.get(person=register["child"]).number == "J-1"
    response = client.post(url, {"action": "leave", "leave-person": register["spouse"].pk,
                                 "leave-left": "2025-03-01"})
    assert response.status_code == 302
    assert Membership.objects.get(person=register["spouse"]).left == date(2025, 3, 1)
    response = client.post(url, {"action": "add", "add-person": register["head"].pk,
                                 "add-number": "", "add-joined": ""},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert 'data-field="number"' in response.content.decode()


def test_leaving_hands_back_the_contact_households_and_says_so(register):
    """A contact member who leaves: their households end with the membership, and the
    page tells the secretary to find them a new contact member."""
    from casework.contacts import services as contacts
    from casework.contacts.models import ContactAssignment

    village = register["users"]["village"]
    neighbours = [f.household(register["areas"]["v11"], address=f"一组{n}号") for n in (2, 3)]
    rows = contacts.assign_contact(actor=village, contact=register["spouse"],
                                   households=neighbours, since=date(2025, 1, 6))
    client = client_for(village)
    url = reverse("register:membership", args=[register["home"].pk])
    response = client.post(url, {"action": "leave", "leave-person": register["spouse"].pk,
                                 "leave-left": "2025-03-01"}, HTTP_ACCEPT_LANGUAGE="en",
                           follow=True)
    assert "2 households they looked after as a contact member need a new contact member." \
        in response.content.decode()
    assert {row.until for row in ContactAssignment.objects.filter(
        pk__in=[row.pk for row in rows])} == {date(2025, 3, 1)}


def test_applying_on_the_familys_behalf(register):
    programs = install_programs()
    client = client_for(register["users"]["village"])
    url = reverse("register:apply", args=[register["home"].pk])
    page = client.get(url)
    assert page.status_code == 200 and 'name="consent"' in page.content.decode()
    body = {"program": programs["medical_discount"].pk, "applicant": register["head"].pk,
            "statement": "代为申请"}
    response = client.post(url, body, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and not Case.objects.exists()
    assert 'data-field="consent"' in response.content.decode()
    response = client.post(url, {**body, "consent": "on"})
    assert response.status_code == 302
    case = Case.objects.get()
    assert (case.on_behalf, case.filed_by, case.applicant_id, case.consent_text) == (
        True, register["users"]["village"], register["head"].pk, "privacy-2026-1")


def test_the_arrears_list(register):
    client = client_for(register["users"]["village"])
    response = client.get(reverse("register:arrears"), {"year": 2026})
    text = response.content.decode()
    # the head owes 2026, the spouse 2025 and 2026; the other village's member is not shown
    assert "王户主" in text and "李配偶" in text and "赵外村" not in text
    assert "22.00" in text  # 10 (2025) + 12 (2026)
    response = client.get(reverse("register:arrears"), {"year": 2024})
    assert "王户主" not in response.content.decode()


def _fill(village, n):
    for _ in range(n):
        hh = f.household(village)
        member(hh, name="户主", paid=(2024,))
        member(hh, name="配偶", sex="F", relationship="spouse")


def _count(django_assert_max_num_queries, client, url, params=None):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params or {}).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", ["register:index", "register:arrears"])
def test_lists_read_a_constant_number_of_statements(register, django_assert_max_num_queries,
                                                    name):
    client = client_for(register["users"]["township"])
    url = reverse(name)
    client.get(url)  # the session, warmed
    _fill(register["areas"]["v11"], 3)
    few = _count(django_assert_max_num_queries, client, url)
    _fill(register["areas"]["v12"], 60)  # more than a page
    many = _count(django_assert_max_num_queries, client, url)
    assert few == many
    with django_assert_max_num_queries(few):
        response = client.get(url)
    assert 'wf-next-page' in response.content.decode()
    with django_assert_max_num_queries(few):
        client.get(url, {"q": "户主"})


def test_the_household_page_reads_a_constant_number_of_statements(
        register, django_assert_max_num_queries):
    client = client_for(register["users"]["village"])
    url = reverse("register:household", args=[register["home"].pk])
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(6):
        member(register["home"], name=f"新成员{i}", paid=(2024, 2025))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_the_roster_is_called_a_member_roster_never_by_the_polices_word(register):
    client = client_for(register["users"]["village"])
    text = client.get(reverse("register:index"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<h1 class=\"vf-card__title\">Member roster</h1>" in text
    assert "Household register" not in text
    from workflows.register.urls import RegisterApp

    assert str(RegisterApp.title) in ("Member roster", "会员花名册")
    zh = client.get(reverse("register:index"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "户籍登记" not in zh
    export = client.get(reverse("register:export"), {"purpose": "x"},
                        HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Export the member roster" in export
