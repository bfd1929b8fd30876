"""Smoke test of ``bench/audit.py`` at a tiny size: it runs end to end and reports.

The bench needs PostgreSQL (its own database, COPY, server-side cursors, pg_stat
counters); on SQLite the test is skipped, saying why. It runs the script as the docs
do, in a subprocess, against a database of its own (``bench_audit_smoke_<pid>``,
dropped afterwards), so it never touches the test database.
"""

import os

import pytest

from .support import run_bench

pytestmark = [
    pytest.mark.requires_postgres("the audit bench needs PostgreSQL"),
]


def test_audit_bench_runs_at_a_tiny_size():
    out = run_bench("audit.py", ["--events", "2000"], f"bench_audit_smoke_{os.getpid()}")
    # memory at a tenth and at all of the events, each after a sealed checkpoint
    assert "memory at 200 events" in out
    assert "memory at 2,000 events" in out
    assert "200 cases, 2,000 events, 2 checkpoints: intact" in out
    assert "2,000 of 2,000 equal the stored hash" in out
    assert "verify_all / hashlib alone" in out
    assert "profile: verify_all() under cProfile" in out
