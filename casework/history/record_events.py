"""The history of the association's own records (``RecordEvent``): one line per change.

Cases keep their hash-chained history (``casework.history.audit``); the association's year
(campaigns, contact reports, projects, pairings, its organisation, the welfare-fund
ledger) changes records that belong to no case. Each service that changes one calls
``record`` inside its own transaction, so the change and its event commit together or
not at all.
"""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.utils import timezone

from ..models import RecordEvent, User


def subject_of(obj: models.Model) -> str:
    """``"app_label.model"`` of a record, the ``subject`` its events carry."""
    return f"{obj._meta.app_label}.{obj._meta.model_name}"


def record(*, actor: User | None, action: str, area_id: str, obj: models.Model | None = None,
           subject: str = "", subject_id: str | int = "",
           detail: dict[str, Any] | None = None) -> RecordEvent:
    """Append one event about ``obj`` (or ``subject``/``subject_id``) in ``area_id``.

    Must run inside the transaction of the change (asserted): an event without its
    change, or a change without its event, is what the audit trail exists to rule out.
    ``detail`` holds what changed, never full resident IDs or phone numbers.
    """
    assert transaction.get_connection().in_atomic_block, "record event outside a transaction"
    if obj is not None:
        subject = subject or subject_of(obj)
        subject_id = subject_id or obj.pk
    return RecordEvent.objects.create(
        at=timezone.now(), actor=actor if actor is not None and actor.pk else None,
        action=action, area_id=area_id, subject=subject, subject_id=str(subject_id),
        detail=detail or {})


def history(subject: str, subject_id: str | int):
    """One record's events, oldest first."""
    return (RecordEvent.objects.filter(subject=subject, subject_id=str(subject_id))
            .select_related("actor").order_by("id"))
