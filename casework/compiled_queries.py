"""Querysets the hot paths run on every decision, compiled once per process.

Django builds a queryset's query and compiles its SQL on every run. For the task a
decision locks (five tables joined, two ``EXISTS``) that is about 2 ms of Python a
decision, four times what PostgreSQL spends running it; for the register's "what does
this unit hold" union at every application, 1.5 ms. A ``CompiledQuery`` builds its
queryset once with a marker value in place of each argument, keeps the compiler that
compiled it (its SQL and its row layout), and later runs put the arguments in the
markers' places: the rows come back exactly as the queryset gives them (model instances
with their ``select_related`` objects and annotations, or ``values_list`` tuples),
through Django's own iterables and field converters. The SQL text is the same on every
run, so PostgreSQL's prepared statements (``config/postgres``) keep its plan too.

What may vary between runs is declared: ``values`` are the arguments that reach the SQL
only as parameters (an id, a code, a date); any other argument (a tuple of steps that an
``IN`` lists, a flag that adds a join) shapes the SQL and is part of the cache key, so it
must be hashable and take few values: a query keeps at most ``MAX_SHAPES`` compiled
shapes, the oldest dropped first. A value argument that does not come out of the compiler
as a parameter of its own (it went into a ``LIKE`` pattern, or a lookup rewrote it) is
refused when the query is first built, not silently frozen.

It relies on three attributes of Django's SQL compiler (``as_sql``, ``connection``,
``select_for_update`` on its query) and on ``Query.get_compiler``;
``tests/casework/test_compiled_queries.py`` pins that behaviour to the installed Django.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db import connections
from django.db.models import QuerySet
from django.db.transaction import TransactionManagementError

T = TypeVar("T")

#: marker bases: far from any id or constant the service's queries hold, and inside a
#: 32-bit integer column's range (Django 5 empties an ``exact`` lookup whose value the
#: column cannot hold, which would compile to no SQL at all)
_INT_MARKER = -1_987_654_000
_STR_MARKER = "\u2063compiled-query-argument-{}\u2063"
_DATE_MARKER = date(1, 1, 1)
_DATETIME_MARKER = datetime(1, 1, 2)

#: compiled shapes a query keeps (a role's steps, a flag: a handful in practice)
MAX_SHAPES = 64

#: the types a value argument may have, and what each becomes as the caller gives it
_KINDS: dict[type, Callable[[Any], Any]] = {int: int, str: str, date: lambda d: d,
                                            datetime: lambda d: d}
#: the backend's adaptation of a value of these kinds (SQLite writes them as text), which
#: a run applies again to the caller's value
_ADAPTERS = {date: "adapt_datefield_value", datetime: "adapt_datetimefield_value"}


@dataclass(frozen=True)
class _Compiled:
    """One compiled shape: the template queryset, its compiler after ``as_sql``, the
    SQL, the parameters with markers, and where each value argument goes."""

    queryset: QuerySet
    compiler: Any
    sql: str
    params: tuple[Any, ...]
    #: (parameter index, argument name, the backend operation that adapted it, if any)
    slots: tuple[tuple[int, str, str | None], ...]


class CompiledQuery(Generic[T]):
    """A queryset built by ``build(**arguments)``, compiled once per shape and database.

    ``values`` maps each argument that only reaches the SQL as a parameter to its type
    (``int``, ``str``, ``date`` or ``datetime``); the other arguments shape the SQL.
    ``rows(**arguments)`` runs it and returns the list the queryset would.
    """

    def __init__(self, build: Callable[..., QuerySet], *, values: dict[str, type]) -> None:
        unsupported = {name: kind for name, kind in values.items() if kind not in _KINDS}
        if unsupported:
            raise TypeError(f"compiled query arguments must be int, str, date or datetime: "
                            f"{unsupported}")
        self._build = build
        self._values = dict(values)
        self._shapes: dict[Hashable, _Compiled] = {}
        self._lock = threading.Lock()

    def rows(self, *, using: str = "default", **arguments: Any) -> list[T]:
        """Run the query with ``arguments``; the rows as ``list(queryset)`` gives them."""
        missing = set(self._values) - set(arguments)
        if missing:
            raise TypeError(f"missing compiled query arguments: {sorted(missing)}")
        connection = connections[using]
        shape = tuple(sorted((k, v) for k, v in arguments.items() if k not in self._values))
        key = (using, connection.vendor, shape)
        compiled = self._shapes.get(key)
        if compiled is None:
            with self._lock:
                compiled = self._shapes.get(key) or self._compile(using, dict(shape))
                while len(self._shapes) >= MAX_SHAPES:
                    del self._shapes[next(iter(self._shapes))]
                self._shapes[key] = compiled
        return self._run(compiled, connection, arguments)

    def first(self, *, using: str = "default", **arguments: Any) -> T | None:
        """The first row, or None (the query's own order and slice decide which)."""
        found = self.rows(using=using, **arguments)
        return found[0] if found else None

    def _compile(self, using: str, shape: dict[str, Any]) -> _Compiled:
        markers = {name: _marker(kind, i) for i, (name, kind) in enumerate(self._values.items())}
        queryset = self._build(**markers, **shape).using(using)
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        # a backend may adapt a date or a time to text (SQLite); that form is a slot too
        forms: dict[tuple[type, Any], tuple[str, str | None]] = {
            (type(m), m): (name, None) for name, m in markers.items()}
        ops = connections[using].ops
        for name, kind in self._values.items():
            adapter = _ADAPTERS.get(kind)
            adapted = getattr(ops, adapter)(markers[name]) if adapter else markers[name]
            if adapted != markers[name]:
                forms[(type(adapted), adapted)] = (name, adapter)
        slots = tuple((i, *forms[(type(p), p)]) for i, p in enumerate(params)
                      if (type(p), p) in forms)
        reached = {name for _, name, _ in slots}
        texts = [(name, value) for (kind, value), (name, _) in forms.items() if kind is str]
        buried = [name for name, text in texts if any(
            isinstance(p, str) and text in p and p != text for p in params)]
        if reached != set(markers) or buried:
            lost = sorted((set(markers) - reached) | set(buried))
            raise ValueError(f"compiled query arguments {lost} do not reach the SQL as "
                             "parameters of their own; make them shape arguments")
        return _Compiled(queryset=queryset, compiler=compiler, sql=sql,
                         params=tuple(params), slots=slots)

    def _run(self, compiled: _Compiled, connection: Any, arguments: dict[str, Any]) -> list[T]:
        params = list(compiled.params)
        for index, name, adapter in compiled.slots:
            value = _KINDS[self._values[name]](arguments[name])
            params[index] = getattr(connection.ops, adapter)(value) if adapter else value
        compiler = copy.copy(compiled.compiler)
        compiler.connection = connection
        frozen = (compiled.sql, tuple(params))
        compiler.as_sql = lambda *args, **kwargs: frozen
        locking = (compiled.queryset.query.select_for_update
                   and connection.features.has_select_for_update)
        if locking and connection.get_autocommit():
            # what Django's compiler says for a locking read outside a transaction
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction.")
        queryset = compiled.queryset._chain()
        queryset.query.get_compiler = lambda *args, **kwargs: compiler
        return list(queryset)


def _marker(kind: type, index: int) -> int | str | date | datetime:
    if kind is int:
        return _INT_MARKER - index
    if kind is str:
        return _STR_MARKER.format(index)
    if kind is datetime:
        moment = _DATETIME_MARKER + timedelta(microseconds=index)
        return moment.replace(tzinfo=UTC) if settings.USE_TZ else moment
    return _DATE_MARKER + timedelta(days=index)


def shapes_of(query: CompiledQuery[Any]) -> Iterable[Hashable]:
    """The shapes ``query`` has compiled so far (for tests and diagnostics)."""
    return tuple(query._shapes)


__all__ = ["CompiledQuery", "shapes_of"]
