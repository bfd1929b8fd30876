"""``casework.pg_timestamps``: PostgreSQL ``timestamptz`` values read with
``datetime.fromisoformat`` are the values Django's own loader reads, and what it cannot
parse goes to Django's loader (same value, same error)."""

from datetime import UTC

import pytest
from django.db import DataError, connection
from django.db.backends.postgresql.psycopg_any import BaseTzLoader

from casework.pg_timestamps import loader_class

pytestmark = pytest.mark.requires_postgres("a psycopg loader of PostgreSQL's timestamptz")

LITERALS = [
    "2026-12-07 06:13:00+00", "2026-12-07 06:13:00.5+08", "2026-12-07 06:13:00.123456-03:30",
    "1900-01-01 00:00:00+00", "0001-01-01 00:00:00+00", "9999-12-31 23:59:59.999999+00",
    "2024-02-29 23:59:59.000001+05:45",
]


def read(literal: str):
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::timestamptz", [literal])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_the_connection_reads_timestamptz_with_the_iso_loader():
    connection.ensure_connection()
    with connection.cursor() as cursor:
        loader = cursor.cursor.adapters.get_loader(1184, 0)  # timestamptz, text
    assert loader is loader_class()


@pytest.mark.django_db
@pytest.mark.parametrize("literal", LITERALS)
def test_each_value_is_what_djangos_loader_reads(literal):
    ours = read(literal)
    with connection.cursor() as cursor:
        cursor.cursor.adapters.register_loader("timestamptz", _django_utc())
        cursor.execute("SELECT %s::timestamptz", [literal])
        theirs = cursor.fetchone()[0]
    assert ours == theirs
    assert ours.tzinfo is UTC and theirs.utcoffset() == ours.utcoffset()


@pytest.mark.django_db
@pytest.mark.parametrize("literal", ["infinity", "-infinity", "0044-03-15 00:00:00+00 BC"])
def test_what_iso_cannot_parse_fails_as_djangos_loader_fails(literal):
    with pytest.raises(DataError) as ours:
        read(literal)
    with connection.cursor() as cursor:
        cursor.cursor.adapters.register_loader("timestamptz", _django_utc())
        with pytest.raises(DataError) as theirs:
            cursor.execute("SELECT %s::timestamptz", [literal])
            cursor.fetchone()
    assert type(ours.value) is type(theirs.value)


def _django_utc():
    class DjangoUtc(BaseTzLoader):
        timezone = UTC

    return DjangoUtc
