"""Checking the case histories in the database: chains, seals, checkpoints and rows.

``verify_case`` answers for one case (the API's ``/cases/{id}/verify/``);
``verify_all`` streams every case once in case order, its events in (case, seq) order
and its rows beside them, in chunks, with constant memory (``manage.py verify_audit``);
``seal_checkpoint`` signs the heads of all chains (a beat task, hourly).

A case's history is intact when its chain links, the newest event's seal verifies
(or, for a head written before seals, the newest signed checkpoint holds it), the
case row's head and every checkpoint agree, and the case's rows say what the history
says (``casework.history.reconciliation``). The window in which a rewrite goes unnoticed is
zero: each transaction seals the head it writes. What a seal cannot see is a case
rolled back whole to an earlier sealed state, its newest events and every row they
changed removed together; the next hourly checkpoint catches that (it holds the later
head), so that window is the checkpoint interval, and it needs the rights to switch
the append-only triggers off, which the application's role does not have
(docs/deploy.md).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from celery import shared_task
from django.db import connection, transaction
from django.utils import timezone

from ..models import AuditCheckpoint, AuditEvent, Case
from . import audit_key, chain
from .reconciliation import ByCase, Disagreement, load_rows, reconcile

logger = logging.getLogger(__name__)

EVENT_COLUMNS = ("case_id", "seq", "at", "actor_id", "action", "from_status", "to_status",
                 "detail", "prev_hash", "hash", "seal")

signing_key = audit_key.signing_key  # the checkpoint key (casework.history.audit_key)


@dataclass
class CaseReport:
    case_id: int
    events: int = 0
    broken: chain.Break | None = None
    checkpoint: AuditCheckpoint | None = None
    # the rows that contradict the (verified) history: compared only when it verified
    disagreements: list[Disagreement] = field(default_factory=list)
    # what vouches for the newest event: its own "signature", or a "checkpoint" (an
    # event written before seals existed); "" when there are no events or it failed
    head_sealed_by: str = ""

    @property
    def intact(self) -> bool:
        return self.broken is None and not self.disagreements

    def problems(self) -> list[str]:
        """One line per problem: the first break of the chain, then each disagreement."""
        lines = [] if self.broken is None else [
            f"broken at event {self.broken.seq}: {self.broken.reason}"]
        return lines + [str(d) for d in self.disagreements]

    def as_dict(self) -> dict:
        return {
            "case": self.case_id, "intact": self.intact, "events": self.events,
            "first_broken": None if self.broken is None else {"seq": self.broken.seq,
                                                              "reason": self.broken.reason},
            "head_sealed_by": self.head_sealed_by,
            "disagreements": [d.as_dict() for d in self.disagreements],
            "checkpoint": None if self.checkpoint is None else {
                "sealed_at": self.checkpoint.sealed_at.isoformat(),
                "root": self.checkpoint.root},
        }


@dataclass
class AuditReport:
    cases: int = 0
    events: int = 0
    checkpoints: int = 0
    broken: list[CaseReport] = field(default_factory=list)
    bad_checkpoints: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.broken and not self.bad_checkpoints


# --- checkpoints ---------------------------------------------------------------------
def checkpoint_valid(checkpoint: AuditCheckpoint, public_key: str) -> str | None:
    """Why ``checkpoint`` cannot be trusted, or None: its leaves must give its root and
    the root must carry a signature by ``public_key`` (the configured key, never the
    one stored beside it)."""
    leaves = [chain.leaf_bytes(*leaf) for leaf in checkpoint.leaves]
    if len(leaves) != checkpoint.size or chain.merkle_root(leaves) != checkpoint.root:
        return f"checkpoint {checkpoint.pk}: leaves do not give its Merkle root"
    message = chain.checkpoint_message(checkpoint.root, checkpoint.size, checkpoint.sealed_at)
    if not chain.signature_valid(public_key, message, checkpoint.signature):
        return f"checkpoint {checkpoint.pk}: signature does not verify"
    return None


def sealed_heads(public_key: str | None = None) -> tuple[dict[int, dict[int, str]], list[str],
                                                        int]:
    """The newest valid checkpoint's leaves as {case: {seq: hash}}; every checkpoint's
    validity is checked and the invalid ones reported.

    The newest valid checkpoint is enough to check a chain against: its head for a
    case covers every earlier event through the links.
    """
    public_key = public_key or audit_key.public_key()
    sealed: dict[int, dict[int, str]] = {}
    bad, count = [], 0
    for checkpoint in AuditCheckpoint.objects.order_by("-sealed_at", "-pk").iterator(
            chunk_size=10):
        count += 1
        problem = checkpoint_valid(checkpoint, public_key)
        if problem:
            bad.append(problem)
        elif not sealed and checkpoint.leaves:
            sealed = {case_id: {seq: head} for case_id, seq, head in checkpoint.leaves}
    return sealed, bad, count


_latest_cache: dict[str, tuple[tuple, dict[int, tuple[int, str]]]] = {}


def latest_sealed(case_id: int) -> dict[int, str]:
    """``{seq: hash}`` the newest checkpoint sealed for ``case_id`` (empty if none, or if
    that checkpoint does not verify). The checkpoint is checked once per process."""
    newest = (AuditCheckpoint.objects.order_by("-sealed_at", "-pk")
              .values_list("pk", "root", "signature").first())
    if newest is None:
        return {}
    key = (*newest, audit_key.public_key())
    cached = _latest_cache.get("latest")
    if cached is None or cached[0] != key:
        checkpoint = AuditCheckpoint.objects.get(pk=newest[0])
        valid = checkpoint_valid(checkpoint, key[-1]) is None
        leaves = ({c: (seq, head) for c, seq, head in checkpoint.leaves} if valid else {})
        cached = _latest_cache["latest"] = (key, leaves)
    leaf = cached[1].get(case_id)
    return {leaf[0]: leaf[1]} if leaf else {}


def seal_checkpoint() -> AuditCheckpoint:
    """Sign the current head of every case's chain into one Merkle root."""
    key = signing_key()
    with transaction.atomic():
        leaves = [[pk, version, head] for pk, version, head in
                  Case.objects.filter(version__gt=0).order_by("pk")
                  .values_list("pk", "version", "audit_head").iterator(chunk_size=5000)]
        root = chain.merkle_root([chain.leaf_bytes(*leaf) for leaf in leaves])
        sealed_at = timezone.now().replace(microsecond=0)
        return AuditCheckpoint.objects.create(
            sealed_at=sealed_at, size=len(leaves), root=root, leaves=leaves,
            public_key=chain.public_key_b64(key),
            signature=chain.sign(key, chain.checkpoint_message(root, len(leaves), sealed_at)))


