"""The family's messages: an inbox page for any phone, the unread count on the home page,
and the messages sent about a case in its history."""

import re

import pytest
from django.utils import timezone

from casework.models import Message, OutboxMessage
from tests import factories as f
from workflows import tasks
from workflows.applications import services

from .test_family_pages import assert_phone_page, case_url, submit, text

pytestmark = pytest.mark.django_db

HOME = "/family/"
MESSAGES = "/family/messages/"


@pytest.fixture(autouse=True)
def memory_sms(settings):
    settings.SMS_BACKEND = "workflows.notifications.sms.MemorySmsBackend"


@pytest.fixture
def family_client(client, family_home):
    client.force_login(family_home["user"])
    return client


def deliver_all():
    for pk in list(tasks.pending_messages().values_list("id", flat=True)):
        tasks.deliver(pk)


def household_notice(case, template="case_public_notice") -> Message:
    row = OutboxMessage.objects.create(case=case, channel=OutboxMessage.Channel.INAPP,
                                       recipient=f"household:{case.household_id}",
                                       template=template, payload={},
                                       created_at=timezone.now())
    tasks.deliver(row.pk)
    return Message.objects.filter(outbox=row).first()


def rows_in(response) -> int:
    return len(re.findall(r'<li class="card', text(response)))


def test_home_shows_the_unread_count(family_client, programs, family_home):
    assert "条新消息" not in text(family_client.get(HOME))
    case = submit(programs, family_home)
    deliver_all()
    household_notice(case)
    body = text(family_client.get(HOME))
    assert MESSAGES in body and "2 条新消息" in body


def test_the_messages_page_shows_my_messages_and_marks_them_read(family_client, programs,
                                                                 family_home):
    case = submit(programs, family_home)
    deliver_all()
    response = family_client.get(MESSAGES)
    assert_phone_page(response)
    body = text(response)
    assert f"您的第 {case.pk} 号申请已收到" in body
    assert 'class="card unread"' in body
    assert case_url(case) in body
    assert not Message.objects.filter(recipient=family_home["user"], read_at=None).exists()
    again = text(family_client.get(MESSAGES))
    assert 'class="card unread"' not in again  # new only the first time it is shown
    assert "条新消息" not in text(family_client.get(HOME))


def test_the_messages_page_shows_nothing_of_another_household(family_client, programs,
                                                              family_home, areas):
    hh = f.household(areas["v11"])
    person = f.person(hh, name="赵四", phone="13700000000")
    account = f.user("family", areas["v11"], household=hh)
    other = services.submit_application(actor=account, household=hh,
                                        program=programs["medical_discount"], applicant=person)
    deliver_all()
    body = text(family_client.get(MESSAGES))
    assert f"{other.pk} 号申请" not in body and "您还没有消息" in body
    assert Message.objects.get(recipient=account).read_at is None


def test_the_messages_page_in_english(family_client, programs, family_home):
    case = submit(programs, family_home)
    deliver_all()
    family_client.post("/i18n/setlang/", {"language": "en", "next": MESSAGES})
    body = text(family_client.get(MESSAGES))
    assert f"Your application #{case.pk} has been received." in body


def test_mark_all_read(family_client, programs, family_home):
    case = submit(programs, family_home)
    deliver_all()
    household_notice(case)
    response = family_client.post(MESSAGES + "read-all/")
    assert response.status_code == 302 and response.url == MESSAGES
    assert not Message.objects.filter(recipient=family_home["user"], read_at=None).exists()
    assert family_client.get(MESSAGES + "read-all/").status_code == 405  # POST only


def test_pages_of_messages_cost_the_same(family_client, programs, family_home,
                                         django_assert_max_num_queries):
    case = submit(programs, family_home)
    counts = []
    for n in (1, 30):
        while Message.objects.filter(recipient=family_home["user"]).count() < n:
            household_notice(case)
        Message.objects.filter(recipient=family_home["user"]).update(read_at=None)
        with django_assert_max_num_queries(4) as ctx:  # session, user, page, update
            response = family_client.get(MESSAGES)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    assert rows_in(response) == 20
    after = re.search(r'href="\?after=(\d+)"', text(response)).group(1)
    assert rows_in(family_client.get(f"{MESSAGES}?after={after}")) == 10


def test_staff_and_anonymous_users_do_not_get_the_family_inbox(client, staff, db):
    response = client.get(MESSAGES)
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    client.force_login(staff["village"])
    assert client.get(MESSAGES).url == "/workflow/"


def test_the_case_history_shows_the_messages_sent_with_the_phone_masked(family_client,
                                                                        programs,
                                                                        family_home):
    case = submit(programs, family_home)
    deliver_all()
    OutboxMessage.objects.create(case=case, channel="sms", recipient="13800000000",
                                 template="case_returned", attempts=tasks.MAX_ATTEMPTS,
                                 created_at=timezone.now())
    response = family_client.get(case_url(case))
    assert_phone_page(response)
    body = text(response)
    timeline = body.split('id="timeline"')[1]
    assert "短信" in timeline and "站内消息" in timeline
    assert "138****0000" in timeline and "13800000000" not in body
    assert "已发送" in timeline and "发送失败" in timeline
    assert f"您的第 {case.pk} 号申请已收到" in timeline
    assert "等待您审核" not in timeline  # the staff's notice is not the family's


def test_every_family_page_stays_phone_friendly(family_client, programs, family_home):
    submit(programs, family_home)
    deliver_all()
    for url in (HOME, MESSAGES):
        assert_phone_page(family_client.get(url))
