"""Reading PostgreSQL ``timestamptz`` values with the standard library's C parser.

Django (5.2, psycopg 3) reads every ``timestamptz`` through psycopg's pure-Python text
loader (it subclasses it to set the time zone), about 13 µs a value here: a 50-row inbox
page reads 150 of them, ~2 ms of a request. The connection's time zone is UTC whenever
``USE_TZ`` is on, so PostgreSQL writes each value as ISO 8601 with an offset
(``2026-12-07 06:13:00.123456+00``), which ``datetime.fromisoformat`` parses in under a
microsecond. Anything it cannot parse (years before 1 or after 9999, ``infinity``) goes to
Django's own loader, so values and errors stay exactly Django's.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings


def install(sender, connection, **kwargs) -> None:
    """``connection_created``: on a PostgreSQL connection in UTC, read ``timestamptz``
    with ``IsoTimestamptzLoader``."""
    if connection.vendor != "postgresql" or not settings.USE_TZ:
        return
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    if not is_psycopg3 or connection.timezone is not UTC:
        return
    connection.connection.adapters.register_loader("timestamptz", loader_class())


_LOADER: type | None = None


def loader_class() -> type:
    """``IsoTimestamptzLoader``, built once: it extends the loader Django registers for
    UTC, which is where it falls back to."""
    global _LOADER
    if _LOADER is None:
        from django.db.backends.postgresql.psycopg_any import BaseTzLoader

        class IsoTimestamptzLoader(BaseTzLoader):
            """Django's UTC ``timestamptz`` loader, parsing with ``fromisoformat``."""

            timezone = UTC  # what Django compares before registering its own per cursor

            def load(self, data) -> datetime:
                try:
                    value = datetime.fromisoformat(bytes(data).decode())
                except ValueError:
                    return super().load(data)
                return value if value.tzinfo is UTC else value.astimezone(UTC)

        _LOADER = IsoTimestamptzLoader
    return _LOADER
