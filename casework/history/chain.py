"""The tamper-evident case history: hash chains per case and signed Merkle checkpoints.

Pure functions over plain values; ``casework.history.audit`` links each new event to its
case's chain, ``casework.history.verification`` walks the chains in the database.

- Each event's hash is SHA-256 over the RFC 8785 canonical JSON of its fields and
  the previous event's hash, so changing, removing, reordering or inserting any event
  breaks the link to every later one.
- Each transaction signs the new head of every chain it appended to: the last event
  it wrote for a case carries ``seal``, an Ed25519 signature over that event's leaf
  (case, seq, hash). The head is sealed the moment it is written, so whoever rewrites
  a chain and recomputes every later hash, without the key, leaves a head whose seal no
  longer verifies.
- A checkpoint seals the heads of all chains (case, seq, hash) into a Merkle tree
  built as RFC 6962 (Certificate Transparency) builds it, and signs the root with the
  same key. It vouches for heads written before events were sealed, and for a case's
  newest state against a wholesale roll-back (see ``verify_sealed_chain``).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from json.encoder import encode_basestring as _str
from typing import Any, NamedTuple

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

GENESIS = ""  # the "previous hash" of a chain's first event


def timestamp(at: datetime) -> str:
    """An event time as the chain hashes it: UTC, microseconds, always the same text."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_MAX_SAFE = 2**53 - 1


def _int(value: int | None) -> str:
    if value is None:
        return "null"
    if not -_MAX_SAFE <= value <= _MAX_SAFE:
        raise ValueError(f"integer {value} is out of the range RFC 8785 can represent")
    return str(value)


def canonical(*, case_id: int | None, seq: int, at: datetime, actor_id: int | None,
              action: str, from_status: str, to_status: str, detail: dict[str, Any],
              prev_hash: str) -> bytes:
    """The bytes an event's hash covers: the RFC 8785 JSON of the event's fields.

    The outer object's keys are fixed, so their RFC 8785 order is too (``action, actor,
    at, case, detail, from, prev, seq, to``); it is written directly, with the strings
    escaped by the standard library's C encoder (which escapes exactly what RFC 8785
    does), and only ``detail`` goes through ``rfc8785``. Three times faster than
    serialising the whole object, byte for byte the same (tested).
    """
    return (
        f'{{"action":{_str(action)},"actor":{_int(actor_id)},"at":"{timestamp(at)}",'
        f'"case":{_int(case_id)},"detail":{rfc8785.dumps(detail).decode()},'
        f'"from":{_str(from_status)},"prev":{_str(prev_hash)},"seq":{_int(seq)},'
        f'"to":{_str(to_status)}}}'
    ).encode()


def event_hash(**fields: Any) -> str:
    return hashlib.sha256(canonical(**fields)).hexdigest()


# --- RFC 6962 Merkle tree ------------------------------------------------------------
def leaf_bytes(case_id: int, seq: int, head: str) -> bytes:
    return rfc8785.dumps([case_id, seq, head])


def _leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def _node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def merkle_root(leaves: Sequence[bytes]) -> str:
    """MTH of RFC 6962 section 2.1 over ``leaves`` (hex); the empty tree hashes b""."""
    if not leaves:
        return hashlib.sha256(b"").hexdigest()
    level = [_leaf_hash(leaf) for leaf in leaves]
    # RFC 6962 splits at the largest power of two below n; folding pairs level by level
    # and carrying an odd last node up unchanged gives the same root
    while len(level) > 1:
        nxt = [_node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0].hex()


