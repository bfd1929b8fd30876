"""The API's login: ``POST /api/v1/auth/token/`` with a username and password (and, for
accounts with two-factor authentication, the current ``otp`` code) answers the user's
token.

Guarded three ways: django-axes locks a (username, address) pair out after five failed
attempts (a wrong password or a wrong code) for 30 minutes (HTTP 429, in the user's
language); a throttle per address (30 requests a minute) and one per username (10 a
minute, from any number of addresses) bound guessing; and the roles that must use two
factors get no token without a code from their confirmed device.
"""

from __future__ import annotations

import hashlib

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_login_failed
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from ..auth import client_ip, issue_token, lockout_response
from ..twofactor import OTP_INVALID, token_second_factor


class TokenAddressThrottle(SimpleRateThrottle):
    """Every request to the endpoint, per client address (``casework.auth.client_ip``),
    logged in or not."""

    scope = "token_address"
    rate = "30/min"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope,
                                    "ident": client_ip(request._request) or "unknown"}


class TokenUsernameThrottle(SimpleRateThrottle):
    """Every request naming a username, whatever its address (a distributed guess)."""

    scope = "token_username"
    rate = "10/min"

    def get_cache_key(self, request, view):
        # a body that cannot be read (ParseError: not JSON, nested too deep) is refused
        # here with its reason: read again by the view it would be an empty body
        try:
            username = request.data.get("username")
        except AttributeError:
            return None
        if not isinstance(username, str) or not username:
            return None
        ident = hashlib.sha256(username.casefold().encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(label=_("Username"), max_length=150)
    password = serializers.CharField(label=_("Password"), max_length=4096,
                                     trim_whitespace=False, style={"input_type": "password"})
    otp = serializers.CharField(
        label=_("One-time code"), max_length=12, required=False, allow_blank=True,
        help_text=_("The six-digit code of the user's authenticator app: required for "
                    "accounts with two-factor authentication (district approvers, auditors, "
                    "administrators, and staff who set it up)."))


TokenResponse = inline_serializer("TokenResponse", {"token": serializers.CharField()})


def _refuse(field: str, message, code: str):
    raise serializers.ValidationError({field: [message]}, code=code)


class TokenView(APIView):
    """POST {"username", "password"[, "otp"]} -> {"token"}."""

    authentication_classes = []  # credentials travel in the body, never a session's
    permission_classes = []
    throttle_classes = [TokenAddressThrottle, TokenUsernameThrottle]

    @extend_schema(request=TokenRequestSerializer, responses={
        200: TokenResponse,
        400: OpenApiResponse(description="Wrong credentials, or a missing or wrong code"),
        429: OpenApiResponse(description="Locked out after repeated failures, or throttled"),
    })
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        username = data.validated_data["username"]
        http_request = request._request  # django-axes marks the Django request
        user = authenticate(request=http_request, username=username,
                            password=data.validated_data["password"])
        if user is None:
            if getattr(http_request, "axes_locked_out", False):
                return lockout_response(http_request)
            _refuse("non_field_errors", _("Unable to log in with provided credentials."),
                    "authorization")
        refused = token_second_factor(user, data.validated_data.get("otp", ""))
        if refused is not None:
            code, message = refused
            if refused is OTP_INVALID:  # a wrong code counts as a failed login (django-axes)
                user_login_failed.send(sender=__name__, request=http_request,
                                       credentials={"username": username})
                if getattr(http_request, "axes_locked_out", False):
                    return lockout_response(http_request)
            _refuse("otp", message, code)
        return Response({"token": issue_token(user)})
