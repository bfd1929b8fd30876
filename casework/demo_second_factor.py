"""The demo's two-factor accounts, usable by a newcomer without an authenticator app.

District approvers, auditors and administrators must pass a second factor (TOTP) on the
web pages and at the API's token endpoint (``casework.twofactor``). In production each
enrols on first login by scanning a QR code. In the demo that stood between a newcomer
and half the roles: with no authenticator app at hand there was no way in.

So, in development only (never when ``DJANGO_ENV=production``), ``seed_demo`` gives each
such demo account a confirmed TOTP device whose key is derived from the demo's seed and
the user name (deterministic: the credentials file stays right across re-runs), and
writes its secret (base32) and ``otpauth://`` URI beside the password. The secret is
enough to log in: ``manage.py totp_code <secret>`` prints the current code, as any
authenticator app would (or scan the URI's QR code with one).

An account that has since enrolled a device of its own keeps it; its key is not written.
"""

from __future__ import annotations

import hashlib
import time
from base64 import b32decode, b32encode

from django.conf import settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import User
from .twofactor import DEVICE_NAME, requires_otp


def demo_key(seed: str, username: str) -> bytes:
    """The demo account's 20-byte TOTP key (RFC 4226's recommended length)."""
    return hashlib.sha256(f"{seed}/totp/{username}".encode()).digest()[:20]


def secret_of(key: bytes) -> str:
    """A key as authenticator apps take it typed in: base32, no padding."""
    return b32encode(key).decode("ascii").rstrip("=")


def code_for(secret: str, at: float | None = None) -> str:
    """The six-digit code an authenticator app shows for ``secret`` now (or at ``at``):
    TOTP with django-otp's defaults (SHA-1, 30-second steps, from the Unix epoch)."""
    cleaned = "".join(secret.split()).upper()
    key = b32decode(cleaned + "=" * (-len(cleaned) % 8))
    totp = TOTP(key, step=30, t0=0, digits=6)
    totp.time = at if at is not None else time.time()
    return f"{totp.token():06d}"


def ensure_demo_devices(seed: str, credentials: list[dict[str, str]]) -> list[str]:
    """Give every demo account that must use a second factor its demo device and add
    ``totp_secret`` and ``otpauth_uri`` to its credentials entry. Development only:
    in production nothing is done (enrolment on first login). Returns notes."""
    if settings.IS_PRODUCTION:
        return []
    users = User.objects.in_bulk([c["username"] for c in credentials], field_name="username")
    notes = []
    for entry in credentials:
        user = users[entry["username"]]
        if not requires_otp(user):
            continue
        key = demo_key(seed, user.username)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()
        if device is None:
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, key=key.hex(),
                                               confirmed=True)
        elif device.bin_key != key:
            notes.append(f"account {user.username}: enrolled its own authenticator; its key "
                         "is not in the credentials file")
            continue
        entry["totp_secret"] = secret_of(key)
        entry["otpauth_uri"] = device.config_url
    return notes
