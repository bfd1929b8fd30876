"""Fixtures of the authentication suites: the token endpoint's throttles on a cache of
their own, and logging in through the real login page."""

import uuid

import pytest
from django.core.cache.backends.locmem import LocMemCache

PASSWORD = "pw-Test-12345"  # tests.factories.user's password
LOGIN = "/accounts/login/"
VERIFY = "/accounts/two-factor/"
ENROLL = "/accounts/two-factor/setup/"
TOKEN = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def _own_throttle_cache(monkeypatch):
    """The token endpoint's throttles count in a cache of the test's own: empty at the
    start, and untouched by tests running at the same time on a shared Redis."""
    from casework.api.auth import TokenAddressThrottle, TokenUsernameThrottle

    cache = LocMemCache(f"auth-tests-{uuid.uuid4()}", {})
    for throttle in (TokenAddressThrottle, TokenUsernameThrottle):
        monkeypatch.setattr(throttle, "cache", cache)


def password_login(client, user, *, password=PASSWORD, address="127.0.0.1", **extra):
    """POST the login form, as a browser would."""
    return client.post(LOGIN, {"username": user.username, "password": password},
                       REMOTE_ADDR=address, **extra)
