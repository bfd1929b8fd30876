"""Redis stops, staff keep working: black-box, over HTTP, against gunicorn as deployed.

The web process runs in its own process (``deploy/gunicorn.conf.py``) on the test
database, with its cache and broker on a private ``redis-server`` that the test stops.
Before ``config.fallback_cache`` the token endpoint's throttles and viewflow's avatar tag
(on every staff page) raised ``ConnectionError``: 500 for login and every staff page.
Now the token login, the inbox (API and page), a decision and the register answer 200,
and the decision's notification waits in the outbox (nothing lost).

Runs on SQLite (the test database is a file the server opens too) and on PostgreSQL.
"""

import json
import shutil
import urllib.error
import urllib.request
from datetime import date

import pytest
from django.test import Client

from casework.models import Case, OutboxMessage
from tests import factories as f
from tests.integration.conftest import _database_url
from tests.integration.faults import start_web
from workflows.applications import services

pytestmark = [
    pytest.mark.skipif(shutil.which("redis-server") is None,
                       reason="needs the redis-server binary to run a private Redis"),
    pytest.mark.django_db(transaction=True),
]

PASSWORD = "Reviewer-pw-2026"


def call(url: str, *, method: str = "GET", body: dict | None = None, token: str = "",
         session: str = "") -> tuple[int, bytes]:
    headers = {"Accept-Language": "en"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Token {token}"
    if session:
        headers["Cookie"] = f"sessionid={session}"
    request = urllib.request.Request(url, data=None if body is None else json.dumps(
        body).encode(), headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture
def web(redis_server, tmp_path):
    server = start_web(log=tmp_path / "gunicorn.log", env={
        "DATABASE_URL": _database_url(), "REDIS_URL": redis_server.url,
        "REDIS_CACHE_URL": redis_server.url})
    yield server
    server.stop()


@pytest.fixture
def reviewer(areas, settings):
    """A village reviewer whose password the server can check (its hashers are the
    settings' defaults, not the suite's fast MD5)."""
    from django.conf import global_settings

    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    user = f.user("village_reviewer", areas["v11"])
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return user


def test_staff_keep_working_while_redis_is_down(programs, areas, reviewer, redis_server, web):
    household = f.household(areas["v11"], second_birth_renounced_date=date(1985, 3, 1))
    applicant = f.person(household, name="王建国", birth=date(1955, 4, 2))
    family = f.user("family", areas["v11"], household=household)
    case = services.submit_application(actor=family, household=household,
                                       program=programs["medical_discount"],
                                       applicant=applicant)
    browser = Client()
    browser.force_login(reviewer)
    session = browser.cookies["sessionid"].value

    # up: the inbox page renders (and caches the avatar) through Redis
    status, _ = call(f"{web.url}/workflow/benefitapplication/inbox/", session=session)
    assert status == 200, web.tail()

    redis_server.stop()
    assert not redis_server.ping()

    status, body = call(f"{web.url}/api/v1/auth/token/", method="POST",
                        body={"username": reviewer.username, "password": PASSWORD})
    assert status == 200, (body, web.tail())
    token = json.loads(body)["token"]

    status, body = call(f"{web.url}/api/v1/tasks/", token=token)
    assert status == 200, (body, web.tail())
    task = next(t for t in json.loads(body)["results"] if t["case"] == case.pk)

    for page in ("/workflow/benefitapplication/inbox/", "/workflow/register/"):
        status, body = call(f"{web.url}{page}", session=session)
        assert status == 200, (page, web.tail())

    status, body = call(f"{web.url}/api/v1/tasks/{task['id']}/decision/", method="POST",
                        body={"decision": "approve"}, token=token)
    assert status == 200, (body, web.tail())
    assert json.loads(body)["status"] == "township_review"

    # recorded, and its notification waits in the outbox for the broker (nothing lost)
    case.refresh_from_db()
    assert case.status == "township_review"
    assert OutboxMessage.objects.filter(case=case, sent_at__isnull=True).exists()

    # a wrong password is still refused while Redis is down
    status, _ = call(f"{web.url}/api/v1/auth/token/", method="POST",
                     body={"username": reviewer.username, "password": "wrong"})
    assert status == 400

    assert Case.objects.get(pk=case.pk).status == "township_review"
