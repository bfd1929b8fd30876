"""The event search (/workflow/auditor/): every case history event in the user's area,
filtered, keyset-paged, each row with its case's chain status; read-only; for auditors
and district approvers only."""

import json
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casework.history import chain
from casework.history.verification import seal_checkpoint
from casework.models import AuditEvent, Case
from tests import factories as f
from tests.casework.test_audit_chain import tamper
from workflows.auditor import views as auditor

from .conftest import NAME_FAR, NAME_V11, NAME_V21, apply

URL = "/workflow/auditor/"


def event_ids(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-event-id="(\d+)"', response.content.decode())]


def scoped_events(prefix="330703"):
    return AuditEvent.objects.filter(case__area__code__startswith=prefix).order_by("-id")


def search(client, user, **params):
    client.force_login(user)
    response = client.get(URL, params)
    assert response.status_code == 200, response.status_code
    return response


# --- who may use it ----------------------------------------------------------------------

@pytest.mark.parametrize("role", ["auditor", "district"])
def test_auditors_and_district_approvers_see_every_event_of_their_district(
        client, world, staff, role):
    response = search(client, staff[role])
    assert event_ids(response) == list(scoped_events().values_list("pk", flat=True))
    body = response.content.decode()
    assert NAME_V11 in body and NAME_V21 in body and NAME_FAR not in body


def test_an_auditor_of_another_district_sees_nothing_of_this_one(client, world, far):
    response = search(client, far["auditor"])
    assert event_ids(response) == list(scoped_events("330704").values_list("pk", flat=True))
    body = response.content.decode()
    assert NAME_FAR in body and NAME_V11 not in body and NAME_V21 not in body
    # nor by asking for an area, a case or a program outside: an area not offered is an
    # error, the others find nothing
    response = search(client, far["auditor"], area="330703")
    assert event_ids(response) == [] and "330703" in response.context["form"].errors["area"][0]
    assert event_ids(search(client, far["auditor"], case=world["v11"].pk)) == []


def test_an_auditor_of_a_township_sees_only_that_township(client, world, areas):
    township_auditor = f.user("auditor", areas["t2"])
    response = search(client, township_auditor)
    assert event_ids(response) == list(scoped_events("330703002").values_list("pk", flat=True))
    assert NAME_V11 not in response.content.decode()


@pytest.mark.parametrize("role", ["village", "township"])
def test_other_staff_are_refused_and_see_no_menu_entry(client, world, staff, role):
    client.force_login(staff[role])
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}cases/{world['v11'].pk}/").status_code == 403
    assert client.get(f"{URL}export.csv", {"purpose": "look"}).status_code == 403
    menu = client.get("/workflow/messages/").content.decode()
    assert URL not in menu


def test_the_menu_offers_the_workspace_to_auditors(client, world, staff):
    client.force_login(staff["auditor"])
    assert URL in client.get("/workflow/messages/").content.decode()


def test_an_administrator_without_the_role_is_refused(client, world, areas):
    admin = f.user("admin", areas["district"])
    client.force_login(admin)
    assert client.get(URL).status_code == 403


def test_families_and_anonymous_users_are_sent_away(client, world, family_home):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(family_home["user"])
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"] == "/family/"


@pytest.mark.parametrize("path", ["", "cases/{case}/", "export.csv", "export.xlsx"])
def test_nothing_is_written_through_it(client, world, staff, path):
    client.force_login(staff["auditor"])
    url = URL + path.format(case=world["v11"].pk)
    before = list(Case.objects.order_by("pk").values_list("pk", "status", "version"))
    for method in ("post", "put", "delete", "patch"):
        assert getattr(client, method)(url, {"purpose": "x"}).status_code == 403
    assert list(Case.objects.order_by("pk").values_list("pk", "status", "version")) == before


# --- filters -----------------------------------------------------------------------------

