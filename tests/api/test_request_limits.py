"""A JSON body nested thousands deep, or larger than the limit, is refused with a JSON
error (400, 413), before login too: black-box, over HTTP, against a running server."""

import json
import urllib.error
import urllib.request

import pytest
from django.test import override_settings

from tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True)


def post(url: str, body: bytes, token: str = "") -> tuple[int, str, dict]:
    headers = {"Content-Type": "application/json", "Accept-Language": "en"}
    if token:
        headers["Authorization"] = f"Token {token}"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, content_type, raw = response.status, response.headers["Content-Type"], (
                response.read())
    except urllib.error.HTTPError as error:
        status, content_type, raw = error.code, error.headers["Content-Type"], error.read()
    return status, content_type, json.loads(raw)


def nested(depth: int) -> bytes:
    return ('{"username": ' + "[" * depth + "]" * depth + ', "password": "x"}').encode()


def test_deep_nesting_is_a_400_before_login(live_server):
    status, content_type, body = post(f"{live_server.url}/api/v1/auth/token/", nested(5000))
    assert status == 400 and content_type.startswith("application/json")
    assert "nested more than 32 levels" in body["detail"]


def test_deep_nesting_is_a_400_on_a_decision_too(live_server, areas):
    from rest_framework.authtoken.models import Token

    user = f.user("village_reviewer", areas["v11"])
    token = Token.objects.create(user=user).key
    status, _type, body = post(f"{live_server.url}/api/v1/tasks/1/decision/",
                               ('{"decision": ' + "{" * 3000 + "}" * 3000 + "}").encode(),
                               token)
    assert status == 400 and "nested" in body["detail"]


def test_nesting_within_the_limit_is_read(live_server):
    status, _type, body = post(f"{live_server.url}/api/v1/auth/token/", nested(3))
    assert status == 400  # read, then refused as a bad user name, not as a bad body
    assert "nested" not in json.dumps(body)


def test_a_body_over_the_size_limit_is_a_json_413(live_server):
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=10_000):
        body = json.dumps({"username": "a" * 20_000, "password": "x"}).encode()
        status, content_type, answer = post(f"{live_server.url}/api/v1/auth/token/", body)
    assert status == 413 and content_type.startswith("application/json")
    assert answer["code"] == "too_large" and "10000 bytes" in answer["detail"]
