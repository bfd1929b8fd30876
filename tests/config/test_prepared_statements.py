"""PostgreSQL binds parameters itself and keeps the plans of repeated statements
(``config.postgres``), except a pattern match, whose generic plan could not use the
scope's index: it is planned with its values every time."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from casework.models import Area
from config.postgres.base import may_prepare

ROOT = Path(__file__).resolve().parents[2]


def test_a_pattern_match_is_never_prepared():
    assert may_prepare('SELECT "x"."id" FROM "x" WHERE "x"."id" = %s LIMIT 21')
    assert may_prepare(b'INSERT INTO "x" ("a") VALUES (%s) RETURNING "x"."id"')
    assert not may_prepare('SELECT "x"."id" FROM "x" WHERE "x"."area_id"::text LIKE %s')
    assert not may_prepare(b'SELECT 1 FROM "x" WHERE UPPER("x"."name"::text) LIKE UPPER(%s)')


def settings_of(**env):
    """The database settings ``config.settings`` builds for ``env`` (no server contacted)."""
    code = ("import json; from config import settings as s; "
            "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], "
            "'options': s.DATABASES['default'].get('OPTIONS', {}), 'pg': s.IS_POSTGRES}))")
    environ = {key: value for key, value in os.environ.items()
               if key not in ("DATABASE_URL", "PG_PREPARE_THRESHOLD")}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, env={**environ, **env}, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_postgres_settings_bind_on_the_server_and_prepare_after_five_runs():
    built = settings_of(DATABASE_URL="postgres://casework@127.0.0.1:1/casework")
    assert built["engine"] == "config.postgres" and built["pg"] is True
    assert built["options"]["server_side_binding"] is True
    assert built["options"]["prepare_threshold"] == 5
    # behind a pooler that keeps no prepared statements
    off = settings_of(DATABASE_URL="postgres://casework@127.0.0.1:1/casework",
                      PG_PREPARE_THRESHOLD="0")
    assert off["options"]["prepare_threshold"] is None
    assert "server_side_binding" not in settings_of(DATABASE_URL="sqlite:///:memory:")["options"]


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.requires_postgres("prepared statements are PostgreSQL's")
@pytest.mark.django_db
def test_repeated_statements_are_prepared_and_pattern_matches_are_not():
    assert connection.features.uses_server_side_binding
    Area.objects.create(code="330100", name="T", level="township")
    for _ in range(6):
        assert Area.objects.filter(code="330100").count() == 1
        assert Area.objects.filter(code__startswith="3301").count() == 1
    kept = [sql for sql in prepared_statements() if "casework_area" in sql]
    assert any('"casework_area"."code" = $1' in sql for sql in kept), kept
    assert not any("LIKE" in sql for sql in kept), kept
