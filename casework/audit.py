"""The case history: append an event in the caller's transaction."""

from typing import Any

from django.db import transaction
from django.utils import timezone

from .models import AuditEvent, Case, User


def record_event(case: Case, *, actor: User | None, action: str, from_status: str = "",
                 to_status: str = "", detail: dict[str, Any] | None = None) -> AuditEvent:
    """Append one event to ``case``'s history and bump ``case.version``.

    Must run inside the transaction of the change it records; the caller saves
    the case (its ``version`` is the sequence counter) in that transaction, and
    holds the case's flow lock, so appends to one case are serialised.
    """
    assert transaction.get_connection().in_atomic_block, "audit outside a transaction"
    case.version += 1
    return AuditEvent.objects.create(
        case=case, seq=case.version, actor=actor, action=action, from_status=from_status,
        to_status=to_status, detail=detail or {}, at=timezone.now(),
    )


def transition(case: Case, *, to_status: str, actor: User | None, action: str,
               detail: dict[str, Any] | None = None, extra_fields: tuple[str, ...] = ()
               ) -> AuditEvent:
    """Move ``case`` to ``to_status``, record why, and save the changed columns."""
    from_status = case.status
    case.status = to_status
    event = record_event(case, actor=actor, action=action, from_status=from_status,
                         to_status=to_status, detail=detail)
    case.save(update_fields=["status", "version", *extra_fields])
    return event
