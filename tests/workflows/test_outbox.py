"""The outbox: messages are sent once, failures back off and are retried, then give up."""

from datetime import timedelta

import pytest
from django.utils import timezone

from casework.models import OutboxMessage
from workflows import tasks
from workflows.applications import services


class FlakyGateway:
    """An SMS gateway that is down (the outside world is the only thing faked)."""

    calls: list = []

    def send(self, *, to, text, message_id):
        self.calls.append(message_id)
        raise ConnectionError("gateway unreachable")


class Recorder:
    sent: list = []

    def send(self, *, to, text, message_id):
        self.sent.append((to, text, message_id))


@pytest.fixture
def sms_row(programs, family_home):
    case = services.submit_application(actor=family_home["user"],
                                       household=family_home["household"],
                                       program=programs["medical_discount"],
                                       applicant=family_home["applicant"])
    return OutboxMessage.objects.get(case=case, channel="sms")


def test_a_message_is_sent_once_even_if_delivered_twice(sms_row, settings):
    settings.SMS_BACKEND = "tests.workflows.test_outbox.Recorder"
    Recorder.sent.clear()
    assert tasks.deliver(sms_row.pk) is True
    assert tasks.deliver(sms_row.pk) is False  # a redelivered task finds it sent
    assert [m for *_, m in Recorder.sent] == [sms_row.pk]
    sms_row.refresh_from_db()
    assert sms_row.sent_at is not None and sms_row.attempts == 1
    assert "申请" in Recorder.sent[0][1]  # the family is told in Chinese


def test_a_failed_send_backs_off_and_is_retried_later(sms_row, settings):
    settings.SMS_BACKEND = "tests.workflows.test_outbox.FlakyGateway"
    assert tasks.deliver(sms_row.pk) is False
    sms_row.refresh_from_db()
    assert sms_row.sent_at is None and sms_row.attempts == 1
    assert "gateway unreachable" in sms_row.last_error
    assert sms_row.retry_at > timezone.now()
    assert not tasks.pending_messages().filter(pk=sms_row.pk).exists()  # waiting out backoff
    OutboxMessage.objects.filter(pk=sms_row.pk).update(
        retry_at=timezone.now() - timedelta(seconds=1))
    settings.SMS_BACKEND = "tests.workflows.test_outbox.Recorder"
    assert tasks.deliver(sms_row.pk) is True
    sms_row.refresh_from_db()
    assert sms_row.sent_at is not None and sms_row.attempts == 2 and sms_row.last_error == ""


def test_after_the_last_attempt_the_message_waits_for_staff(sms_row, settings):
    settings.SMS_BACKEND = "tests.workflows.test_outbox.FlakyGateway"
    OutboxMessage.objects.filter(pk=sms_row.pk).update(attempts=tasks.MAX_ATTEMPTS - 1)
    tasks.deliver(sms_row.pk)
    OutboxMessage.objects.filter(pk=sms_row.pk).update(retry_at=None)
    assert not tasks.pending_messages().filter(pk=sms_row.pk).exists()
    sms_row.refresh_from_db()
    assert sms_row.attempts == tasks.MAX_ATTEMPTS and sms_row.sent_at is None


@pytest.mark.parametrize("path", ["workflows.notifications.sms.LoggingSmsBackend",
                                  "workflows.sms.LoggingSmsBackend"])
def test_the_sms_backend_is_found_by_its_path_old_or_new(settings, path):
    """Deployments that name the backend by its path before the notifications package
    (``workflows.sms.*``) keep their gateway."""
    from workflows.notifications.sms import LoggingSmsBackend, get_backend

    settings.SMS_BACKEND = path
    assert type(get_backend()) is LoggingSmsBackend
