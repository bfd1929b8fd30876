"""The API token and the session's user are read by compiled statements; what they let in
and what they refuse is what DRF's and Django's own checks do."""

import pytest
from django.contrib.auth import get_user
from django.test import RequestFactory
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.test import APIClient

from casework.auth import CaseworkBackend
from tests import factories as f


def _get(key: str):
    return APIClient().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")


def _drf_refusal(key: str) -> str:
    with pytest.raises(AuthenticationFailed) as refused:
        TokenAuthentication().authenticate_credentials(key)
    return str(refused.value.detail)


def test_a_token_lets_its_user_in(staff):
    key = Token.objects.create(user=staff["village"]).key
    response = _get(key)
    assert response.status_code == 200
    assert response.json()["username"] == staff["village"].username


def test_an_unknown_token_and_an_inactive_users_are_refused_as_drf_refuses_them(staff):
    unknown = _get("0" * 40)
    assert unknown.status_code == 401 and unknown["WWW-Authenticate"] == "Token"
    assert unknown.json()["detail"] == _drf_refusal("0" * 40)
    user = staff["township"]
    key = Token.objects.create(user=user).key
    user.is_active = False
    user.save(update_fields=["is_active"])
    inactive = _get(key)
    assert inactive.status_code == 401
    assert inactive.json()["detail"] == _drf_refusal(key)


def test_the_sessions_user_carries_its_second_factor_flag(staff, areas):
    backend = CaseworkBackend()
    user = backend.get_user(staff["village"].pk)
    assert user == staff["village"] and user.otp_enrolled is False
    assert backend.get_user(0) is None and backend.get_user("not an id") is None
    gone = f.user("village_reviewer", areas["v11"])
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    assert backend.get_user(gone.pk) is None
    request = RequestFactory().get("/")
    request.session = {}
    assert not get_user(request).is_authenticated


def test_a_session_is_read_while_it_lives_and_never_after(staff):
    from datetime import timedelta

    from django.conf import settings
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from casework.sessions import SessionStore

    assert settings.SESSION_ENGINE == "casework.sessions"
    store = SessionStore()
    store["probe"] = "kept"
    store.save()
    key = store.session_key
    assert SessionStore(key)["probe"] == "kept"
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - timedelta(seconds=1))
    expired = SessionStore(key)
    assert "probe" not in expired and expired.session_key is None
    assert "probe" not in SessionStore("x" * 32)