def test_filter_by_area_prefix(client, world, staff, areas):
    for code in ("330703001", "330703001001", "330703002002"):
        response = search(client, staff["auditor"], area=code)
        assert event_ids(response) == list(scoped_events(code).values_list("pk", flat=True))
    assert event_ids(search(client, staff["auditor"], area="330703002002")) == []


def test_filter_by_program(client, world, staff):
    response = search(client, staff["auditor"], program="health_check")
    expected = scoped_events().filter(case__program__code="health_check")
    assert event_ids(response) == list(expected.values_list("pk", flat=True))
    assert expected.exists() and {e.case_id for e in expected} == {world["v21"].pk}


def test_filter_by_action_and_case(client, world, staff):
    response = search(client, staff["auditor"], action="decision_approve")
    approvals = scoped_events().filter(action="decision_approve")
    assert event_ids(response) == list(approvals.values_list("pk", flat=True))
    assert len(approvals) == 1
    response = search(client, staff["auditor"], case=world["v21"].pk)
    assert event_ids(response) == list(AuditEvent.objects.filter(case=world["v21"])
                                       .order_by("-id").values_list("pk", flat=True))


def test_filter_by_actor(client, world, staff):
    response = search(client, staff["auditor"], actor=staff["village"].username)
    expected = scoped_events().filter(actor=staff["village"])
    assert event_ids(response) == list(expected.values_list("pk", flat=True))
    assert len(expected) >= 2  # filed the v11 case, then approved it
    assert event_ids(search(client, staff["auditor"], actor="nobody-by-that-name")) == []


def test_filter_by_date_range(client, world, staff):
    today = timezone.localdate()
    everything = list(scoped_events().values_list("pk", flat=True))
    assert event_ids(search(client, staff["auditor"], date_from=today, date_to=today)) == (
        everything)
    assert event_ids(search(client, staff["auditor"],
                            date_to=today - timedelta(days=1))) == []
    assert event_ids(search(client, staff["auditor"],
                            date_from=today + timedelta(days=1))) == []
    # an event moved to yesterday (its chain then broken: the row says so)
    event = scoped_events().last()
    tamper("UPDATE casework_auditevent SET at = %s WHERE id = %s",
           [event.at - timedelta(days=1), event.pk])
    yesterday = today - timedelta(days=1)
    response = search(client, staff["auditor"], date_from=yesterday, date_to=yesterday)
    assert event_ids(response) == [event.pk]
    assert 'class="wf-event wf-event--broken"' in response.content.decode()


def test_an_inverted_date_range_is_an_error(client, world, staff):
    today = timezone.localdate()
    response = search(client, staff["auditor"], date_from=today,
                      date_to=today - timedelta(days=2))
    assert response.context["form"].errors["date_to"] and event_ids(response) == []


# --- keyset pages --------------------------------------------------------------------------

