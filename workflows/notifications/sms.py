"""SMS gateways. The development backend logs; tests keep messages in memory; production
plugs in a provider behind the same interface (``settings.SMS_BACKEND``).

``send`` is called by ``workflows.tasks.deliver`` with the outbox row's id as
``message_id``: the idempotency key. Delivery is at least once (a crash between the
gateway's acceptance and the commit sends again), so a provider backend passes the key
on (most gateways take a client reference and drop a repeat), and the memory backend
honours it too. A raised exception is a failed attempt: the row backs off and is
retried.

The per-number hourly limit is not the gateway's business: ``deliver`` defers a message
over the limit before calling ``send`` (``rate_limit_retry_at``).
"""

import hashlib
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.utils.module_loading import import_string

logger = logging.getLogger("workflows.notifications.sms")

RATE_WINDOW = timedelta(hours=1)
DEFAULT_RATE_PER_HOUR = 5


class SmsBackend:
    def send(self, *, to: str, text: str, message_id: int) -> None:  # pragma: no cover
        """Hand one message to the gateway; ``message_id`` is the idempotency key."""
        raise NotImplementedError


class LoggingSmsBackend(SmsBackend):
    """Writes the message to the log instead of a gateway (development)."""

    def send(self, *, to: str, text: str, message_id: int) -> None:
        logger.info("SMS #%s to %s: %s", message_id, to, text)


class MemorySmsBackend(SmsBackend):
    """Keeps messages in a list (tests look at what was sent); a repeated idempotency
    key is dropped, as a provider would, and counted in ``repeats``."""

    outbox: list[dict] = []
    repeats: list[int] = []

    def send(self, *, to: str, text: str, message_id: int) -> None:
        if any(sent["message_id"] == message_id for sent in self.outbox):
            self.repeats.append(message_id)
            return
        self.outbox.append({"to": to, "text": text, "message_id": message_id})

    @classmethod
    def reset(cls) -> None:
        cls.outbox.clear()
        cls.repeats.clear()


# where the backends lived before the notifications package (deployments may still name it)
OLD_PREFIX, PREFIX = "workflows.sms.", "workflows.notifications.sms."


def get_backend() -> SmsBackend:
    path = settings.SMS_BACKEND
    if path.startswith(OLD_PREFIX):
        path = PREFIX + path.removeprefix(OLD_PREFIX)
    return import_string(path)()


def rate_per_hour() -> int:
    return int(getattr(settings, "SMS_RATE_LIMIT_PER_HOUR", DEFAULT_RATE_PER_HOUR))


def _lock_number(number: str) -> None:
    """Serialise the limit check per number until the transaction ends (PostgreSQL; on
    SQLite the IMMEDIATE transaction already serialises every writer)."""
    if connection.vendor != "postgresql":
        return
    key = int.from_bytes(hashlib.blake2b(number.encode(), digest_size=4).digest(), "big",
                         signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0x534D53, key])


def rate_limit_retry_at(number: str, now: datetime) -> datetime | None:
    """When the next SMS to ``number`` may go, if it may not go now; None if it may.

    ``number`` is the rows' recipient: a person (``person:<id>``, whose phone the worker
    reads when sending) or, in rows written before that, the number itself.

    At most ``SMS_RATE_LIMIT_PER_HOUR`` messages in any hour: with that many sent in the
    last hour, the next may go one hour after the oldest of them. Call inside the
    delivering transaction: the number stays locked until it commits.
    """
    from casework.models import OutboxMessage

    limit = rate_per_hour()
    if limit <= 0:
        return None
    _lock_number(number)
    recent = list(OutboxMessage.objects.filter(
        channel=OutboxMessage.Channel.SMS, recipient=number, sent_at__gt=now - RATE_WINDOW,
    ).order_by("-sent_at").values_list("sent_at", flat=True)[:limit])
    if len(recent) < limit:
        return None
    return recent[-1] + RATE_WINDOW + timedelta(seconds=1)