@shared_task(name="casework.seal_audit_checkpoint", acks_late=True, ignore_result=True)
def seal_audit_checkpoint() -> int:
    """Beat runs this hourly; the checkpoint is append-only like the events."""
    return seal_checkpoint().size


# --- chains --------------------------------------------------------------------------
def _events(queryset) -> Iterator[chain.Event]:
    for row in queryset.order_by("case_id", "seq", "id").values_list(*EVENT_COLUMNS).iterator(
            chunk_size=5000):
        yield chain.Event(*row)


def _check(report: CaseReport, rows, events: list[chain.Event], sealed: dict[int, str] | None,
           public_key: str) -> None:
    """The chain of ``events`` against its seals, ``sealed`` and the case row's head; if
    it verifies, the rows against it."""
    head = None if rows is None else (rows.version, rows.audit_head)
    verified = chain.verify_sealed_chain(events, sealed=sealed, head=head,
                                         public_key=public_key)
    report.events, report.broken = verified.events, verified.broken
    report.head_sealed_by = verified.head_sealed_by
    if verified.broken is None and rows is not None:
        report.disagreements = reconcile(rows, events)


@contextmanager
def _snapshot() -> Iterator[None]:
    """One consistent view of the history, the checkpoints and the rows, read by several
    statements: a decision committed between two of them would otherwise read as a row
    without its event, or the reverse. PostgreSQL: a REPEATABLE READ, READ ONLY
    transaction (its server-side cursors then need no WITH HOLD); SQLite's transaction
    is a snapshot already. Inside a caller's transaction, that one is used."""
    if connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def verify_case(case: Case, sealed: dict[int, str] | None = None) -> CaseReport:
    """One case's history against its own links and seals, its case row, the newest
    checkpoint and the rows it describes."""
    with _snapshot():
        return _verify_case(case, sealed)


def _verify_case(case: Case, sealed: dict[int, str] | None) -> CaseReport:
    if sealed is None:
        sealed = latest_sealed(case.pk)
    rows = next(load_rows(case.pk), None)
    report = CaseReport(case.pk)
    _check(report, rows, list(_events(AuditEvent.objects.filter(case_id=case.pk))), sealed,
           audit_key.public_key())
    report.checkpoint = (AuditCheckpoint.objects.filter(sealed_at__gte=case.submitted_at)
                         .only("pk", "sealed_at", "root").first() if case.submitted_at
                         else None)
    return report


def verify_all(progress=None) -> AuditReport:
    """Every case's history and rows, streamed once in case order from one snapshot;
    memory stays flat."""
    with _snapshot():
        return _verify_all(progress)


def _verify_all(progress) -> AuditReport:
    sealed, bad, count = sealed_heads()
    public_key = audit_key.public_key()
    report = AuditReport(checkpoints=count, bad_checkpoints=bad)
    events = ByCase((e.case_id, e) for e in _events(
        AuditEvent.objects.filter(case__isnull=False)))
    for rows in load_rows():
        history = [e for (e,) in events.take(rows.case_id)]
        case = CaseReport(rows.case_id)
        _check(case, rows, history, sealed.pop(rows.case_id, None), public_key)
        if history:
            report.cases += 1
            report.events += case.events
        if not case.intact:
            report.broken.append(case)
        if progress and history:
            progress(len(history))
    events.take(float("inf"))
    for case_id in events.passed:  # events whose case row is gone
        sealed.pop(case_id, None)
        report.broken.append(CaseReport(case_id, 0, chain.Break(
            1, "history of a case whose row was removed")))
    for case_id in sorted(sealed):  # sealed, yet neither the case nor its events are left
        report.broken.append(CaseReport(case_id, 0, chain.Break(
            1, "case and history removed after a checkpoint sealed them")))
    return report
