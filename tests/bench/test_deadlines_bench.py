"""Smoke test of ``bench/deadlines.py`` at a tiny size: it runs end to end and reports.

The bench needs PostgreSQL (its own database, EXPLAIN, SKIP LOCKED, pg_stat counters)
and Redis for the relay part; elsewhere the test is skipped, saying why. It runs the
script as the docs do, in a subprocess, against a database of its own
(``bench_deadlines_smoke_<pid>``, dropped afterwards) and Redis db 9 under a key prefix
of its own, so it never touches the test database or another run's keys.
"""

import os

import pytest

from .support import run_bench

REDIS_URL = "redis://127.0.0.1:6379/9"

pytestmark = [
    pytest.mark.requires_postgres("the deadlines bench needs PostgreSQL"),
]


def _redis_down() -> str:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means: skip, saying why
        return f"the relay part of the bench needs Redis at {REDIS_URL}: {exc!r}"
    return ""


def test_deadlines_bench_runs_at_a_tiny_size():
    if reason := _redis_down():
        pytest.skip(reason)
    name = f"bench_deadlines_smoke_{os.getpid()}"
    out = run_bench("deadlines.py", ["--timers", "20000", "--due", "30", "--messages", "60",
                                     "--repeats", "1", "--redis", REDIS_URL,
                                     "--redis-prefix", f"{name}:"], name)
    # the sizes 200, 2,000 and 20,000; the plan is checked at 20,000
    assert "20,000 timers (20,000 scheduled, 30 due" in out
    assert "every sweep moved exactly the 30 due rows: PASS" in out
    assert "claim plan reads deadline_next_due, no seq scan, from 10,000 timers: PASS" in out
    assert "0 rows left pending" in out
    assert "ratio relay / raw LPUSH" in out
