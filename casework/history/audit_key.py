"""The audit signing key: it seals each transaction's heads and signs the checkpoints.

``AUDIT_SIGNING_KEY`` (base64 Ed25519 seed). Without one (a development machine) a key
derived from ``SECRET_KEY``; production refuses that (``config.production``). Loaded
once per process and seed: every transaction that appends to a history signs with it,
so re-deriving it each time would be wasted work on the hot path.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings

from . import chain

_loaded: dict[str, tuple[Ed25519PrivateKey, str]] = {}


def _seed() -> str:
    return settings.AUDIT_SIGNING_KEY or base64.b64encode(
        hashlib.sha256(b"audit-checkpoint:" + settings.SECRET_KEY.encode()).digest()).decode()


def _load() -> tuple[Ed25519PrivateKey, str]:
    seed = _seed()
    found = _loaded.get(seed)
    if found is None:  # a new seed (a test's settings): forget the old one
        key = chain.load_private_key(seed)
        _loaded.clear()
        found = _loaded[seed] = (key, chain.public_key_b64(key))
    return found


def signing_key() -> Ed25519PrivateKey:
    return _load()[0]


def public_key() -> str:
    """The configured key's public half (base64): what verification trusts, never a key
    stored beside what it signed."""
    return _load()[1]
