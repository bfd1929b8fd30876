"""Test helpers for two-factor authentication (production code never imports this).

The roles in ``settings.OTP_REQUIRED_ROLES`` reach no page before their second factor,
and the token endpoint wants their ``otp`` code. Tests that log such a user in with
``client.force_login`` or fetch a token by password use these helpers, which do what the
user would: give the account a confirmed TOTP device and enter its current code.

- ``give_device(user)``: a confirmed device (created once), attached as
  ``user.otp_device`` (django-otp then marks a ``login()`` with a request as verified).
- ``verify_session(client, device)``: the client's session is verified by the device,
  as after entering its code.
- ``otp_fields(user)``: ``{"otp": <current code>}`` for the token endpoint, ``{}`` for an
  account that needs none.
- ``verified_force_login(monkeypatch)``: from then on ``Client.force_login`` does the
  above for every user who needs the second factor. The suite's root conftest applies it
  to every test (an autouse fixture), so existing tests keep logging in as before.
"""

from __future__ import annotations

from django.test.client import ClientMixin
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from casework.twofactor import is_enrolled, may_enroll, requires_otp

# Django's own, kept before verified_force_login replaces it
plain_force_login = ClientMixin.force_login


def needs_second_factor(user) -> bool:
    return requires_otp(user) or (may_enroll(user) and is_enrolled(user))


def give_device(user) -> TOTPDevice:
    """The user's confirmed device (made if missing), set as ``user.otp_device``."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    user.otp_device = device
    return device


def code_for(device: TOTPDevice) -> str:
    """The device's code now, usable again: a device refuses a time step it has accepted
    before, so the device forgets its last one."""
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    device.last_t = -1
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits,
                 drift=device.drift)
    return f"{value:0{device.digits}d}"


def otp_fields(user) -> dict[str, str]:
    """What the token endpoint needs besides username and password."""
    if not needs_second_factor(user):
        return {}
    return {"otp": code_for(give_device(user))}


def verify_session(client, device: TOTPDevice) -> None:
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def verified_force_login(monkeypatch) -> None:
    """Make ``force_login`` sessions of second-factor users verified (see above)."""

    def force_login(self, user, backend=None):
        plain_force_login(self, user, backend)
        if needs_second_factor(user):
            verify_session(self, give_device(user))

    monkeypatch.setattr(ClientMixin, "force_login", force_login)
