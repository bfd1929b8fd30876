"""Checking the case histories in the database: chains, heads and signed checkpoints.

``verify_case`` answers for one case (the API's ``/cases/{id}/verify/``);
``verify_all`` streams every event once in (case, seq) order, in chunks, with
constant memory (``manage.py verify_audit``); ``seal_checkpoint`` signs the heads
of all chains (a beat task, hourly).
"""

from __future__ import annotations

import base64
import hashlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import groupby

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import chain
from .models import AuditCheckpoint, AuditEvent, Case

logger = logging.getLogger(__name__)

EVENT_COLUMNS = ("case_id", "seq", "at", "actor_id", "action", "from_status", "to_status",
                 "detail", "prev_hash", "hash")


def signing_key():
    """The checkpoint key: ``AUDIT_SIGNING_KEY`` (base64 Ed25519 seed). Without one (a
    development machine) a key derived from ``SECRET_KEY``; production refuses that."""
    seed = settings.AUDIT_SIGNING_KEY or base64.b64encode(
        hashlib.sha256(b"audit-checkpoint:" + settings.SECRET_KEY.encode()).digest()).decode()
    return chain.load_private_key(seed)


@dataclass
class CaseReport:
    case_id: int
    events: int = 0
    broken: chain.Break | None = None
    checkpoint: AuditCheckpoint | None = None

    @property
    def intact(self) -> bool:
        return self.broken is None

    def as_dict(self) -> dict:
        return {
            "case": self.case_id, "intact": self.intact, "events": self.events,
            "first_broken": None if self.intact else {"seq": self.broken.seq,
                                                     "reason": self.broken.reason},
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
    public_key = public_key or chain.public_key_b64(signing_key())
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
    key = (*newest, chain.public_key_b64(signing_key()))
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


def verify_case(case: Case, sealed: dict[int, str] | None = None) -> CaseReport:
    """One case's history against its own links, its case row's head and the checkpoints."""
    if sealed is None:
        sealed = latest_sealed(case.pk)
    count, broken = chain.verify_chain(_events(AuditEvent.objects.filter(case_id=case.pk)),
                                       sealed=sealed, head=(case.version, case.audit_head))
    latest = (AuditCheckpoint.objects.filter(sealed_at__gte=case.submitted_at)
              .only("pk", "sealed_at", "root").first() if case.submitted_at else None)
    return CaseReport(case.pk, count, broken, latest)


def verify_all(progress=None) -> AuditReport:
    """Every case's history, streamed once in (case, seq) order; memory stays flat."""
    sealed, bad, count = sealed_heads()
    report = AuditReport(checkpoints=count, bad_checkpoints=bad)
    heads = Case.objects.order_by("pk").values_list("pk", "version", "audit_head").iterator(
        chunk_size=5000)
    head_iter = iter(heads)
    pending = next(head_iter, None)
    events = _events(AuditEvent.objects.filter(case__isnull=False))

    def skip_cases_before(case_id: float) -> None:
        """Cases with no events at all: neither their row nor a checkpoint may claim any."""
        nonlocal pending
        while pending is not None and pending[0] < case_id:
            if pending[1] or sealed.pop(pending[0], None):
                report.broken.append(CaseReport(pending[0], 0, chain.Break(
                    1, "history is empty but events were recorded")))
            pending = next(head_iter, None)

    for case_id, group in groupby(events, key=lambda e: e.case_id):
        skip_cases_before(case_id)
        head = None
        if pending is not None and pending[0] == case_id:
            head = (pending[1], pending[2])
            pending = next(head_iter, None)
        checked, broken = chain.verify_chain(group, sealed=sealed.pop(case_id, None), head=head)
        report.cases += 1
        report.events += checked
        if broken is not None:
            report.broken.append(CaseReport(case_id, checked, broken))
        if progress:
            progress(checked)
    skip_cases_before(float("inf"))
    for case_id in sorted(sealed):  # sealed, yet neither the case nor its events are left
        report.broken.append(CaseReport(case_id, 0, chain.Break(
            1, "case and history removed after a checkpoint sealed them")))
    return report
