"""Notifications leave through the outbox.

A step writes outbox rows in its own transaction; after commit the relay is
kicked, and the beat sweep catches anything a lost kick left behind.
"""

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
    payload = {"case": case.pk, "step": step, "program": case.program_id}
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


def kick_relay() -> None:
    """Ask a worker to relay pending messages; if the broker is down, beat sweeps later."""
    from .tasks import relay_outbox

    try:
        relay_outbox.apply_async(retry=False)
    except Exception:  # broker down: the rows wait in the database, nothing is lost
        import logging

        logging.getLogger(__name__).warning("outbox relay kick failed; beat will sweep",
                                            exc_info=True)
