"""Celery tasks. Celery moves work; the database holds every message and timer."""

import logging

from celery import shared_task
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation

from casework.models import OutboxMessage

from .messages import render
from .sms import get_backend

logger = logging.getLogger(__name__)

RELAY_BATCH = 500


@shared_task(acks_late=True, ignore_result=True)
def relay_outbox() -> int:
    """Hand every pending outbox row to ``deliver``; safe to run concurrently."""
    pending = list(
        OutboxMessage.objects.filter(sent_at__isnull=True).order_by("id")
        .values_list("id", flat=True)[:RELAY_BATCH]
    )
    for message_id in pending:
        deliver.delay(message_id)
    return len(pending)


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=8,
             autoretry_for=(ConnectionError, TimeoutError), retry_backoff=True)
def deliver(self, message_id: int) -> bool:
    """Send one message once: the row is locked and marked sent in one transaction,
    so a redelivered or duplicated task finds it sent and does nothing."""
    with transaction.atomic():
        message = (OutboxMessage.objects.select_for_update(skip_locked=True)
                   .filter(pk=message_id, sent_at__isnull=True).first())
        if message is None:
            return False
        with translation.override("zh-hans"):
            text = render(message.template, {**message.payload, "case": message.case_id})
        message.attempts += 1
        if message.channel == OutboxMessage.Channel.SMS:
            get_backend().send(to=message.recipient, text=text, message_id=message.pk)
        elif message.channel == OutboxMessage.Channel.EMAIL:
            send_mail(subject=text[:60], message=text, from_email=None,
                      recipient_list=[message.recipient])
        message.sent_at = timezone.now()
        message.save(update_fields=["sent_at", "attempts"])
    return True


@shared_task(acks_late=True, ignore_result=True)
def fire_due_timers() -> int:
    """Fire due viewflow timers (public notice ends); one beat schedules this."""
    from viewflow.workflow.timers import fire_due_timers as fire

    from . import flows  # noqa: F401  (registers the flow classes)

    return fire()
