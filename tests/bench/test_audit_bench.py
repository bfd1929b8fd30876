"""Smoke test of ``bench/audit.py`` at a tiny size: it runs end to end and reports.

The bench needs PostgreSQL (its own database, COPY, server-side cursors, pg_stat
counters); on SQLite the test is skipped, saying why. It runs the script as the docs
do, in a subprocess, against a database of its own (``bench_audit_smoke_<pid>``,
dropped afterwards), so it never touches the test database.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not settings.IS_POSTGRES,
                       reason="the audit bench needs PostgreSQL; set DATABASE_URL=postgres://..."),
]


def _url(db: dict, name: str) -> str:
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def test_audit_bench_runs_at_a_tiny_size():
    import psycopg

    name = f"bench_audit_smoke_{os.getpid()}"
    db = settings.DATABASES["default"]
    env = {**os.environ, "DATABASE_URL": _url(db, name), "DJANGO_DEBUG": "False"}
    command = [sys.executable, str(ROOT / "bench" / "audit.py"), "--events", "2000"]
    try:
        result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                                timeout=900)
    finally:
        with psycopg.connect(_url(db, "postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    out = result.stdout
    assert result.returncode == 0, out[-4000:] + result.stderr[-4000:]
    # memory at a tenth and at all of the events, each after a sealed checkpoint
    assert "memory at 200 events" in out
    assert "memory at 2,000 events" in out
    assert "200 cases, 2,000 events, 2 checkpoints: intact" in out
    assert "2,000 of 2,000 equal the stored hash" in out
    assert "verify_all / hashlib alone" in out
    assert "profile: verify_all() under cProfile" in out
