"""Messages over the API: one's own inbox (keyset pages, unread count, read), a case's
messages scoped like the case, and phone numbers validated where households come in."""

from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone

from casework.models import Message, OutboxMessage, Person
from tests import factories as f
from tests.support.journey import apply as submit
from workflows import tasks

from .conftest import unique_birth

MESSAGES = "/api/v1/messages/"
LIST_BOUND = 2  # the token lookup and the page
CASE_MESSAGES_BOUND = 3  # the token lookup, the case (scoped) and its outbox rows


@pytest.fixture(autouse=True)
def memory_sms(settings):
    settings.SMS_BACKEND = "workflows.notifications.sms.MemorySmsBackend"


def notice(user, case=None, template="task_waiting") -> Message:
    """One in-app message for ``user``, delivered the way the worker does."""
    row = OutboxMessage.objects.create(case=case, channel=OutboxMessage.Channel.INAPP,
                                       recipient_user=user, template=template,
                                       payload={}, created_at=timezone.now())
    assert tasks.deliver(row.pk) is True
    return Message.objects.get(outbox=row)


def deliver_all():
    for pk in list(tasks.pending_messages().values_list("id", flat=True)):
        tasks.deliver(pk)


@pytest.fixture
def case(programs, family_home, staff):
    case = submit(actor=family_home["user"], household=family_home["household"],
                  applicant=family_home["applicant"], program=programs["medical_discount"])
    deliver_all()
    return case


# --- my messages -------------------------------------------------------------------------

def test_i_see_my_own_messages_only(api, case, family_home, staff):
    mine = Message.objects.get(recipient=family_home["user"])
    theirs = Message.objects.get(recipient=staff["village"])
    response = api(family_home["user"]).get(MESSAGES)
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["id"] == mine.pk and row["case"] == case.pk
    assert row["template"] == "case_submitted" and row["read"] is False
    assert "申请" in row["text"]
    staff_rows = api(staff["village"]).get(MESSAGES).json()["results"]
    assert [r["id"] for r in staff_rows] == [theirs.pk]
    assert api(staff["township"]).get(MESSAGES).json()["results"] == []


def test_the_text_is_in_the_readers_language(api, case, family_home):
    row = api(family_home["user"]).get(MESSAGES, HTTP_ACCEPT_LANGUAGE="en").json()["results"][0]
    assert row["text"] == f"Your application #{case.pk} has been received."


def test_keyset_pages_newest_first(api, case, staff):
    user = staff["township"]
    made = [notice(user, case).pk for _ in range(5)]
    client = api(user)
    first = client.get(MESSAGES, {"page_size": 2}).json()
    assert [r["id"] for r in first["results"]] == made[::-1][:2]
    after = parse_qs(urlparse(first["next"]).query)["after"][0]
    second = client.get(MESSAGES, {"page_size": 2, "after": after}).json()
    assert [r["id"] for r in second["results"]] == made[::-1][2:4]


@pytest.mark.parametrize("rows", [1, 50])
def test_the_list_costs_the_same_for_1_and_50_messages(api, case, staff, rows,
                                                       django_assert_max_num_queries):
    user = staff["township"]
    for _ in range(rows):
        notice(user, case)
    client = api(user)
    client.get("/api/v1/me/")
    with django_assert_max_num_queries(LIST_BOUND):
        response = client.get(MESSAGES)
    assert len(response.json()["results"]) == rows


def test_unread_count_read_and_read_all(api, case, staff):
    user = staff["township"]
    first, second, third = (notice(user, case) for _ in range(3))
    client = api(user)
    assert client.get(MESSAGES + "unread-count/").json() == {"count": 3, "more": False}

    response = client.post(f"{MESSAGES}{first.pk}/read/")
    assert response.status_code == 200 and response.json()["read"] is True
    assert response.json()["read_at"]
    assert client.post(f"{MESSAGES}{first.pk}/read/").status_code == 200  # again: no change
    assert client.get(MESSAGES + "unread-count/").json()["count"] == 2

    assert client.post(MESSAGES + "read-all/").json() == {"marked": 2}
    assert client.get(MESSAGES + "unread-count/").json()["count"] == 0
    assert all(r["read"] for r in client.get(MESSAGES).json()["results"])


def test_someone_elses_message_cannot_be_read_or_marked(api, case, family_home, staff):
    theirs = Message.objects.get(recipient=staff["village"])
    client = api(family_home["user"])
    assert client.post(f"{MESSAGES}{theirs.pk}/read/").status_code == 404
    client.post(MESSAGES + "read-all/")
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_an_auditor_may_mark_their_own_messages_read(api, case, staff):
    message = notice(staff["auditor"], case)
    response = api(staff["auditor"]).post(f"{MESSAGES}{message.pk}/read/")
    assert response.status_code == 200


def test_unread_count_is_bounded(api, case, staff, monkeypatch):
    from workflows.notifications import notify

    monkeypatch.setattr(notify, "UNREAD_LIMIT", 2)
    for _ in range(4):
        notice(staff["township"], case)
    assert api(staff["township"]).get(MESSAGES + "unread-count/").json() == {
        "count": 2, "more": True}


