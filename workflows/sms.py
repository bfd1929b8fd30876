"""SMS gateways. The development backend logs; production plugs in a provider."""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("workflows.sms")


class SmsBackend:
    def send(self, *, to: str, text: str, message_id: int) -> None:  # pragma: no cover
        raise NotImplementedError


class LoggingSmsBackend(SmsBackend):
    """Writes the message to the log instead of a gateway (development)."""

    def send(self, *, to: str, text: str, message_id: int) -> None:
        logger.info("SMS #%s to %s: %s", message_id, to, text)


class MemorySmsBackend(SmsBackend):
    """Keeps messages in a list (tests look at what was sent)."""

    outbox: list[dict] = []

    def send(self, *, to: str, text: str, message_id: int) -> None:
        self.outbox.append({"to": to, "text": text, "message_id": message_id})


def get_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()
