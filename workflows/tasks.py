"""Celery tasks. Celery moves work; the database holds every message and timer."""

import logging
from datetime import timedelta

from celery import shared_task
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation

from casework.models import OutboxMessage
from casework.personal.phones import is_mobile_phone

from .notifications import notify
from .notifications.messages import render
from .notifications.sms import get_backend, rate_limit_retry_at

logger = logging.getLogger(__name__)

RELAY_BATCH = 500


MAX_ATTEMPTS = notify.MAX_ATTEMPTS  # then the message stays unsent with its last error

Channel = OutboxMessage.Channel


def pending_messages():
    """Unsent rows that are due: never failed, or past their backoff time."""
    now = timezone.now()
    return OutboxMessage.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS).filter(
        Q(retry_at__isnull=True) | Q(retry_at__lte=now))


@shared_task(acks_late=True, ignore_result=True)
def relay_outbox() -> int:
    """Hand every due outbox row to ``deliver``; safe to run concurrently."""
    ids = list(pending_messages().order_by("id").values_list("id", flat=True)[:RELAY_BATCH])
    for message_id in ids:
        deliver.delay(message_id)
    return len(ids)


@shared_task(acks_late=True, ignore_result=True)
def deliver(message_id: int) -> bool:
    """Send one message once: the row is locked and marked sent in one transaction,
    so a redelivered or duplicated task finds it sent (or locked) and does nothing.

    SMS goes to the gateway with the row's id as idempotency key, unless the number has
    had its hourly allowance: then the row is deferred (``retry_at``) to when the window
    allows, without counting an attempt. E-mail goes through Django's e-mail backend.
    An in-app row becomes one ``Message`` per recipient account (``notify.deliver_inapp``).

    A failed send is recorded on the row with a backoff; the relay retries it
    later, up to ``MAX_ATTEMPTS``. A row that can never be sent (not a mobile number,
    an unknown template or recipient) fails at once, for staff to see. Delivery is at
    least once: a crash between the gateway's acceptance and the commit sends the
    message again (with the same idempotency key).
    """
    with transaction.atomic():
        message = (pending_messages().select_for_update(skip_locked=True)
                   .filter(pk=message_id).first())
        if message is None:
            return False
        try:
            with translation.override(notify.MESSAGE_LANGUAGE):
                text = render(message.template, {**message.payload, "case": message.case_id})
        except KeyError:
            return _give_up(message, f"unknown template {message.template!r}")
        number = ""
        if message.channel == Channel.SMS:
            number = notify.sms_number(message.recipient)
            if not is_mobile_phone(number):
                return _give_up(message, "not a mainland mobile number")
            later = rate_limit_retry_at(message.recipient, timezone.now())
            if later is not None:  # deferred, not failed: no attempt is counted
                logger.info("outbox message %s deferred to %s: SMS rate limit", message.pk,
                            later.isoformat())
                message.retry_at = later
                message.save(update_fields=["retry_at"])
                return False
        message.attempts += 1
        note = ""
        try:
            if message.channel == Channel.SMS:
                get_backend().send(to=number, text=text, message_id=message.pk)
            elif message.channel == Channel.EMAIL:
                if not notify.send_email(message):
                    note = "no e-mail address"
            elif message.channel == Channel.INAPP:
                with transaction.atomic():  # a failure leaves no half of the fan-out
                    if not notify.deliver_inapp(message):
                        note = "no recipient accounts"
        except notify.UnknownRecipient as exc:
            return _give_up(message, str(exc))
        except Exception as exc:  # the gateway failed: record it, back off, retry later
            logger.warning("outbox message %s failed (attempt %s): %r", message.pk,
                           message.attempts, exc)
            message.last_error = repr(exc)[:1000]
            message.retry_at = timezone.now() + timedelta(seconds=30 * 2 ** message.attempts)
            message.save(update_fields=["attempts", "last_error", "retry_at"])
            return False
        message.sent_at = timezone.now()
        message.last_error = note
        message.save(update_fields=["sent_at", "attempts", "last_error"])
    return True


def _give_up(message: OutboxMessage, reason: str) -> bool:
    """A row no retry can send: failed now, with the reason, for staff to see."""
    logger.warning("outbox message %s cannot be sent: %s", message.pk, reason)
    message.attempts = MAX_ATTEMPTS
    message.last_error = reason[:1000]
    message.save(update_fields=["attempts", "last_error"])
    return False


@shared_task(acks_late=True, ignore_result=True)
def fire_due_timers() -> int:
    """Fire due viewflow timers (public notice ends); one beat schedules this."""
    from viewflow.workflow.timers import fire_due_timers as fire

    from .applications import flow as flows  # noqa: F401  (registers the flow classes)

    return fire()


# The re-certification and deadline tasks live with their services; imported here so
# that the worker's autodiscovery (which imports each app's ``tasks`` module) finds them.
from .deadlines.services import sweep_deadlines  # noqa: E402, F401
from .entitlements import end_expired  # noqa: E402, F401
from .pairings.tasks import end_finished_pairings  # noqa: E402, F401
from .recertification.flow import recertify_year  # noqa: E402, F401