def test_keyset_pages_walk_every_event_once_without_count_or_offset(client, world, staff,
                                                                  monkeypatch):
    monkeypatch.setattr(auditor, "PAGE_SIZE", 3)
    client.force_login(staff["auditor"])
    seen, url, pages = [], f"{URL}?program=medical_discount", 0
    while url:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        sql = " ".join(q["sql"].upper() for q in queries.captured_queries
                       if "CASEWORK_AUDITEVENT" in q["sql"].upper())
        assert "COUNT(" not in sql and " OFFSET " not in sql
        ids = event_ids(response)
        assert len(ids) <= 3
        seen += ids
        pages += 1
        next_url = response.context["next_url"]
        if next_url:
            assert "program=medical_discount" in next_url
            assert response.context["next_url"].endswith(f"after={ids[-1]}")
        url = f"{URL}{next_url}" if next_url else ""
    expected = list(scoped_events().filter(case__program__code="medical_discount")
                    .values_list("pk", flat=True))
    assert seen == expected and pages == -(-len(expected) // 3)


def test_the_page_reads_no_count_of_the_events(client, world, staff):
    client.force_login(staff["auditor"])
    with CaptureQueriesContext(connection) as queries:
        client.get(URL)
    event_queries = [q["sql"] for q in queries.captured_queries
                     if "casework_auditevent" in q["sql"]]
    assert event_queries and not any("COUNT(" in sql.upper() for sql in event_queries)
    assert not any(" OFFSET " in q["sql"].upper() for q in queries.captured_queries)


def _many_events(programs, areas, staff, count):
    """At least ``count`` events in v12 (several cases, each a few events)."""
    reviewer = f.user("village_reviewer", areas["v12"])
    while AuditEvent.objects.filter(case__area=areas["v12"]).count() < count:
        apply(programs, areas["v12"], reviewer, name="孙多事")


def test_the_query_count_is_the_same_for_one_row_and_fifty(
        client, programs, areas, staff, world, django_assert_max_num_queries):
    _many_events(programs, areas, staff, 60)
    seal_checkpoint()
    client.force_login(staff["auditor"])
    one = {"case": world["v21"].pk, "action": "submitted"}
    client.get(URL, one)  # the checkpoint's leaves are read once and kept
    counts = {}
    for rows, params in ((1, one), (50, {})):
        with django_assert_max_num_queries(10) as queries:
            response = client.get(URL, params)
        assert len(event_ids(response)) == rows
        counts[rows] = len(queries.captured_queries)
    assert counts[1] == counts[50], counts


# --- chain status -------------------------------------------------------------------------

def test_each_row_shows_its_cases_chain_status(client, world, staff):
    response = search(client, staff["auditor"])
    assert {row.chain.intact for row in response.context["rows"]} == {True}
    assert "broken at" not in response.content.decode()
    v11 = world["v11"]
    tamper("UPDATE casework_auditevent SET detail = %s WHERE case_id = %s AND seq = 2",
           ['{"forged": true}', v11.pk])
    response = search(client, staff["auditor"])
    for row in response.context["rows"]:
        assert row.chain.intact == (row.event.case_id != v11.pk)
        if row.event.case_id == v11.pk:
            assert row.chain.broken_seq == 2
            assert row.state == ("ok" if row.event.seq < 2 else
                                 "broken" if row.event.seq == 2 else "unverified")
    body = response.content.decode()
    assert body.count("wf-chain--broken") == AuditEvent.objects.filter(case=v11).count()
    assert f'href="{URL}cases/{v11.pk}/"' in body


def test_a_rewritten_and_rehashed_history_is_caught_by_the_latest_checkpoint(
        client, world, staff):
    """An intruder who rewrites an event, rehashes every later one and the case's head
    still disagrees with the signed checkpoint."""
    v11 = world["v11"]
    seal_checkpoint()
    events = list(AuditEvent.objects.filter(case=v11).order_by("seq"))
    prev = events[0].hash
    for event in events[1:]:
        detail = {"forged": True} if event.seq == 2 else event.detail
        new = chain.event_hash(case_id=v11.pk, seq=event.seq, at=event.at,
                               actor_id=event.actor_id, action=event.action,
                               from_status=event.from_status, to_status=event.to_status,
                               detail=detail, prev_hash=prev)
        tamper("UPDATE casework_auditevent SET detail = %s, prev_hash = %s, hash = %s "
               "WHERE id = %s", [json.dumps(detail), prev, new, event.pk])
        prev = new
    tamper("UPDATE casework_case SET audit_head = %s WHERE id = %s", [prev, v11.pk])
    response = search(client, staff["auditor"], case=v11.pk)
    chains = {row.chain for row in response.context["rows"]}
    assert len(chains) == 1
    (status,) = chains
    # the checkpoint sealed the head: the first event it can vouch against
    assert status.broken_seq == v11.version and "checkpoint" in status.reason
    case_page = client.get(f"{URL}cases/{v11.pk}/").context["chain"]
    assert (case_page.broken_seq, case_page.reason) == (status.broken_seq, status.reason)