def test_messages_need_a_login(client, db):
    assert client.get(MESSAGES).status_code in (401, 403)
    assert client.get(MESSAGES + "unread-count/").status_code in (401, 403)


# --- a case's messages ----------------------------------------------------------------------

def case_messages(client, case, **extra):
    return client.get(f"/api/v1/cases/{case.pk}/messages/", **extra)


def test_the_family_sees_what_was_sent_to_it_with_the_phone_masked(api, case, family_home):
    response = case_messages(api(family_home["user"]), case)
    assert response.status_code == 200
    rows = response.json()
    assert {(r["channel"], r["template"]) for r in rows} == {("sms", "case_submitted"),
                                                            ("inapp", "case_submitted")}
    sms = next(r for r in rows if r["channel"] == "sms")
    assert sms["recipient"] == "138****0000" and sms["status"] == "sent"
    assert sms["sent_at"] and sms["attempts"] == 1
    assert "13800000000" not in response.content.decode()


def test_staff_in_scope_see_every_message_of_the_case(api, case, staff):
    OutboxMessage.objects.create(case=case, channel="sms", recipient="13900001111",
                                 template="case_returned", attempts=tasks.MAX_ATTEMPTS,
                                 last_error="x", created_at=timezone.now())
    rows = case_messages(api(staff["township"]), case).json()
    assert {r["template"] for r in rows} == {"case_submitted", "task_waiting", "case_returned"}
    assert {r["status"] for r in rows} == {"sent", "failed"}
    staff_row = next(r for r in rows if r["template"] == "task_waiting")
    assert staff_row["channel"] == "inapp" and staff_row["recipient"]


@pytest.mark.parametrize("who", ["village_other", "township_other"])
def test_staff_out_of_scope_get_404(api, case, staff, who):
    assert case_messages(api(staff[who]), case).status_code == 404


def test_another_family_gets_404(api, case, areas):
    other = f.user("family", areas["v11"], household=f.household(areas["v11"]))
    assert case_messages(api(other), case).status_code == 404


@pytest.mark.parametrize("rows", [1, 30])
def test_case_messages_cost_the_same_for_1_and_30(api, case, staff, rows,
                                                  django_assert_max_num_queries):
    OutboxMessage.objects.bulk_create([
        OutboxMessage(case=case, channel="sms", recipient="13900001111",
                      template="case_returned", created_at=timezone.now())
        for _ in range(rows)])
    client = api(staff["village"])
    client.get("/api/v1/me/")
    with django_assert_max_num_queries(CASE_MESSAGES_BOUND):
        response = case_messages(client, case)
    assert len(response.json()) == rows + 3


# --- phone numbers where households come in --------------------------------------------------

def household_body(areas, phone):
    from casework.personal.identity import make_resident_id

    birth = unique_birth()
    return {"number": f"H-PH-{birth:%Y%m%d}", "area": areas["v11"].code, "registration": "local",
            "members": [{"name": "陈一", "relationship": "head", "phone": phone,
                         "id_number": make_resident_id("330703", birth, 11, "M")}]}


@pytest.mark.parametrize("phone", ["12345678901", "1380000000", "0579-88888888"])
def test_a_bad_phone_is_refused_naming_the_member_and_field(api, areas, staff, phone):
    client = api(staff["village"])
    response = client.post("/api/v1/households/", household_body(areas, phone), format="json")
    assert response.status_code == 400
    errors = response.json()
    assert list(errors) == ["members"] and list(errors["members"]["0"]) == ["phone"]
    assert "手机号码" in errors["members"]["0"]["phone"][0]
    english = client.post("/api/v1/households/", household_body(areas, phone), format="json",
                          HTTP_ACCEPT_LANGUAGE="en").json()
    assert "mobile phone number" in english["members"]["0"]["phone"][0]
    assert not Person.objects.exists()


def test_a_phone_with_spaces_and_country_code_is_stored_plain(api, areas, staff):
    response = api(staff["village"]).post(
        "/api/v1/households/", household_body(areas, "+86 139 1234 5678"), format="json")
    assert response.status_code == 201, response.content
    assert Person.objects.get().phone == "13912345678"


# --- the indexes (PostgreSQL, production's database) -------------------------------------------

@pytest.mark.requires_postgres("index plans are checked on PostgreSQL (production's database)")
@pytest.mark.parametrize("read", ["latest", "unread"])
def test_the_inbox_reads_are_served_by_their_indexes(case, staff, read):
    from django.db import connection, transaction

    from workflows.notifications import notify

    user = staff["township"]
    if read == "latest":
        qs, index = notify.inbox_for(user).filter(pk__lt=10**9)[:50], "message_recipient_latest"
    else:
        qs = notify.inbox_for(user).filter(read_at__isnull=True).values("id")[:100]
        index = "message_recipient_unread"
    sql, params = qs.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # tiny test tables: force the choice
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert index in plan, plan
