"""The case history and the unit of work that writes it.

Every state change appends an audit event in the transaction that makes it.
Inside ``unit_of_work()`` (every service call opens one) the events, the
outbox rows and the case's changed columns are buffered and written once, just
before the transaction commits: one UPDATE of the case and the new rows of every table
in one statement (on PostgreSQL; one INSERT per table elsewhere), however many steps the
flow took. Outside a unit (e.g. a timer fired by
viewflow's dispatcher) each call writes at once.

The last event a unit writes for a case is its chain's new head: it is sealed
(signed, ``casework.history.chain.seal``) in Python before the INSERT that writes it, so
sealing adds no statement and no head is ever stored unsigned.
"""

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from ..models import AuditEvent, Case, OutboxMessage, User
from . import audit_key, chain
from .combined_insert import insert_together

_local = threading.local()


@dataclass
class _Unit:
    events: list[AuditEvent] = field(default_factory=list)
    outbox: list[OutboxMessage] = field(default_factory=list)
    dirty: dict[int, tuple[Case, set[str]]] = field(default_factory=dict)
    inserts: list = field(default_factory=list)
    unlinked: list[AuditEvent] = field(default_factory=list)  # of cases new in this unit


def _current() -> _Unit | None:
    stack = getattr(_local, "stack", None)
    return stack[-1] if stack else None


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Buffer this service call's writes; flush them when the block ends normally."""
    assert transaction.get_connection().in_atomic_block, "unit of work outside a transaction"
    stack = getattr(_local, "stack", None)
    if stack is None:
        stack = _local.stack = []
    unit = _Unit()
    stack.append(unit)
    try:
        yield
        _flush(unit)
    finally:
        stack.pop()


def _flush(unit: _Unit) -> None:
    created = []
    for case, fields in unit.dirty.values():
        if case.pk is None:
            case.save()  # a case created in this unit: one INSERT with its final state
            created.append(case)
        elif fields:
            case.save(update_fields=sorted(fields))
    if unit.unlinked:  # a new case's events are hashed once its id is known
        for event in unit.unlinked:
            _link(event, event.case)
        for case in created:
            Case.objects.filter(pk=case.pk).update(audit_head=case.audit_head)
    if unit.events:
        _seal_heads(unit.events)
    by_model: dict[type, list] = {}
    for obj in unit.inserts:
        by_model.setdefault(type(obj), []).append(obj)
    # the events, the messages and the other new rows: one statement on PostgreSQL
    insert_together([unit.events, unit.outbox, *by_model.values()])


def queue_insert(obj) -> None:
    """Insert ``obj`` now, or with the unit of work's other rows, after its case.

    For rows that point at a case created in the same unit (which is inserted only
    when the unit flushes).
    """
    unit = _current()
    if unit is None:
        obj.save(force_insert=True)
    else:
        unit.inserts.append(obj)


def save_case(case: Case, *fields: str) -> None:
    """Persist these columns of ``case`` now, or at the end of the unit of work."""
    unit = _current()
    if unit is None:
        case.save(update_fields=list(fields) or None)
        return
    _, dirty = unit.dirty.setdefault(id(case), (case, set()))
    dirty.update(fields)


def queue_outbox(rows: Iterable[OutboxMessage]) -> None:
    rows = list(rows)
    unit = _current()
    if unit is None:
        OutboxMessage.objects.bulk_create(rows)
    else:
        unit.outbox.extend(rows)


def record_event(case: Case, *, actor: User | None, action: str, from_status: str = "",
                 to_status: str = "", detail: dict[str, Any] | None = None) -> AuditEvent:
    """Append one event to ``case``'s history; ``case.version`` is its sequence counter.

    Runs inside the transaction of the change it records, under the case's lock
    (the process row), so appends to one case are serialised. The new version
    is saved with the case (now, or when the unit of work flushes).
    """
    assert transaction.get_connection().in_atomic_block, "audit outside a transaction"
    case.version += 1
    event = AuditEvent(case=case, seq=case.version, actor=actor, action=action,
                       from_status=from_status, to_status=to_status, detail=detail or {},
                       at=timezone.now())
    unit = _current()
    if unit is None:
        _link(event, case)
        _seal_heads([event])
        event.save()
        case.save(update_fields=["version", "audit_head"])
    else:
        if case.pk is None:
            unit.unlinked.append(event)
        else:
            _link(event, case)
        unit.events.append(event)
        save_case(case, "version", "audit_head")
    return event


def _link(event: AuditEvent, case: Case) -> None:
    """Link ``event`` to its case's chain: its hash covers its content and the previous
    event's hash; the case row keeps the new head. Appends to one case run under the
    case's lock (the process row), and ``(case, seq)`` is unique, so a chain never forks."""
    event.prev_hash = case.audit_head
    event.hash = chain.event_hash(
        case_id=case.pk, seq=event.seq, at=event.at, actor_id=event.actor_id,
        action=event.action, from_status=event.from_status, to_status=event.to_status,
        detail=event.detail, prev_hash=event.prev_hash)
    case.audit_head = event.hash


def _seal_heads(events: list[AuditEvent]) -> None:
    """Sign the newest of ``events`` for each case: the head its chain has once they are
    written. Its hash covers every earlier event, so rewriting any of them and rehashing
    needs the key; the events between two heads need no seal of their own."""
    heads: dict[int, AuditEvent] = {}
    for event in events:  # in the order recorded: the last one per case is its head
        heads[event.case.pk] = event
    key = audit_key.signing_key()
    for case_id, event in heads.items():
        event.seal = chain.seal(key, case_id, event.seq, event.hash)


def transition(case: Case, *, to_status: str, actor: User | None, action: str,
               detail: dict[str, Any] | None = None, extra_fields: tuple[str, ...] = ()
               ) -> AuditEvent:
    """Move ``case`` to ``to_status``, record why, and save the changed columns."""
    from_status = case.status
    case.status = to_status
    unit = _current()
    if unit is not None:
        save_case(case, "status", *extra_fields)
        return record_event(case, actor=actor, action=action, from_status=from_status,
                            to_status=to_status, detail=detail)
    case.version += 1
    event = AuditEvent(
        case=case, seq=case.version, actor=actor, action=action, from_status=from_status,
        to_status=to_status, detail=detail or {}, at=timezone.now())
    _link(event, case)
    _seal_heads([event])
    event.save()
    case.save(update_fields=["status", "version", "audit_head", *extra_fields])
    return event
