"""A real Celery worker for integration tests, in its own process.

It talks to the same broker as the test process (Redis when REDIS_URL is set,
else the filesystem broker) and to the test database, so what it does is what
production does. Tests using it commit their data (transaction=True).
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, tmp_path_factory):
    """Start ``celery worker`` on the test database; yield its log path; stop it."""
    with django_db_blocker.unblock():
        env = dict(os.environ, DATABASE_URL=_database_url(),
                   SMS_BACKEND="workflows.notifications.sms.LoggingSmsBackend",
                   PYTHONUNBUFFERED="1")
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    handle = log.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
         "-Q", "celery,notifications,timers,bulk",
         "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if "ready." in log.read_text():
            break
        if proc.poll() is not None:
            raise RuntimeError(f"celery worker exited:\n{log.read_text()}")
        time.sleep(0.2)
    else:
        proc.terminate()
        raise RuntimeError(f"celery worker did not start:\n{log.read_text()}")
    yield log
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    handle.close()


def wait_for(predicate, *, timeout: float = 30.0, interval: float = 0.2):
    """Poll ``predicate`` until it is truthy; return its last value."""
    deadline = time.monotonic() + timeout
    value = predicate()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = predicate()
    return value


__all__ = ["settings", "wait_for"]
