"""The channels: in-app fan-out, SMS with its hourly limit, staff e-mail, message texts,
phone validation, and the staff messages page and case file."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from casework.models import Message, OutboxMessage, Person
from casework.personal.phones import (
    clean_mobile_phone,
    is_mobile_phone,
    mask_email,
    mask_phone,
    validate_mobile_phone,
)
from tests import factories as f
from workflows import tasks
from workflows.applications import services
from workflows.notifications import notify
from workflows.notifications.messages import TEMPLATES, render
from workflows.notifications.sms import MemorySmsBackend

pytestmark = pytest.mark.django_db

SMS, EMAIL, INAPP = (OutboxMessage.Channel.SMS, OutboxMessage.Channel.EMAIL,
                     OutboxMessage.Channel.INAPP)
STAFF_MESSAGES = "/workflow/messages/"


@pytest.fixture(autouse=True)
def memory_sms(settings):
    settings.SMS_BACKEND = "workflows.notifications.sms.MemorySmsBackend"
    settings.SMS_RATE_LIMIT_PER_HOUR = 5
    MemorySmsBackend.reset()
    yield MemorySmsBackend
    MemorySmsBackend.reset()


@pytest.fixture
def case(programs, family_home, staff):
    return services.submit_application(actor=family_home["user"],
                                       household=family_home["household"],
                                       program=programs["medical_discount"],
                                       applicant=family_home["applicant"])


def row(case, channel, recipient):
    return OutboxMessage.objects.get(case=case, channel=channel, recipient=recipient)


def deliver_all() -> int:
    """What the relay and the worker do, in this process: every due row (and the rows
    those queue), once."""
    sent, seen = 0, set()
    while ids := [pk for pk in tasks.pending_messages().order_by("id")
                  .values_list("id", flat=True) if pk not in seen]:
        seen.update(ids)
        sent += sum(tasks.deliver(pk) for pk in ids)
    return sent


def inbox(user) -> list[Message]:
    return list(Message.objects.filter(recipient=user).order_by("id"))


def outbox_row(case=None, *, channel=INAPP, recipient="", template="case_submitted",
               user=None, **payload):
    return OutboxMessage.objects.create(case=case, channel=channel, recipient=recipient,
                                        recipient_user=user, template=template,
                                        payload=payload, created_at=timezone.now())


# --- in-app: fan-out --------------------------------------------------------------------

def test_a_household_message_reaches_every_active_family_account_of_that_household(
        case, family_home, areas):
    second = f.user("family", areas["v11"], household=family_home["household"])
    gone = f.user("family", areas["v11"], household=family_home["household"])
    gone.is_active = False
    gone.save()
    stranger = f.user("family", areas["v11"], household=f.household(areas["v11"]))
    household_row = row(case, INAPP, f"household:{case.household_id}")

    assert tasks.deliver(household_row.pk) is True

    for user in (family_home["user"], second):
        [message] = inbox(user)
        assert message.outbox_id == household_row.pk and message.case_id == case.pk
        assert message.template == "case_submitted" and message.read_at is None
        assert f"{case.pk}" in message.text and "申请" in message.text  # stored in zh-hans
    assert inbox(gone) == [] and inbox(stranger) == []


def test_a_step_message_reaches_the_staff_who_act_on_that_step_in_that_area(case, staff,
                                                                             areas):
    colleague = f.user("village_reviewer", areas["v11"])
    staff_row = row(case, INAPP, f"village_review:{case.area_id}")
    assert tasks.deliver(staff_row.pk) is True
    assert {m.recipient_id for m in Message.objects.filter(outbox=staff_row)} == {
        staff["village"].pk, colleague.pk}

    # the level above: the township of the case's village, not the other township
    township_row = outbox_row(case, recipient=f"township_review:{case.area_id}",
                              template="task_waiting")
    district_row = outbox_row(case, recipient=f"district_review:{case.area_id}",
                              template="task_waiting")
    tasks.deliver(township_row.pk)
    tasks.deliver(district_row.pk)
    assert [m.recipient_id for m in Message.objects.filter(outbox=township_row)] == [
        staff["township"].pk]
    assert [m.recipient_id for m in Message.objects.filter(outbox=district_row)] == [
        staff["district"].pk]
    for other in ("village_other", "township_other", "auditor"):
        assert inbox(staff[other]) == []


def test_a_message_for_one_user_reaches_that_user_only(case, staff):
    message = outbox_row(case, template="task_waiting", user=staff["township"])
    assert tasks.deliver(message.pk) is True
    assert [m.recipient_id for m in Message.objects.filter(outbox=message)] == [
        staff["township"].pk]


def test_a_household_without_accounts_is_sent_to_nobody_and_not_retried(programs, areas):
    household = f.household(areas["v11"])
    message = outbox_row(recipient=f"household:{household.pk}")
    assert tasks.deliver(message.pk) is True
    message.refresh_from_db()
    assert message.sent_at is not None and message.last_error == "no recipient accounts"
    assert not Message.objects.exists()


def test_an_unknown_recipient_fails_at_once_for_staff_to_see(case):
    message = outbox_row(case, recipient="nonsense")
    assert tasks.deliver(message.pk) is False
    message.refresh_from_db()
    assert message.sent_at is None and message.attempts == tasks.MAX_ATTEMPTS
    assert "nonsense" in message.last_error
    assert notify.outbox_status(message) == notify.Status.FAILED


# --- idempotent delivery ----------------------------------------------------------------

def test_delivering_twice_sends_once_and_makes_one_message_per_user(case, family_home, staff,
                                                                    memory_sms):
    rows = list(OutboxMessage.objects.filter(case=case).order_by("id"))
    assert {r.channel for r in rows} == {SMS, INAPP}
    for r in rows:
        assert tasks.deliver(r.pk) is True
        assert tasks.deliver(r.pk) is False  # a redelivered task finds it sent
    sms_row = row(case, SMS, f"person:{case.applicant_id}")  # the person, not the number
    assert [s["message_id"] for s in memory_sms.outbox] == [sms_row.pk]
    assert memory_sms.outbox[0]["to"] == "13800000000"
    assert len(inbox(family_home["user"])) == 1 and len(inbox(staff["village"])) == 1
    assert all(r.attempts == 1 for r in OutboxMessage.objects.filter(case=case))


def test_a_crash_after_the_fan_out_adds_no_second_message(case, family_home):
    """At least once: a worker that dies after its commit's effects but before it is
    acknowledged runs again; the unique (outbox, user) keeps the inbox as it was."""
    household_row = row(case, INAPP, f"household:{case.household_id}")
    tasks.deliver(household_row.pk)
    OutboxMessage.objects.filter(pk=household_row.pk).update(sent_at=None)  # "never committed"
    assert tasks.deliver(household_row.pk) is True
    assert len(inbox(family_home["user"])) == 1


def test_the_memory_gateway_drops_a_repeated_idempotency_key(memory_sms):
    gateway = memory_sms()
    gateway.send(to="13800000000", text="a", message_id=7)
    gateway.send(to="13800000000", text="a", message_id=7)
    assert len(memory_sms.outbox) == 1 and memory_sms.repeats == [7]


# --- SMS: the per-number hourly limit -----------------------------------------------------

def test_over_the_hourly_limit_an_sms_is_deferred_not_dropped_nor_failed(case, settings,
                                                                         memory_sms):
    settings.SMS_RATE_LIMIT_PER_HOUR = 2
    number = "13912345678"
    rows = [outbox_row(case, channel=SMS, recipient=number) for _ in range(3)]
    other = outbox_row(case, channel=SMS, recipient="13700000000")

    assert [tasks.deliver(r.pk) for r in rows] == [True, True, False]
    assert tasks.deliver(other.pk) is True  # another number has its own allowance
    first, _, deferred = (OutboxMessage.objects.get(pk=r.pk) for r in rows)
    assert deferred.sent_at is None
    assert deferred.attempts == 0 and deferred.last_error == ""  # not a failed attempt
    # deferred to one hour after the oldest message of the window
    assert first.sent_at + timedelta(hours=1) <= deferred.retry_at <= (
        first.sent_at + timedelta(hours=1, seconds=2))
    assert not tasks.pending_messages().filter(pk=deferred.pk).exists()
    assert notify.outbox_status(deferred) == notify.Status.PENDING
    assert [s["to"] for s in memory_sms.outbox].count(number) == 2

    # an hour later the window allows it, and it goes
    hour_ago = timezone.now() - timedelta(hours=1, minutes=1)
    OutboxMessage.objects.filter(pk__in=[r.pk for r in rows[:2]]).update(sent_at=hour_ago)
    OutboxMessage.objects.filter(pk=deferred.pk).update(retry_at=timezone.now())
    assert tasks.deliver(deferred.pk) is True
    deferred.refresh_from_db()
    assert deferred.sent_at is not None and deferred.attempts == 1
    assert [s["to"] for s in memory_sms.outbox].count(number) == 3


def test_deferral_repeats_as_long_as_the_window_is_full(case, settings, memory_sms):
    settings.SMS_RATE_LIMIT_PER_HOUR = 1
    number = "13912345678"
    sent, waiting = (outbox_row(case, channel=SMS, recipient=number) for _ in range(2))
    assert tasks.deliver(sent.pk) is True
    for _ in range(tasks.MAX_ATTEMPTS + 2):  # never gives up, however often it is tried
        OutboxMessage.objects.filter(pk=waiting.pk).update(retry_at=None)
        assert tasks.deliver(waiting.pk) is False
    waiting.refresh_from_db()
    assert waiting.attempts == 0 and waiting.retry_at > timezone.now()
    assert len(memory_sms.outbox) == 1


def test_an_sms_to_a_number_that_is_not_a_mobile_fails_at_once(case, memory_sms):
    message = outbox_row(case, channel=SMS, recipient="0579-8888888")
    assert tasks.deliver(message.pk) is False
    message.refresh_from_db()
    assert message.attempts == tasks.MAX_ATTEMPTS and "mobile" in message.last_error
    assert memory_sms.outbox == []


# --- e-mail for staff -----------------------------------------------------------------------

def test_a_staff_notice_is_also_emailed_to_staff_with_an_address(case, staff, areas):
    staff["village"].email = "reviewer@example.org"
    staff["village"].save()
    f.user("village_reviewer", areas["v11"])  # no address: in-app only
    staff_row = row(case, INAPP, f"village_review:{case.area_id}")
    household_row = row(case, INAPP, f"household:{case.household_id}")

    tasks.deliver(staff_row.pk)
    tasks.deliver(household_row.pk)  # families get no e-mail
    [email_row] = OutboxMessage.objects.filter(case=case, channel=EMAIL)
    assert email_row.recipient == "reviewer@example.org"
    assert email_row.recipient_user_id == staff["village"].pk
    assert email_row.template == "task_waiting" and email_row.sent_at is None

    assert tasks.deliver(email_row.pk) is True
    assert tasks.deliver(email_row.pk) is False
    tasks.deliver(staff_row.pk)  # a redelivered in-app row queues no second e-mail
    assert OutboxMessage.objects.filter(case=case, channel=EMAIL).count() == 1
    [sent] = mail.outbox
    assert sent.to == ["reviewer@example.org"]
    assert f"#{case.pk}" in sent.subject and "审核" in sent.body


def test_an_email_row_for_a_user_uses_their_address(case, staff):
    staff["district"].email = "district@example.org"
    staff["district"].save()
    message = outbox_row(case, channel=EMAIL, template="task_overdue", user=staff["district"],
                         step="township_review", due_at="2025-03-07")
    assert tasks.deliver(message.pk) is True
    assert [m.to for m in mail.outbox] == [["district@example.org"]]
    assert "2025-03-07" in mail.outbox[0].body


def test_a_failing_mail_server_backs_off_and_retries(case, staff, settings, monkeypatch):
    def down(self, messages):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", down)
    message = outbox_row(case, channel=EMAIL, recipient="x@example.org", template="task_waiting")
    assert tasks.deliver(message.pk) is False
    message.refresh_from_db()
    assert message.attempts == 1 and "smtp down" in message.last_error
    assert message.retry_at > timezone.now()


# --- texts ----------------------------------------------------------------------------------

@pytest.mark.parametrize("template", ["task_reminder", "task_overdue", "task_escalated"])
def test_deadline_texts_name_the_case_the_step_and_the_date(template):
    payload = {"case": 42, "step": "township_review", "due_at": "2025-03-07"}
    with translation.override("zh-hans"):
        text = render(template, payload)
    assert "42" in text and "2025-03-07" in text and "乡镇审核" in text
    assert "township_review" not in text
    with translation.override("en"):
        english = render(template, payload)
    assert "42" in english and "2025-03-07" in english and "township review" in english


def test_a_due_time_is_shown_as_the_local_date_and_missing_keys_do_not_fail():
    with translation.override("en"):
        text = render("task_overdue", {"case": 1, "step": "village_review",
                                       "due_at": "2025-03-07T16:00:00+00:00"})
        assert "2025-03-08" in text  # midnight in Shanghai
        assert "—" in render("task_reminder", {"case": 1})


def test_every_template_renders_in_both_languages():
    payload = {"case": 1, "step": "village_review", "due_at": "2025-01-02", "year": 2025,
               "entitlement": "E1", "reason": "r"}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            assert all(render(name, payload) for name in TEMPLATES)


# --- phone numbers --------------------------------------------------------------------------

@pytest.mark.parametrize("number", ["13800000000", "19912345678", "16612345678"])
def test_mainland_mobile_numbers_are_valid(number):
    validate_mobile_phone(number)
    assert is_mobile_phone(number)


@pytest.mark.parametrize("number", ["12800000000", "1380000000", "138000000001", "1380000000a",
                                    "23800000000", "0579-8888888"])
def test_other_numbers_are_refused_with_a_message_naming_the_field(number):
    with pytest.raises(ValidationError) as error:
        validate_mobile_phone(number)
    assert error.value.code == "phone_format"
    with translation.override("en"):
        assert "mobile phone number" in " ".join(error.value.messages)
    with translation.override("zh-hans"):
        assert "手机号码" in " ".join(error.value.messages)


def test_spaces_hyphens_and_the_country_code_are_dropped():
    assert clean_mobile_phone(" +86 138-1234-5678 ") == "13812345678"
    assert clean_mobile_phone("008613812345678") == "13812345678"
    assert clean_mobile_phone("") == ""


def test_the_person_model_validates_its_phone(family_home):
    person = Person.objects.get(pk=family_home["applicant"].pk)
    person.phone = "12345"
    with translation.override("zh-hans"), pytest.raises(ValidationError) as error:
        person.full_clean()
    assert list(error.value.message_dict) == ["phone"]
    assert "手机号码" in error.value.message_dict["phone"][0]
    person.phone = ""
    person.full_clean()  # no phone is allowed


def test_masks():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_email("reviewer@example.org") == "r***@example.org"


# --- unread counts ----------------------------------------------------------------------------

def test_unread_count_and_marking_read(case, family_home, monkeypatch):
    user = family_home["user"]
    deliver_all()
    assert notify.unread_count(user) == 1
    monkeypatch.setattr(notify, "UNREAD_LIMIT", 2)
    for _ in range(3):
        tasks.deliver(outbox_row(case, recipient=f"household:{case.household_id}").pk)
    # four unread, counted up to the limit and one beyond: "2+"
    assert notify.unread_count(user) == 3 and notify.unread_label(3) == "2+"
    first, second = inbox(user)[:2]
    assert notify.mark_read(user, [first.pk, second.pk]) == 2
    assert notify.mark_read(user, [first.pk]) == 0
    assert notify.unread_count(user) == 2 and notify.unread_label(2) == "2"
    assert notify.mark_read(user) == 2 and notify.unread_count(user) == 0


# --- the staff messages page ------------------------------------------------------------------

def staff_rows(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-message-id="(\d+)"', response.content.decode())]


def test_the_staff_page_shows_my_messages_and_marks_them_read(client, case, staff):
    deliver_all()
    other = Message.objects.get(recipient=staff["village"])
    tasks.deliver(outbox_row(case, template="task_waiting", user=staff["township"]).pk)
    client.force_login(staff["township"])
    response = client.get(STAFF_MESSAGES)
    assert response.status_code == 200
    body = response.content.decode()
    mine = Message.objects.get(recipient=staff["township"])
    assert staff_rows(response) == [mine.pk] and other.pk not in staff_rows(response)
    assert "wf-unread" in body and f"/workflow/benefitapplication/{case.process.pk}/" in body
    assert f"{case.pk}" in body and "等待您审核" in body
    mine.refresh_from_db()
    assert mine.read_at is not None  # opened: read
    assert "wf-unread" not in client.get(STAFF_MESSAGES).content.decode()
    other.refresh_from_db()
    assert other.read_at is None


def test_the_staff_page_marks_all_read(client, case, staff):
    for _ in range(3):
        tasks.deliver(outbox_row(case, template="task_waiting", user=staff["village"]).pk)
    client.force_login(staff["village"])
    response = client.post(STAFF_MESSAGES + "read-all/")
    assert response.status_code == 302 and response.url == STAFF_MESSAGES
    assert notify.unread_count(staff["village"]) == 0


def test_the_staff_page_is_for_staff(client, family_home, db):
    assert client.get(STAFF_MESSAGES).status_code == 302  # to the login page
    client.force_login(family_home["user"])
    response = client.get(STAFF_MESSAGES)
    assert response.status_code == 302 and response.url == "/family/"


def test_the_staff_page_costs_the_same_for_one_message_and_for_a_page(
        client, case, staff, django_assert_max_num_queries):
    user = staff["township"]
    client.force_login(user)
    counts = []
    for n in (1, 40):
        while Message.objects.filter(recipient=user, read_at__isnull=True).count() < n:
            tasks.deliver(outbox_row(case, template="task_waiting", user=user).pk)
        with django_assert_max_num_queries(5) as ctx:  # session, user, page, unread, update
            response = client.get(STAFF_MESSAGES)
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
        Message.objects.filter(recipient=user).update(read_at=None)
    assert counts[0] == counts[1]
    assert len(staff_rows(response)) == 25 and "?after=" in response.content.decode()
    older = client.get(STAFF_MESSAGES + f"?after={staff_rows(response)[-1]}")
    assert len(staff_rows(older)) == 15


BADGE = re.compile(r'wf-messages-badge">([^<]*)<')


def test_the_menu_links_the_messages_page_with_the_unread_count(client, case, staff):
    client.force_login(staff["village"])
    inbox_page = "/workflow/benefitapplication/inbox/"
    body = client.get(inbox_page).content.decode()
    assert f'href="{STAFF_MESSAGES}"' in body and BADGE.findall(body) == [""]
    deliver_all()
    tasks.deliver(outbox_row(case, template="task_waiting", user=staff["village"]).pk)
    assert BADGE.findall(client.get(inbox_page).content.decode()) == ["2"]
    assert BADGE.findall(client.get(STAFF_MESSAGES).content.decode()) == [""]  # read now
    assert BADGE.findall(client.get(inbox_page).content.decode()) == [""]
    client.force_login(staff["township"])  # the menu is drawn once: the badge is per user
    assert BADGE.findall(client.get(inbox_page).content.decode()) == [""]


# --- the staff case file ----------------------------------------------------------------------

def test_the_case_file_lists_the_messages_sent_with_the_phone_masked(client, case, staff):
    deliver_all()
    pending = outbox_row(case, channel=SMS, recipient="13900001111", template="case_returned")
    OutboxMessage.objects.filter(pk=pending.pk).update(attempts=2, last_error="gateway down")
    client.force_login(staff["village"])
    body = client.get(f"/workflow/benefitapplication/{case.process.pk}/").content.decode()
    assert "wf-case-messages" in body
    assert "138****0000" in body and "13800000000" not in body
    assert "139****1111" in body and "13900001111" not in body
    assert "gateway down" in body
    assert "wf-message-sent" in body and "wf-message-pending" in body
    assert "短信" in body and "已发送" in body


def test_no_phone_number_is_kept_in_the_outbox(case, memory_sms):
    """SMS rows name the person; the worker reads the (encrypted) phone when it sends, so
    the number is in no outbox row at rest, and a phone changed meanwhile is used."""
    rows = OutboxMessage.objects.filter(case=case, channel=SMS)
    assert set(rows.values_list("recipient", flat=True)) == {f"person:{case.applicant_id}"}
    applicant = case.applicant
    applicant.phone = "13911112222"
    applicant.save()
    deliver_all()
    assert [s["to"] for s in memory_sms.outbox] == ["13911112222"]


def test_rows_written_with_numbers_are_rewritten_to_persons(case):
    """The migration that made recipients persons rewrites the rows written before it."""
    from importlib import import_module

    from django.apps import apps

    legacy = outbox_row(case, channel=SMS, recipient="13800000000")
    import_module("casework.migrations.0014_sms_recipients_are_persons").to_persons(apps, None)
    legacy.refresh_from_db()
    assert legacy.recipient == f"person:{case.applicant_id}"
