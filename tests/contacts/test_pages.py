"""The staff pages and the family page: scoping per role (404 out of scope, 403 for
readers), the forms naming the field, and a constant number of statements."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework.contacts import services
from casework.contacts.models import ContactAssignment, ContactReport, ReportingRound
from tests import factories as f

from .conftest import client_for, days_ago


def _get(user, name, *args, **params):
    return client_for(user).get(reverse(f"contacts:{name}", args=args), params)


# --- assignments ------------------------------------------------------------------------------

def test_a_village_secretary_sees_their_contact_members(reporting):
    s, homes = reporting["staff"], reporting["homes"]
    page = _get(s["village"], "index")
    assert page.status_code == 200
    text = page.content.decode()
    assert "联系人甲" in text and "联系人乙" in text and homes[4].number in text
    assert "联系人丙" not in text  # v12's
    assert reverse("contacts:assign", args=["330703001001"]) in text
    assert _get(s["village"], "village", "330703001002").status_code == 404
    assert _get(s["village"], "village", "330703001").status_code == 404  # not a village
    assert _get(s["village"], "assign", "330703002001").status_code == 404
    assert _get(s["village_other"], "village", "330703001001").status_code == 404
    assert _get(s["township_other"], "village", "330703001001").status_code == 404
    assignment = ContactAssignment.objects.filter(area_id="330703001001").first()
    assert _get(s["village_other"], "end", assignment.pk).status_code == 404
    assert _get(s["village"], "end", 999999).status_code == 404


@pytest.mark.parametrize("role", ["township", "district", "auditor"])
def test_township_and_district_staff_read_the_villages(reporting, role):
    s = reporting["staff"]
    index = _get(s[role], "index")
    assert index.status_code == 200 and 'data-village="330703001001"' in index.content.decode()
    page = _get(s[role], "village", "330703001001")
    assert page.status_code == 200 and "联系人甲" in page.content.decode()
    assert reverse("contacts:assign", args=["330703001001"]) not in page.content.decode()
    assert _get(s[role], "assign", "330703001001").status_code == 403
    assignment = ContactAssignment.objects.filter(area_id="330703001001").first()
    client = client_for(s[role])
    assert client.get(reverse("contacts:end", args=[assignment.pk])).status_code == 403
    assert client.post(reverse("contacts:end", args=[assignment.pk]),
                       {"until": days_ago(0).isoformat()}).status_code == 403
    assert ContactAssignment.objects.get(pk=assignment.pk).until is None


def test_assigning_through_the_page(world):
    w = world
    client = client_for(w["staff"]["village"])
    url = reverse("contacts:assign", args=["330703001001"])
    page = client.get(url)
    text = page.content.decode()
    assert page.status_code == 200 and 'type="checkbox"' in text and "<legend>" in text
    # nothing ticked: the error names the field, nothing stored
    response = client.post(url, {"contact": w["jia"].pk, "since": days_ago(1).isoformat()},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and 'data-field="households"' in response.content.decode()
    # the contact's own household: the service's refusal shown on the field
    response = client.post(url, {"contact": w["jia"].pk, "since": days_ago(1).isoformat(),
                                 "households": [w["homes"][0].pk, w["homes"][2].pk]},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert 'data-field="households"' in response.content.decode()
    assert "does not look after their own household" in response.content.decode()
    assert not ContactAssignment.objects.exists()
    # a non-member cannot be chosen
    response = client.post(url, {"contact": w["nonmember"].pk, "households": [w["homes"][3].pk],
                                 "since": days_ago(1).isoformat()})
    assert 'data-field="contact"' in response.content.decode()
    response = client.post(url, {"contact": w["jia"].pk, "since": days_ago(1).isoformat(),
                                 "households": [w["homes"][2].pk, w["homes"][3].pk]})
    assert response.status_code == 302
    assert set(ContactAssignment.objects.values_list("household_id", flat=True)) == {
        w["homes"][2].pk, w["homes"][3].pk}
    # the households now have a contact: no longer offered
    assert f'value="{w["homes"][2].pk}"' not in client.get(url).content.decode()
    row = ContactAssignment.objects.get(household=w["homes"][2])
    end = reverse("contacts:end", args=[row.pk])
    assert client.get(end).status_code == 200
    assert client.post(end, {"until": days_ago(0).isoformat()}).status_code == 302
    assert ContactAssignment.objects.get(pk=row.pk).until == days_ago(0)


# --- rounds ----------------------------------------------------------------------------------

def test_the_rounds_each_role_sees(reporting):
    s, r = reporting["staff"], reporting
    other = services.open_round(actor=s["village_other"], area=r["areas"]["v21"], title="外村",
                                first_day=days_ago(1), last_day=days_ago(0))
    text = _get(s["village"], "rounds").content.decode()
    assert f'data-round="{r["round"].pk}"' in text and f'data-round="{other.pk}"' not in text
    assert reverse("contacts:round_new") in text
    text = _get(s["auditor"], "rounds").content.decode()
    assert f'data-round="{other.pk}"' in text and reverse("contacts:round_new") not in text
    for user in (s["village_other"], s["township_other"]):
        assert _get(user, "round", r["round"].pk).status_code == 404
        assert _get(user, "round_report", r["round"].pk, "330703001001").status_code == 404
        assert client_for(user).post(reverse("contacts:round_close", args=[r["round"].pk])
                                     ).status_code == 404
    assert _get(s["village"], "round", 999999).status_code == 404
    # a village of the round the user does not see
    assert _get(s["village"], "round_report", r["round"].pk, "330703001002").status_code == 404


def test_opening_a_round_through_the_page(world):
    s = world["staff"]
    client = client_for(s["township"])
    url = reverse("contacts:round_new")
    page = client.get(url)
    assert page.status_code == 200 and 'value="330703001"' in page.content.decode()
    assert 'value="330703001001"' not in page.content.decode()  # a village's is its own
    response = client.post(url, {"area": "330703001", "title": "每逢4、7、10报",
                                 "schedule": "set_days", "days_of_month": "4、7，10",
                                 "first_day": "2026-04-01", "last_day": "2026-04-30"})
    assert response.status_code == 302
    round_ = ReportingRound.objects.get()
    assert (round_.area_id, round_.days_of_month) == ("330703001", [4, 7, 10])
    response = client.post(url, {"area": "330703001", "title": "x", "schedule": "set_days",
                                 "days_of_month": "", "first_day": "2026-04-01",
                                 "last_day": "2026-04-30"}, HTTP_ACCEPT_LANGUAGE="en")
    assert 'data-field="days_of_month"' in response.content.decode()
    response = client.post(url, {"area": "330703001", "title": "x", "schedule": "daily",
                                 "first_day": "2026-04-30", "last_day": "2026-04-01"})
    assert 'data-field="last_day"' in response.content.decode()
    assert ReportingRound.objects.count() == 1
    for role in ("district", "auditor"):
        assert client_for(s[role]).get(url).status_code == 403
    village = client_for(s["village"]).get(url).content.decode()
    assert 'value="330703001001"' in village and 'value="330703001"' not in village


def test_a_rounds_page_shows_missing_reports_and_the_rollup(reporting):
    s, r, homes = reporting["staff"], reporting, reporting["homes"]
    page = _get(s["village"], "round", r["round"].pk)
    text = page.content.decode()
    assert page.status_code == 200
    assert reverse("contacts:round_report", args=[r["round"].pk, "330703001001"]) in text
    assert 'class="vf-list__table wf-missing wf-missing-day"' in text
    day_table = text.split("wf-missing-day")[1].split("</table>")[0]
    assert homes[3].number in day_table and homes[2].number not in day_table
    rollup = text.split("wf-rollup")[1]
    assert "<td>18</td><td>7</td>" in rollup and "330703001002" not in rollup
    assert "wf-close-round" not in text  # the township's round: its approver closes it
    page = _get(s["township"], "round", r["round"].pk, village="330703001002")
    text = page.content.decode()
    assert "wf-close-round" in text and "wf-file-reports" not in text
    assert 'data-village="330703001002"' in text
    assert reporting["v12_homes"][1].number in text.split("wf-missing-day")[1]


def test_filing_a_contact_members_report_through_the_form(reporting):
    s, r, homes = reporting["staff"], reporting, reporting["homes"]
    client = client_for(s["village"])
    url = reverse("contacts:round_report", args=[r["round"].pk, "330703001001"])
    day = days_ago(1).isoformat()
    page = client.get(url, {"date": day})
    text = page.content.decode()
    assert page.status_code == 200 and text.count('class="wf-contact-report"') == 2
    jia = r["jia"].pk
    # nothing chosen: refused
    response = client.post(url, {"contact": jia, "date": day}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Choose a status for at least one household." in response.content.decode()
    response = client.post(url, {
        "contact": jia, "date": day, f"c{jia}-status_{homes[2].pk}": "all_well",
        f"c{jia}-status_{homes[3].pk}": "to_report",
        f"c{jia}-note_{homes[3].pk}": "儿子从广州回来"})
    assert response.status_code == 302
    filed = ContactReport.objects.filter(report_date=days_ago(1), contact=r["jia"])
    assert sorted(filed.values_list("household_id", "status", "note")) == sorted([
        (homes[2].pk, "all_well", ""), (homes[3].pk, "to_report", "儿子从广州回来")])
    # a day that is not a reporting day, a day ahead: said, no form
    for bad in (days_ago(6), days_ago(-1)):
        page = client.get(url, {"date": bad.isoformat()})
        assert 'class="wf-problem"' in page.content.decode()
        assert 'class="wf-contact-report"' not in page.content.decode()
    before = ContactReport.objects.count()
    response = client.post(url, {"contact": jia, "date": days_ago(6).isoformat(),
                                 f"c{jia}-status_{homes[2].pk}": "all_well"})
    assert response.status_code == 302 and ContactReport.objects.count() == before


@pytest.mark.parametrize("role", ["township", "district", "auditor"])
def test_readers_do_not_file_or_close_a_village_round(reporting, role):
    s, r = reporting["staff"], reporting
    client = client_for(s[role])
    url = reverse("contacts:round_report", args=[r["round"].pk, "330703001001"])
    assert client.get(url).status_code == 403
    jia, homes = r["jia"].pk, r["homes"]
    before = ContactReport.objects.count()
    assert client.post(url, {"contact": jia, "date": days_ago(1).isoformat(),
                             f"c{jia}-status_{homes[2].pk}": "all_well"}).status_code == 403
    assert ContactReport.objects.count() == before
    village_round = services.open_round(actor=s["village"], area=r["areas"]["v11"], title="村",
                                        first_day=days_ago(1), last_day=days_ago(0))
    close = reverse("contacts:round_close", args=[village_round.pk])
    assert client.post(close).status_code == 403
    assert ReportingRound.objects.get(pk=village_round.pk).closed_at is None


def test_closing_a_round_through_the_page(reporting):
    s, r = reporting["staff"], reporting
    close = reverse("contacts:round_close", args=[r["round"].pk])
    assert client_for(s["village"]).post(close).status_code == 403
    assert client_for(s["township"]).post(close).status_code == 302
    assert ReportingRound.objects.get(pk=r["round"].pk).ends_on == timezone.localdate()


# --- families ---------------------------------------------------------------------------------

def test_families_are_sent_to_their_own_pages(reporting, client):
    family = f.user("family", reporting["areas"]["v11"], household=reporting["homes"][2])
    client.force_login(family)
    for url in (reverse("contacts:index"), reverse("contacts:rounds"),
                reverse("contacts:round", args=[reporting["round"].pk])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == "/family/"


def test_the_family_page_names_their_contact_member_only(reporting, client):
    family = f.user("family", reporting["areas"]["v11"], household=reporting["homes"][2])
    client.force_login(family)
    page = client.get(reverse("family:contacts_mine"), HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert page.status_code == 200
    assert "联系人甲" in text and days_ago(10).isoformat() in text
    # nothing about other households or other contact members
    for other in ("联系人乙", "联系人丙", reporting["homes"][3].number,
                  reporting["homes"][2].number, "户主3"):
        assert other not in text
    lonely = f.user("family", reporting["areas"]["v11"], household=reporting["homes"][1])
    client.force_login(lonely)
    text = client.get(reverse("family:contacts_mine"), HTTP_ACCEPT_LANGUAGE="en"
                      ).content.decode()
    assert "No association member looks after your family yet." in text
    assert "联系人" not in text


def test_the_family_page_is_for_families(reporting, client):
    url = reverse("family:contacts_mine")
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(reporting["staff"]["village"])
    assert client.get(url).status_code == 302


# --- statements -------------------------------------------------------------------------------

def _statements(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params or {}).status_code == 200
    return len(ctx.captured_queries)


def _more(reporting, n: int) -> None:
    """``n`` more households in v11 looked after by a new member, with reports, and a new
    village in the township with a contact."""
    areas = reporting["areas"]
    homes = [f.household(areas["v11"]) for _ in range(n)]
    contact = f.person(homes[0], name=f"新联系人{n}")
    services.assign_contact(actor=reporting["staff"]["village"], contact=contact,
                            households=homes[1:], since=days_ago(10))
    services.file_report(actor=reporting["staff"]["village"], round=reporting["round"],
                         contact=contact, report_date=days_ago(2),
                         entries=[services.ReportEntry(h, "all_well") for h in homes[1:]])
    for i in range(n // 5 + 1):
        code = f"330703001{300 + i + n:03d}"
        from casework.models import Area

        Area.objects.get_or_create(code=code, defaults={"name": f"新村{code}",
                                                        "level": "village",
                                                        "parent": areas["t1"]})


@pytest.mark.parametrize("who,name,args,params", [
    ("village", "index", (), {}),
    ("township", "index", (), {}),
    ("township", "village", ("330703001001",), {}),
    ("township", "rounds", (), {}),
    ("township", "round", ("round",), {"village": "330703001001"}),
    ("village", "round", ("round",), {}),
    ("village", "round_report", ("round", "330703001001"), {"date": "yesterday"}),
    ("village", "assign", ("330703001001",), {}),
])
def test_pages_read_a_constant_number_of_statements(reporting, who, name, args, params):
    user = reporting["staff"][who]
    args = [reporting["round"].pk if a == "round" else a for a in args]
    params = {k: (days_ago(1).isoformat() if v == "yesterday" else v) for k, v in params.items()}
    client = client_for(user)
    url = reverse(f"contacts:{name}", args=args)
    client.get(url, params)  # the session, warmed
    few = _statements(client, url, params)
    _more(reporting, 12)
    for i in range(3):
        services.open_round(actor=reporting["staff"]["township"], area=reporting["areas"]["t1"],
                            title=f"r{i}", first_day=days_ago(3), last_day=days_ago(0))
    many = _statements(client, url, params)
    assert few == many, (few, many)