# --- signatures --------------------------------------------------------------------
def load_private_key(seed_b64: str) -> Ed25519PrivateKey:
    """The signing key from its base64 32-byte seed (``AUDIT_SIGNING_KEY``)."""
    seed = base64.b64decode(seed_b64)
    if len(seed) != 32:
        raise ValueError("AUDIT_SIGNING_KEY must be 32 bytes, base64-encoded")
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key_b64(key: Ed25519PrivateKey) -> str:
    from cryptography.hazmat.primitives import serialization

    raw = key.public_key().public_bytes(serialization.Encoding.Raw,
                                        serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def checkpoint_message(root: str, size: int, sealed_at: datetime) -> bytes:
    return rfc8785.dumps({"root": root, "size": size, "sealed_at": timestamp(sealed_at)})


def sign(key: Ed25519PrivateKey, message: bytes) -> str:
    return base64.b64encode(key.sign(message)).decode()


def seal_message(case_id: int | None, seq: int, digest: str) -> bytes:
    """What a head's seal signs: its leaf, as a checkpoint of that one chain would hold
    it. A JSON array, so never the bytes of a checkpoint's message (a JSON object)."""
    return leaf_bytes(case_id, seq, digest)


def seal(key: Ed25519PrivateKey, case_id: int | None, seq: int, digest: str) -> str:
    """The base64 Ed25519 signature sealing the head ``(case_id, seq, digest)``."""
    return sign(key, seal_message(case_id, seq, digest))


def signature_valid(public_b64: str, message: bytes, signature_b64: str) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(base64.b64decode(public_b64)).verify(
            base64.b64decode(signature_b64), message)
    except (InvalidSignature, ValueError):
        return False
    return True


# --- verifying one chain -------------------------------------------------------------
class Break(NamedTuple):
    """Where a chain stops being trustworthy, and why."""

    seq: int  # the sequence number expected at the break
    reason: str


class Event(NamedTuple):
    """An event as stored: its fields, the previous hash and its own hash."""

    case_id: int | None
    seq: int
    at: datetime
    actor_id: int | None
    action: str
    from_status: str
    to_status: str
    detail: dict[str, Any]
    prev_hash: str
    hash: str
    seal: str = ""  # set on the last event a transaction wrote for the case

    def computed_hash(self) -> str:
        return event_hash(case_id=self.case_id, seq=self.seq, at=self.at,
                          actor_id=self.actor_id, action=self.action,
                          from_status=self.from_status, to_status=self.to_status,
                          detail=self.detail, prev_hash=self.prev_hash)


class Verified(NamedTuple):
    """What walking one chain found."""

    events: int  # events checked before the first break (all of them if none)
    broken: Break | None
    head_sealed_by: str  # "signature", "checkpoint", or "" (no events, or not checked)
    last: Event | None  # the newest event, as stored


def verify_chain(events: Iterable[Event], *, sealed: dict[int, str] | None = None,
                 head: tuple[int, str] | None = None,
                 public_key: str | None = None) -> tuple[int, Break | None]:
    """``verify_sealed_chain`` as (events checked, first break)."""
    found = verify_sealed_chain(events, sealed=sealed, head=head, public_key=public_key)
    return found.events, found.broken


def verify_sealed_chain(events: Iterable[Event], *, sealed: dict[int, str] | None = None,
                        head: tuple[int, str] | None = None,
                        public_key: str | None = None) -> Verified:
    """Walk one case's events in stored order: how many hold, the first break, and what
    vouches for the head.

    Detects an edited event (its hash no longer matches its content), a deleted,
    reordered or inserted one (sequence numbers not 1, 2, 3... or a broken link to the
    previous hash), a rewritten-and-rehashed history (``public_key``: the head's seal
    must verify; ``sealed``: seq -> hash from signed checkpoints) and a cut-off tail
    (``head``: the last (seq, hash) the case row or a checkpoint knows of).

    With ``public_key``, the newest event must carry a seal that verifies, or (an event
    written before heads were sealed) be the head the newest checkpoint sealed. Its
    hash covers every earlier event through the links, so one signature check per chain
    suffices; when it fails, the earlier seals (one per transaction) say which
    transaction the rewrite began in.
    """
    sealed = sealed or {}
    prev, count, last = GENESIS, 0, None
    signed: list[Event] = []  # the sealed events, for locating a rewrite
    for count, event in enumerate(events, start=1):
        if event.seq != count:
            return Verified(count - 1, Break(count, f"sequence number {event.seq} where "
                                                    f"{count} was expected (an event "
                                                    "removed, moved or added)"), "", last)
        if event.prev_hash != prev:
            return Verified(count - 1, Break(count, "link to the previous event broken"),
                            "", last)
        if event.computed_hash() != event.hash:
            return Verified(count - 1, Break(count, "content does not match its hash "
                                                    "(edited)"), "", last)
        if count in sealed and sealed[count] != event.hash:
            return Verified(count - 1, Break(count, "differs from the signed checkpoint"),
                            "", last)
        if event.seal and public_key is not None:
            signed.append(event)
        prev, last = event.hash, event
    if head is not None and (head[0] > count or (head[0] == count and head[1] != prev)):
        return Verified(count, Break(count + 1 if head[0] > count else count,
                                     f"history ends at {count} but {head[0]} events were "
                                     "recorded"), "", last)
    last_sealed = max(sealed, default=0)
    if last_sealed > count:
        return Verified(count, Break(count + 1, f"history ends at {count} but a signed "
                                                f"checkpoint sealed {last_sealed} events"),
                        "", last)
    if public_key is None or last is None:
        return Verified(count, None, "", last)
    if last.seal:
        if _seal_valid(public_key, last):
            return Verified(count, None, "signature", last)
        good = 0  # the newest event a seal still vouches for
        for event in signed:
            if not _seal_valid(public_key, event):
                return Verified(good, Break(good + 1, f"the seal of event {event.seq} does "
                                                      f"not verify: events {good + 1} to "
                                                      f"{event.seq} were changed and rehashed "
                                                      "without the signing key"), "", last)
            good = event.seq
        raise AssertionError("unreachable: the newest event's own seal failed")
    if sealed.get(last.seq) == last.hash:
        return Verified(count, None, "checkpoint", last)
    return Verified(count, Break(count, "the newest event is neither sealed nor covered by a "
                                        "signed checkpoint"), "", last)


def _seal_valid(public_b64: str, event: Event) -> bool:
    return signature_valid(public_b64, seal_message(event.case_id, event.seq, event.hash),
                           event.seal)
