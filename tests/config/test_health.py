"""/healthz and /readyz: real checks against the configured database and broker."""

import socket

import pytest
from django.db import OperationalError
from django.test import override_settings

from config import health


def _closed_port() -> int:
    """A port on this machine that nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _redis_reachable(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def test_healthz_answers_without_the_database(client):
    # No django_db mark: pytest-django would fail the request if it touched the database.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_is_ready_with_the_configured_database_and_broker(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ok", "failed": [],
                               "checks": {"database": "ok", "broker": "ok"}}


@pytest.mark.django_db
def test_readyz_needs_no_login_and_says_nothing_personal(client):
    response = client.get("/readyz")
    assert response.status_code in (200, 503)  # not a redirect to the login page
    assert set(response.json()) == {"status", "failed", "checks"}


@pytest.mark.django_db
def test_readyz_503_when_redis_broker_is_unreachable(client):
    url = f"redis://127.0.0.1:{_closed_port()}/0"
    with override_settings(CELERY_BROKER_URL=url):
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["failed"] == ["broker"]
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"].startswith("failed: ")
    assert str(url) not in response.content.decode()  # no broker address in the answer


@pytest.mark.django_db
def test_readyz_pings_a_live_redis(client, settings):
    url = settings.REDIS_URL or "redis://127.0.0.1:6379/5"
    if not _redis_reachable(url):
        pytest.skip("no Redis on this machine")
    with override_settings(CELERY_BROKER_URL=url):
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["broker"] == "ok"


@pytest.mark.django_db
def test_readyz_503_when_filesystem_broker_folder_is_missing(client, settings, tmp_path):
    options = {"data_folder_in": str(tmp_path / "missing"),
               "data_folder_out": str(tmp_path / "missing")}
    with override_settings(CELERY_BROKER_URL="filesystem://",
                           CELERY_BROKER_TRANSPORT_OPTIONS=options):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["broker"]


@pytest.mark.django_db
def test_readyz_filesystem_broker_check_leaves_no_file(client, tmp_path):
    options = {"data_folder_in": str(tmp_path), "data_folder_out": str(tmp_path)}
    with override_settings(CELERY_BROKER_URL="filesystem://",
                           CELERY_BROKER_TRANSPORT_OPTIONS=options):
        response = client.get("/readyz")
    assert response.status_code == 200
    assert list(tmp_path.iterdir()) == []  # no stray file the transport would read


@pytest.mark.django_db
def test_readyz_503_names_the_database(client, monkeypatch):
    def database_down():
        raise OperationalError("connection refused")

    monkeypatch.setitem(health.CHECKS, "database", database_down)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["database"]
    assert response.json()["checks"]["database"] == "failed: OperationalError"
    assert "connection refused" not in response.content.decode()


@pytest.mark.django_db
def test_health_checks_answer_plain_http_when_https_is_enforced(client):
    with override_settings(SECURE_SSL_REDIRECT=True):
        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").status_code == 200
        assert client.get("/accounts/login/").status_code == 301  # the rest goes to HTTPS


def test_health_checks_only_read(client):
    assert client.post("/healthz").status_code == 405
