"""Django's PostgreSQL backend, with statements bound and prepared by the server except
those whose plan depends on a pattern's value.

Why: a scoped, audited request runs 5-30 short statements, and PostgreSQL spent more time
planning their joins than running them (the case detail: about 4 ms of planning per read,
docs/benchmarks.md). With server-side binding psycopg prepares a statement once it has run
``prepare_threshold`` times on a connection, and PostgreSQL keeps its plan.

Not every plan may be kept: after five executions PostgreSQL may switch a prepared
statement to a generic plan, one that does not know the parameters' values. For
``area_id LIKE $1`` (a scope: a village's or a township's code followed by ``%``) a generic
plan cannot turn the prefix into an index range, and a village's task list went from 6 to
26 ms. So a statement with a ``LIKE`` is never prepared: it is planned on every execution
with its values, as before. Everything else (reads by key, inserts, updates, the scoped
lists' joins by id) is prepared.

Behind a pooler in transaction mode (PgBouncer before 1.21) prepared statements do not
survive: ``PG_PREPARE_THRESHOLD=0`` turns preparation off (docs/deploy.md).
"""

from __future__ import annotations

from functools import lru_cache

from django.db.backends.postgresql import base

# the one part of a statement whose plan depends on a value in a way a generic plan loses
VALUE_PLANNED = (" LIKE ", " ILIKE ")


@lru_cache(maxsize=4096)
def may_prepare(query: str | bytes) -> bool:
    """Whether PostgreSQL may keep a plan for ``query`` (no pattern match in it)."""
    text = query.decode() if isinstance(query, bytes) else str(query)
    return not any(marker in text for marker in VALUE_PLANNED)


class SelectivelyPreparedCursor(base.ServerBindingCursor):
    """Server-side binding; automatic preparation except for ``may_prepare``'s refusals."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        if prepare is None and isinstance(query, str | bytes) and not may_prepare(query):
            prepare = False
        return super().execute(query, params, prepare=prepare, binary=binary)


class DatabaseWrapper(base.DatabaseWrapper):
    """With ``OPTIONS["server_side_binding"]`` (config.settings), the cursor above."""

    def get_connection_params(self):
        params = super().get_connection_params()
        if params.get("cursor_factory") is base.ServerBindingCursor:
            params["cursor_factory"] = SelectivelyPreparedCursor
        return params
