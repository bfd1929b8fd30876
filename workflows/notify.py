"""Notifications leave through the outbox.

A step writes outbox rows in its own transaction; after commit the relay is
kicked, and the beat sweep catches anything a lost kick left behind.
"""

import time

from django.db import transaction
from django.utils import timezone

from casework.audit import queue_outbox
from casework.models import Case, OutboxMessage

# which steps tell the family (SMS to the applicant) and which tell staff (in-app)
FAMILY_TEMPLATES = {
    "submitted": "case_submitted",
    "family_revision": "case_returned",
    "public_notice": "case_public_notice",
    "approved": "case_approved",
    "rejected": "case_rejected",
    "withdrawn": "case_withdrawn",
}
STAFF_STEPS = {"village_review", "objection_review", "township_review", "district_review"}


def notify_step(case: Case, step: str) -> None:
    """Queue the messages that entering ``step`` (or reaching an outcome) sends."""
    now = timezone.now()
    rows = []
    payload = {"step": step, "program": case.program_id}  # the case is the row's FK
    if step in FAMILY_TEMPLATES:
        phone = case.applicant.phone
        if phone:
            rows.append(OutboxMessage(case=case, channel=OutboxMessage.Channel.SMS,
                                      recipient=phone, template=FAMILY_TEMPLATES[step],
                                      payload=payload, created_at=now))
        rows.append(OutboxMessage(case=case, channel=OutboxMessage.Channel.INAPP,
                                  recipient=f"household:{case.household_id}",
                                  template=FAMILY_TEMPLATES[step], payload=payload,
                                  created_at=now))
    if step in STAFF_STEPS:
        rows.append(OutboxMessage(case=case, channel=OutboxMessage.Channel.INAPP,
                                  recipient=f"{step}:{case.area_id}", template="task_waiting",
                                  payload=payload, created_at=now))
    if rows:
        queue_outbox(rows)
        connection = transaction.get_connection()
        if not any(func is kick_relay for _, func, _ in connection.run_on_commit):
            transaction.on_commit(kick_relay)  # once per transaction


_last_kick = 0.0
KICK_INTERVAL = 0.5  # seconds; a relay run takes everything pending, beat sweeps the rest


def kick_relay() -> None:
    """Ask a worker to relay pending messages; if the broker is down, beat sweeps later.

    Debounced per process: under a burst of commits one kick in half a second is
    enough, since the relay sends every pending row and the beat sweep catches a
    row committed just after a relay run read the table.
    """
    global _last_kick
    from .tasks import relay_outbox

    now = time.monotonic()
    if now - _last_kick < KICK_INTERVAL:
        return
    _last_kick = now
    try:
        relay_outbox.apply_async(retry=False)
    except Exception:  # broker down: the rows wait in the database, nothing is lost
        import logging

        logging.getLogger(__name__).warning("outbox relay kick failed; beat will sweep",
                                            exc_info=True)
