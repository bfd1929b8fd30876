"""The membership drive (吸纳会员, seed line 196): the village's people who are not members,
ticked and enrolled in one transaction (all or nothing), numbers given or generated,
each enrolment recorded; only the village's keepers, out of scope 404."""

from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework.errors import NotPermitted
from casework.models import Membership, RecordEvent
from casework.register import dues
from tests import factories as f

from .conftest import member

V11 = "330703001001"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def drive_url(code=V11):
    return reverse("register:drive_village", args=[code])


def test_the_page_lists_the_villages_non_members_only(register):
    home = register["home"]
    former = member(home, name="退会者", left=date(2025, 1, 1), relationship="child")
    response = client_for(register["users"]["village"]).get(drive_url())
    assert response.status_code == 200
    listed = {row.person.pk for row in response.context["rows"]}
    assert listed == {register["child"].pk, former.pk}  # not the members, not v21's
    text = response.content.decode()
    assert "王小孩" in text and "王户主" not in text and "赵外村" not in text
    assert register["child"].id_number not in text  # masked
    # search by name
    response = client_for(register["users"]["village"]).get(drive_url(), {"q": "退会"})
    assert [row.person.pk for row in response.context["rows"]] == [former.pk]


def test_the_ticked_people_are_enrolled_with_generated_numbers_and_recorded(register):
    home = register["home"]
    former = member(home, name="退会者", left=date(2025, 1, 1), relationship="child")
    old_number = former.membership.number
    other = f.person(home, name="新人", relationship="child", member=False,
                     birth=date(1995, 1, 1))
    # the village's generated numbers of 2025 go on from the highest already given
    taken = f.person(f.household(register["areas"]["v11"]), name="早入", member=False)
    Membership.objects.create(person=taken, number=f"{V11}-2025-0007", joined=date(2025, 1, 2))
    vil = register["users"]["village"]
    response = client_for(vil).post(drive_url(), {
        "person": [register["child"].pk, former.pk, other.pk],
        "joined": "2025-03-01", "role": "member", "scheme": "generate",
        f"number-{other.pk}": "HAND-1"})
    assert response.status_code == 302
    child = Membership.objects.get(person=register["child"])
    assert (child.number, child.joined, child.left, child.role) == (
        f"{V11}-2025-0008", date(2025, 3, 1), None, "member")
    former.membership.refresh_from_db()
    assert (former.membership.number, former.membership.left,
            former.membership.joined) == (old_number, None, date(2025, 3, 1))
    assert Membership.objects.get(person=other).number == "HAND-1"
    events = list(RecordEvent.objects.filter(action="membership_joined").order_by("id"))
    assert [(e.subject, e.subject_id, e.area_id, e.actor_id) for e in events] == [
        ("casework.membership", str(m.pk), V11, vil.pk)
        for m in (child, former.membership, Membership.objects.get(person=other))]
    assert [e.detail["via"] for e in events] == ["drive"] * 3
    assert [e.detail["rejoined"] for e in events] == [False, True, False]
    assert all(register["child"].id_number not in str(e.detail) for e in events)


