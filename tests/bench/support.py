"""Running a bench script as the docs do, at a tiny size, in a database of its own.

The benches truncate their tables, so each smoke run gets ``<name>`` (a fresh
PostgreSQL database next to the test database, created by the bench itself) and
drops it afterwards, whatever happened: the test database is never touched.
"""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def _url(db: dict, name: str) -> str:
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def run_bench(script: str, args: list[str], name: str) -> str:
    """Run ``bench/<script>`` with ``args`` against database ``name``; its stdout.

    Fails the test (with the tail of both streams) when the script exits non-zero.
    """
    import psycopg

    db = settings.DATABASES["default"]
    env = {**os.environ, "DATABASE_URL": _url(db, name), "DJANGO_DEBUG": "False"}
    command = [sys.executable, str(ROOT / "bench" / script), *args]
    try:
        result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                                timeout=900)
    finally:
        with psycopg.connect(_url(db, "postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return result.stdout
