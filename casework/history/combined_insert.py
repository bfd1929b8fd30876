"""The new rows of several tables in one statement, as ``bulk_create`` would write them.

A decision's unit of work ends with a few small inserts into different tables: its audit
events, its outbox messages, the next step's deadline. Each is a round trip, and Django
builds each statement afresh; on PostgreSQL they go together as one statement, each
table's ``INSERT`` (compiled by Django, as ``bulk_create`` compiles it) in a
data-modifying ``WITH``, the new ids coming back through one ``SELECT``. Elsewhere (SQLite
cannot put an ``INSERT`` in a ``WITH``), and for any group this does not cover, each
group is a ``bulk_create`` as before.

What it shares with ``bulk_create`` (pinned by ``tests/casework/test_combined_insert.py``):
``QuerySet._prepare_for_bulk_create`` (defaults and related ids), ``InsertQuery`` and its
compiler's ``returning_fields``; signals are not sent, as ``bulk_create`` sends none.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connections
from django.db.models import AutoField, Model
from django.db.models.sql import InsertQuery


def insert_together(groups: Sequence[Sequence[Model]], using: str = "default") -> None:
    """Insert each group (instances of one model, not yet saved) as ``bulk_create``
    would, in one statement where the database allows it; the instances get their ids
    and are marked saved."""
    groups = [list(objs) for objs in groups if objs]
    connection = connections[using]
    if len(groups) < 2 or connection.vendor != "postgresql" or not all(
            map(_coverable, groups)):
        for objs in groups:
            type(objs[0])._default_manager.db_manager(using).bulk_create(objs)
        return
    ctes: list[str] = []
    selects: list[str] = []
    params: list = []
    awaiting: list[list[Model]] = []
    for n, objs in enumerate(groups):
        model = type(objs[0])
        opts = model._meta
        model._default_manager.db_manager(using).all()._prepare_for_bulk_create(objs)
        new_ids = not objs[0]._is_pk_set()
        fields = [f for f in opts.concrete_fields if not f.generated
                  and not (new_ids and isinstance(f, AutoField))]
        query = InsertQuery(model)
        query.insert_values(fields, objs, raw=False)
        compiler = query.get_compiler(using=using)
        compiler.returning_fields = [opts.pk] if new_ids else None
        [(sql, insert_params)] = compiler.as_sql()
        ctes.append(f"i{n} AS ({sql})")
        params.extend(insert_params)
        if new_ids:
            selects.append(f"SELECT {len(awaiting)}, {connection.ops.quote_name(opts.pk.column)}"
                           f" FROM i{n}")
            awaiting.append(objs)
    main = " UNION ALL ".join(selects) or "SELECT NULL, NULL WHERE FALSE"
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {', '.join(ctes)} {main}", params)
        returned = cursor.fetchall()
    ids: list[list[int]] = [[] for _ in awaiting]
    for group, pk in returned:
        ids[group].append(pk)
    for objs, new in zip(awaiting, ids, strict=True):
        if len(new) != len(objs):  # what bulk_create asserts too
            raise AssertionError(f"{len(objs)} rows inserted, {len(new)} ids returned")
        for obj, pk in zip(objs, new, strict=True):
            obj.pk = pk
    for objs in groups:
        for obj in objs:
            obj._state.adding = False
            obj._state.db = using


def _coverable(objs: list[Model]) -> bool:
    """Whether one ``INSERT`` in a ``WITH`` writes ``objs`` as ``bulk_create`` would:
    all of one plain model, either all with their primary key set or all given an
    integer id by the database, which decides no other value (a column with a database
    default is given its value in Python, as the service's models do; a generated
    column would need returning)."""
    model = type(objs[0])
    opts = model._meta
    if any(type(obj) is not model for obj in objs) or opts.parents:
        return False
    for field in opts.db_returning_fields:
        if field is not opts.pk and (field.generated or any(
                hasattr(getattr(obj, field.attname), "resolve_expression") for obj in objs)):
            return False
    with_pk = [obj._is_pk_set() for obj in objs]
    return all(with_pk) or (not any(with_pk) and isinstance(opts.pk, AutoField))


__all__ = ["insert_together"]
