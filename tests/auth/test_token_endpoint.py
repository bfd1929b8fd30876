"""The token endpoint's throttles: per client address and per username, whatever the
outcome of each request, and behind the load balancer per forwarded address."""

import pytest
from rest_framework.test import APIClient

from tests import factories as f

from .conftest import PASSWORD, TOKEN

pytestmark = pytest.mark.django_db


def post(username, password="x", address="127.0.0.1", **extra):
    return APIClient(REMOTE_ADDR=address, **extra).post(
        TOKEN, {"username": username, "password": password}, format="json")


def test_thirty_requests_a_minute_per_address(db):
    codes = [post(f"nobody{i}").status_code for i in range(31)]
    assert codes[:30] == [400] * 30
    assert codes[30] == 429
    assert post("nobody-else", address="10.0.0.8").status_code == 400  # another address


def test_ten_requests_a_minute_per_username_from_any_addresses(areas):
    user = f.user("village_reviewer", areas["v11"])
    codes = [post(user.username, address=f"10.0.1.{i}").status_code for i in range(10)]
    assert 429 not in codes[:4]  # (from the fifth on, axes has locked nothing: new addresses)
    response = post(user.username, password=PASSWORD, address="10.0.2.1")
    assert response.status_code == 429  # even with the right password, from a new address
    assert post(user.username.upper(), address="10.0.2.2").status_code == 429  # any case
    assert post("someone-else", address="10.0.2.3").status_code == 400


def test_behind_the_balancer_each_forwarded_address_has_its_own_budget(db, settings):
    settings.NUM_PROXIES = 1
    balancer = "10.0.0.1"
    for i in range(30):
        post(f"nobody{i}", address=balancer, HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert post("n", address=balancer, HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 429
    # a client cannot pick its budget: what it sends itself comes before the balancer's entry
    assert post("n", address=balancer,
                HTTP_X_FORWARDED_FOR="203.0.113.5, 198.51.100.1").status_code == 429
    assert post("n", address=balancer, HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 400


def test_a_session_does_not_bypass_the_throttle(client, areas):
    """The endpoint ignores sessions: logged-in or not, the same budget and no CSRF."""
    user = f.user("village_reviewer", areas["v11"])
    client.force_login(user)
    api = APIClient(enforce_csrf_checks=True)
    api.cookies = client.cookies
    codes = [api.post(TOKEN, {"username": f"x{i}", "password": "x"}, format="json").status_code
             for i in range(31)]
    assert codes[-1] == 429 and codes[0] == 400


@pytest.mark.parametrize("body", [
    {}, {"username": ""}, {"username": ["a"], "password": "x"}, {"password": "x"},
    {"username": "a", "password": "x", "otp": "x" * 100},
])
def test_malformed_requests_are_400(db, body):
    assert APIClient().post(TOKEN, body, format="json").status_code == 400


def test_the_schema_documents_the_otp_field(db):
    schema = APIClient().get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/auth/token/"]["post"]
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    fields = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]["properties"]
    assert {"username", "password", "otp"} <= set(fields)
    assert {"200", "400", "429"} <= set(operation["responses"])
