"""Fixtures of the REST API suites: token-authenticated clients and process helpers."""

from datetime import date, timedelta
from itertools import count
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient
from viewflow.workflow.models import Task

from tests.auth.support import otp_fields
from tests.support import journey
from tests.support.journey import decide, open_task, open_tasks
from workflows.tasks import fire_due_timers

PASSWORD = "pw-Test-12345"

OPEN = ("NEW", "ASSIGNED", "STARTED")

_births = count()


def unique_birth() -> date:
    """A birth date no other person of the run has: tests.factories.person derives the
    resident ID from birth date and a counter whose parity is forced to the sex, so two
    people born the same day can be given the same number."""
    return date(1940, 1, 1) + timedelta(days=next(_births))


@pytest.fixture(autouse=True)
def _fresh_throttle():
    # a cleared cache, so the token endpoint's anonymous throttle (30/min per address)
    # starts afresh in every test
    cache.clear()
    yield
    cache.clear()


def token_for(user) -> str:
    response = APIClient().post("/api/v1/auth/token/",
                                {"username": user.username, "password": PASSWORD,
                                 **otp_fields(user)},
                                format="json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


@pytest.fixture
def api(db):
    """``api(user)``: an APIClient that sends the user's token, got from the token endpoint."""
    clients = {}

    def make(user) -> APIClient:
        if user.pk not in clients:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
            clients[user.pk] = client
        return clients[user.pk]

    return make


def end_notice(case) -> int:
    """Put the public-notice timer's due moment in the past and run the beat task."""
    timer = Task.objects.get(process_id=case.process.pk, flow_task_type="TIMER",
                             status="SCHEDULED")
    Task.objects.filter(pk=timer.pk).update(scheduled=timezone.now() - timedelta(seconds=1))
    return fire_due_timers()


@pytest.fixture
def wf():
    """Process helpers for arranging cases through the service layer."""
    return SimpleNamespace(open_tasks=open_tasks, open_task=open_task, end_notice=end_notice,
                           submit=journey.apply, decide=decide)