def test_one_bad_row_and_nobody_is_enrolled(register, settings):
    settings.LANGUAGE_CODE = "en"
    client = client_for(register["users"]["village"])
    before = Membership.objects.count()
    response = client.post(drive_url(), {
        "person": [register["child"].pk, register["head"].pk, register["stranger"].pk],
        "joined": "2025-03-01", "role": "member", "scheme": "generate"},
        HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert Membership.objects.count() == before
    assert not RecordEvent.objects.filter(action="membership_joined").exists()
    text = response.content.decode()
    assert "2 of the selected people cannot be enrolled; nobody was enrolled." in text
    # the head is not on the list (a member): named above it; the other village's
    # person (posted by hand) by the number posted, never by name
    assert f"王户主: Already a member (number {register['head'].membership.number})." in text
    assert f"#{register['stranger'].pk}: Unknown member" in text and "赵外村" not in text
    # the good row stays ticked for the next try
    row = next(r for r in response.context["rows"] if r.person.pk == register["child"].pk)
    assert row.checked and not row.problem


def test_given_numbers_are_required_and_unique(register):
    client = client_for(register["users"]["village"])
    child = register["child"]
    extra = f.person(register["home"], name="另一人", relationship="child", member=False)
    response = client.post(drive_url(), {
        "person": [child.pk, extra.pk], "joined": "2025-03-01", "role": "member",
        "scheme": "given", f"number-{child.pk}": register["head"].membership.number},
        HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    problems = {r.person.pk: r.problem for r in response.context["rows"]}
    assert "is already used" in problems[child.pk]
    assert "Enter the member number." in problems[extra.pk]
    assert not Membership.objects.filter(person__in=[child, extra]).exists()


def test_the_service_lists_every_bad_entry(register):
    vil = register["users"]["village"]
    child = register["child"]
    with pytest.raises(dues.EnrolmentRefused) as exc:
        dues.enrol_members(actor=vil, village_code=V11, joined=date(2025, 3, 1), entries=[
            dues.Enrolment(person_id=child.pk),
            dues.Enrolment(person_id=register["stranger"].pk),  # another village
            dues.Enrolment(person_id=child.pk),  # twice
            dues.Enrolment(person_id=999999),  # nobody
            dues.Enrolment(person_id=register["spouse"].pk),  # a member
        ])
    assert [(p.index, p.field) for p in exc.value.problems] == [
        (1, "person"), (2, "person"), (3, "person"), (4, "person")]
    assert exc.value.field == "person"
    assert not Membership.objects.filter(person=child).exists()
    with pytest.raises(dues.EnrolmentRefused) as exc:
        dues.enrol_members(actor=vil, village_code=V11, entries=[
            dues.Enrolment(person_id=child.pk, joined=date(1980, 1, 1))])  # before birth
    assert exc.value.problems[0].field == "joined"


def test_only_the_villages_keepers_enrol(register):
    child = register["child"]
    for role in ("township", "district", "auditor"):
        with pytest.raises(NotPermitted):
            dues.enrol_members(actor=register["users"][role], village_code=V11,
                               joined=date(2025, 3, 1),
                               entries=[dues.Enrolment(person_id=child.pk)])
        client = client_for(register["users"][role])
        assert client.get(drive_url()).status_code == 403
        assert client.post(drive_url(), {"person": [child.pk], "joined": "2025-03-01",
                                         "role": "member", "scheme": "generate"}
                           ).status_code == 403
    assert not Membership.objects.filter(person=child).exists()
    admin = f.user("admin", register["areas"]["district"])
    response = client_for(admin).post(drive_url(), {
        "person": [child.pk], "joined": "2025-03-01", "role": "member",
        "scheme": "generate"})
    assert response.status_code == 302
    assert Membership.objects.get(person=child).number == f"{V11}-2025-0001"


def test_out_of_scope_villages_are_not_found(register):
    client = client_for(register["users"]["village_other"])
    assert client.get(drive_url()).status_code == 404
    assert client.post(drive_url(), {"person": [register["child"].pk],
                                     "joined": "2025-03-01", "role": "member",
                                     "scheme": "generate"}).status_code == 404
    assert client_for(register["users"]["village"]).get(drive_url("330703009009")
                                                        ).status_code == 404
    assert client_for(register["users"]["village"]).get(drive_url("3307030")
                                                        ).status_code == 404
    assert not Membership.objects.filter(person=register["child"]).exists()


def test_the_start_page_goes_to_the_users_village_or_lets_an_admin_choose(register):
    response = client_for(register["users"]["village"]).get(reverse("register:drive"))
    assert response.status_code == 302 and response["Location"] == drive_url()
    admin = f.user("admin", register["areas"]["t1"])
    client = client_for(admin)
    page = client.get(reverse("register:drive"))
    assert page.status_code == 200 and V11 in page.content.decode()
    assert "330703002001" not in page.content.decode()  # another township's village
    response = client.get(reverse("register:drive"), {"village": V11})
    assert response["Location"] == drive_url()
    assert client_for(register["users"]["township"]).get(reverse("register:drive")
                                                         ).status_code == 403


def _fill(village, n):
    for i in range(n):
        hh = f.household(village)
        f.person(hh, name=f"候选{i}", member=False)
        f.person(hh, name=f"配偶{i}", sex="F", relationship="spouse", member=False)


def test_the_list_reads_a_constant_number_of_statements(register, django_assert_max_num_queries):
    client = client_for(register["users"]["village"])
    client.get(drive_url())
    with CaptureQueriesContext(connection) as few:
        client.get(drive_url())
    _fill(register["areas"]["v11"], 40)  # more than a page
    with CaptureQueriesContext(connection) as many:
        response = client.get(drive_url())
    assert len(few.captured_queries) == len(many.captured_queries)
    assert "wf-next-page" in response.content.decode()
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(drive_url(), {"q": "候选"})


def test_the_drive_through_the_api(register):
    from rest_framework.test import APIClient

    url = reverse("api:duescampaigns-membership-drive")
    child, head = register["child"], register["head"]
    client = APIClient()
    client.force_authenticate(register["users"]["village"])
    body = {"village": V11, "joined": "2025-03-01",
            "entries": [{"person": child.pk}, {"person": head.pk, "number": "X-1"}]}
    refused = client.post(url, body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400
    assert refused.json()["entries"] == [
        {"index": 1, "person": head.pk, "field": "person",
         "message": f"Already a member (number {head.membership.number})."}]
    assert not Membership.objects.filter(person=child).exists()
    body["entries"] = [{"person": child.pk, "number": "API-1"}]
    done = client.post(url, body, format="json")
    assert done.status_code == 201
    assert done.json()[0]["number"] == "API-1" and done.json()[0]["person"] == child.pk
    assert RecordEvent.objects.get(action="membership_joined").detail["via"] == "api"
    empty = client.post(url, {**body, "entries": []}, format="json")
    assert empty.status_code == 400 and "entries" in empty.json()
    other = APIClient()
    other.force_authenticate(register["users"]["village_other"])
    assert other.post(url, body, format="json").status_code == 404
    reader = APIClient()
    reader.force_authenticate(register["users"]["township"])
    assert reader.post(url, body, format="json").status_code == 403


@pytest.mark.requires_postgres("the register change log is PostgreSQL's trigger")
def test_the_drive_is_in_the_register_change_log_too(register):
    from casework.models import RegisterChange

    vil = register["users"]["village"]
    response = client_for(vil).post(drive_url(), {
        "person": [register["child"].pk], "joined": "2025-03-01", "role": "member",
        "scheme": "generate"})
    assert response.status_code == 302
    membership = Membership.objects.get(person=register["child"])
    logged = RegisterChange.objects.get(table="casework_membership", op="INSERT",
                                        row_id=str(membership.pk))
    assert (logged.actor_id, logged.new["number"]) == (vil.pk, f"{V11}-2025-0001")
