"""Celery tasks. Celery moves work; the database holds every message and timer."""

import logging
from datetime import timedelta

from celery import shared_task
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation

from casework.models import OutboxMessage

from .messages import render
from .sms import get_backend

logger = logging.getLogger(__name__)

RELAY_BATCH = 500


MAX_ATTEMPTS = 8  # then the message stays unsent with its last error, for staff to see


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

    A failed send is recorded on the row with a backoff; the relay retries it
    later, up to ``MAX_ATTEMPTS``. Delivery is at least once: a crash between the
    gateway's acceptance and the commit sends the message again.
    """
    with transaction.atomic():
        message = (pending_messages().select_for_update(skip_locked=True)
                   .filter(pk=message_id).first())
        if message is None:
            return False
        with translation.override("zh-hans"):
            text = render(message.template, {**message.payload, "case": message.case_id})
        message.attempts += 1
        try:
            if message.channel == OutboxMessage.Channel.SMS:
                get_backend().send(to=message.recipient, text=text, message_id=message.pk)
            elif message.channel == OutboxMessage.Channel.EMAIL:
                send_mail(subject=text[:60], message=text, from_email=None,
                          recipient_list=[message.recipient])
        except Exception as exc:  # the gateway failed: record it, back off, retry later
            logger.warning("outbox message %s failed (attempt %s): %r", message.pk,
                           message.attempts, exc)
            message.last_error = repr(exc)[:1000]
            message.retry_at = timezone.now() + timedelta(seconds=30 * 2 ** message.attempts)
            message.save(update_fields=["attempts", "last_error", "retry_at"])
            return False
        message.sent_at = timezone.now()
        message.last_error = ""
        message.save(update_fields=["sent_at", "attempts", "last_error"])
    return True


@shared_task(acks_late=True, ignore_result=True)
def fire_due_timers() -> int:
    """Fire due viewflow timers (public notice ends); one beat schedules this."""
    from viewflow.workflow.timers import fire_due_timers as fire

    from . import flows  # noqa: F401  (registers the flow classes)

    return fire()


# The re-certification and deadline tasks live with their services; imported here so
# that the worker's autodiscovery (which imports each app's ``tasks`` module) finds them.
from .deadlines import sweep_deadlines  # noqa: E402, F401
from .recertification import recertify_year  # noqa: E402, F401
