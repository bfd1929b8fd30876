"""Login hardening shared by the pages and the API: who the client is (its address, as
the load balancer saw it) and what a locked-out client is told.

django-axes counts failed logins per username *and* address (``AXES_LOCKOUT_PARAMETERS``
in ``config/settings.py``): after ``AXES_FAILURE_LIMIT`` failures that pair is refused
for ``AXES_COOLOFF_TIME``. Another address, or another username from the same address,
is not affected, so nobody can lock a colleague out from elsewhere. The token endpoint's
throttles (``casework.api.auth``) add per-address and per-username rate limits.
"""

from __future__ import annotations

import ipaddress
import math

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.backends import ModelBackend
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext, ngettext

from .compiled_queries import CompiledQuery

API_PREFIX = "/api/"


def _valid_ip(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: ``REMOTE_ADDR``, or behind ``NUM_PROXIES`` trusted proxies
    the address the outermost of them appended to ``X-Forwarded-For`` (the entries
    before it are whatever the client sent, and are ignored). The same rule as DRF's
    throttles with ``NUM_PROXIES``; an unparseable value falls back to ``REMOTE_ADDR``."""
    meta = getattr(request, "META", None) or {}
    remote = _valid_ip(meta.get("REMOTE_ADDR"))
    proxies = getattr(settings, "NUM_PROXIES", 0) or 0
    if proxies > 0:
        forwarded = [a for a in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if forwarded:
            return _valid_ip(forwarded[-min(proxies, len(forwarded))]) or remote
    return remote


def cool_off_seconds() -> int:
    cool_off = settings.AXES_COOLOFF_TIME
    return int(cool_off.total_seconds()) if cool_off else 0


def lockout_message() -> str:
    minutes = math.ceil(cool_off_seconds() / 60)
    return ngettext(
        "Too many failed login attempts. For your security, logging in with this account "
        "from this device is blocked for %(minutes)d minute. Please try again later.",
        "Too many failed login attempts. For your security, logging in with this account "
        "from this device is blocked for %(minutes)d minutes. Please try again later.",
        minutes) % {"minutes": minutes}


def lockout_response(request: HttpRequest, original_response=None,
                     credentials=None) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: HTTP 429 in the user's language (LocaleMiddleware has
    chosen it), JSON for the API, the login page's frame for the pages."""
    status = settings.AXES_HTTP_RESPONSE_CODE
    message = lockout_message()
    if request.path_info.startswith(API_PREFIX):
        response = JsonResponse({"detail": message, "code": "locked_out"}, status=status)
    else:
        response = render(request, "registration/locked_out.html",
                          {"message": message, "title": gettext("Login blocked")},
                          status=status)
    if cool_off_seconds():
        response["Retry-After"] = str(cool_off_seconds())
    return response


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' check, first of ``AUTHENTICATION_BACKENDS``: refuses a locked-out
    (username, address) pair. A call without a request (a management command, a shell)
    comes from no address and is not checked; every login over HTTP passes its request
    (Django's login forms, the admin's, ``casework.api.auth``)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class CaseworkBackend(ModelBackend):
    """Django's ModelBackend; the user it loads for a session also carries
    ``otp_enrolled`` (has a confirmed TOTP device), read in the same statement, so
    ``casework.twofactor.TwoFactorMiddleware`` costs no query of its own."""

    def get_user(self, user_id):
        try:
            user = _SESSION_USER.first(user_id=user_id)
        except (TypeError, ValueError):  # a session key that is no id
            return None
        return user if user is not None and self.user_can_authenticate(user) else None


def _session_user(*, user_id: int):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return get_user_model()._default_manager.annotate(otp_enrolled=Exists(
        TOTPDevice.objects.filter(user_id=OuterRef("pk"), confirmed=True))).filter(pk=user_id)


#: the session's user, compiled once a process: every staff page reads it
_SESSION_USER = CompiledQuery(_session_user, values={"user_id": int})


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, with its message (Django 5.2's msgid) translated in this project's
    catalogue: Django's own zh_Hans catalogue still has the message's previous msgid."""

    def get_error_message(self):
        return ngettext(
            "This password is too short. It must contain at least %d character.",
            "This password is too short. It must contain at least %d characters.",
            self.min_length,
        ) % self.min_length


def issue_token(user) -> str:
    """The API token of ``user`` (password and second factor checked by the caller): the
    existing one, or a new one."""
    from rest_framework.authtoken.models import Token  # an app model: read once apps are ready

    token, _created = Token.objects.get_or_create(user=user)
    return token.key
