"""django-axes: five failed logins lock out the (username, address) pair for 30 minutes,
on the login page and on the API's token endpoint alike; never the username from other
addresses, nor other usernames from the address."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from casework.auth import client_ip
from tests import factories as f

from .conftest import LOGIN, PASSWORD, TOKEN, password_login

pytestmark = pytest.mark.django_db

ATTACKER = "10.0.0.66"
OFFICE = "10.0.0.7"


@pytest.fixture
def user(areas):
    return f.user("village_reviewer", areas["v11"])


def fail_login(client, user, times, address=ATTACKER, **extra):
    return [password_login(client, user, password="wrong-password", address=address, **extra)
            for _ in range(times)]


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_the_fifth_failure_locks_the_username_out_from_that_address(client, user):
    responses = fail_login(client, user, 5)
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 429]
    # even the right password is refused now, from that address
    response = password_login(client, user, address=ATTACKER)
    assert response.status_code == 429
    assert not logged_in(client)
    assert int(response["Retry-After"]) == 30 * 60
    # the same user from another address, and another user from that address, log in
    other = f.user("village_reviewer", user.area)
    assert password_login(client, other, address=ATTACKER).status_code == 302
    client.logout()
    assert password_login(client, user, address=OFFICE).status_code == 302
    assert logged_in(client)


def test_four_failures_do_not_lock_out(client, user):
    fail_login(client, user, 4)
    assert password_login(client, user, address=ATTACKER).status_code == 302


def test_the_lockout_page_speaks_the_users_language(client, user):
    response = fail_login(client, user, 5)[-1]
    text = response.content.decode()
    assert response.status_code == 429
    assert "30 分钟" in text and '<html lang="zh-hans">' in text
    client.cookies["django_language"] = "en"
    text = password_login(client, user, address=ATTACKER).content.decode()
    assert "blocked for 30 minutes" in text and '<html lang="en">' in text


def test_the_token_endpoint_counts_and_locks_out_the_same_way(user):
    api = APIClient(REMOTE_ADDR=ATTACKER)
    wrong = {"username": user.username, "password": "wrong-password"}
    codes = [api.post(TOKEN, wrong, format="json").status_code for _ in range(5)]
    assert codes == [400, 400, 400, 400, 429]
    right = {"username": user.username, "password": PASSWORD}
    response = api.post(TOKEN, right, format="json")
    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"
    assert "token" not in response.json()
    assert "30" in response.json()["detail"]
    assert APIClient(REMOTE_ADDR=OFFICE).post(TOKEN, right, format="json").status_code == 200


def test_the_api_lockout_message_follows_accept_language(user):
    api = APIClient(REMOTE_ADDR=ATTACKER)
    wrong = {"username": user.username, "password": "wrong-password"}
    for _ in range(5):
        api.post(TOKEN, wrong, format="json")
    chinese = api.post(TOKEN, wrong, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    english = api.post(TOKEN, wrong, format="json", HTTP_ACCEPT_LANGUAGE="en").json()
    assert "30 分钟" in chinese["detail"]
    assert "blocked for 30 minutes" in english["detail"]


def test_failures_on_the_page_and_the_api_add_up(client, user):
    fail_login(client, user, 3)
    api = APIClient(REMOTE_ADDR=ATTACKER)
    wrong = {"username": user.username, "password": "wrong-password"}
    assert [api.post(TOKEN, wrong, format="json").status_code for _ in range(2)] == [400, 429]


def _age_attempts(minutes):
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=minutes))


def test_the_lockout_ends_after_the_cool_off(client, user):
    fail_login(client, user, 5)
    _age_attempts(29)
    assert password_login(client, user, address=ATTACKER).status_code == 429
    _age_attempts(31)
    assert password_login(client, user, address=ATTACKER).status_code == 302
    assert logged_in(client)


def test_an_administrator_can_lift_a_lockout(client, user):
    fail_login(client, user, 5)
    call_command("axes_reset_username", user.username)
    assert password_login(client, user, address=ATTACKER).status_code == 302


def test_attempts_are_recorded_without_the_password(client, user):
    fail_login(client, user, 2)
    attempt = AccessAttempt.objects.get(username=user.username)
    assert attempt.ip_address == ATTACKER and attempt.failures_since_start == 2
    assert "wrong-password" not in attempt.post_data


def test_behind_the_load_balancer_the_forwarded_address_counts(client, user, settings):
    """Every request comes from the balancer; the address it appended is the client's.
    What the client itself put in X-Forwarded-For is not trusted."""
    settings.NUM_PROXIES = 1
    balancer = "10.0.0.1"
    fail_login(client, user, 5, address=balancer, HTTP_X_FORWARDED_FOR=f"1.2.3.4, {ATTACKER}")
    locked = password_login(client, user, address=balancer,
                            HTTP_X_FORWARDED_FOR=f"{OFFICE}, {ATTACKER}")
    assert locked.status_code == 429
    assert password_login(client, user, address=balancer,
                          HTTP_X_FORWARDED_FOR=OFFICE).status_code == 302


@pytest.mark.parametrize("proxies, forwarded, expected", [
    (0, "1.2.3.4", "192.0.2.9"),  # nothing forwarded is trusted
    (1, "1.2.3.4, 5.6.7.8", "5.6.7.8"),  # the entry the balancer appended
    (2, "1.2.3.4, 5.6.7.8, 9.9.9.9", "5.6.7.8"),
    (1, "not-an-address", "192.0.2.9"),  # garbage: the peer's address
    (1, "", "192.0.2.9"),
])
def test_client_ip(rf, settings, proxies, forwarded, expected):
    settings.NUM_PROXIES = proxies
    request = rf.get("/", REMOTE_ADDR="192.0.2.9", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_login_page_still_logs_in(client, user):
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302 and logged_in(client)


def test_authenticate_without_a_request_is_not_counted(user):
    """A management command or a shell has no address: django-axes is not asked."""
    from django.contrib.auth import authenticate

    assert authenticate(username=user.username, password=PASSWORD) == user
    assert authenticate(username=user.username, password="wrong") is None
    assert not AccessAttempt.objects.exists()
