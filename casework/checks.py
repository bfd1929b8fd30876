"""Deployment check: the application's database role must not be able to switch off the
history's guards.

The append-only triggers (UPDATE, DELETE and TRUNCATE refused on the history tables)
bind every role except one that may disable them: a superuser (``SET
session_replication_role = replica``, ``ALTER TABLE ... DISABLE TRIGGER``) or the
tables' owner (``ALTER TABLE``, ``DROP TRIGGER``). Running the application as either
turns the guards into a formality, so ``manage.py check --deploy`` (which
``deploy/release.sh`` runs with ``--fail-level WARNING``) warns when it does, and when
a guard is missing or switched off. The roles to use instead: docs/deploy.md,
"Database roles".

Warnings, never errors: the test suite and a development database run as the
``postgres`` superuser on purpose (the tests switch the triggers off to play the
intruder).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core import checks
from django.db import DatabaseError, connections

# every append-only history table and the triggers that guard it (migrations casework
# 0006, 0007, 0008, 0015, 0019 and fund 0001)
HISTORY_TABLES = ("casework_auditevent", "casework_auditcheckpoint", "casework_registerchange",
                  "casework_accessrecord", "casework_recordevent", "fund_fundentry")
GUARDS = {table: (f"{table}_append_only", f"{table}_no_truncate") for table in HISTORY_TABLES}

ROLE_SQL = """
SELECT current_user, r.rolsuper,
       ARRAY(SELECT c.relname::text FROM pg_class c
             WHERE c.relname = ANY(%(tables)s) AND c.relkind = 'r'
               AND pg_table_is_visible(c.oid)
               AND pg_has_role(current_user, c.relowner, 'MEMBER')
             ORDER BY c.relname),
       ARRAY(SELECT t.tgname::text FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
             WHERE c.relname = ANY(%(tables)s) AND t.tgenabled IN ('O', 'A')
               AND pg_table_is_visible(c.oid)),
       ARRAY(SELECT c.relname::text FROM pg_class c
             WHERE c.relname = ANY(%(tables)s) AND c.relkind = 'r'
               AND pg_table_is_visible(c.oid))
FROM pg_roles r WHERE r.rolname = current_user
"""


@dataclass(frozen=True)
class RoleFacts:
    """What the database says about the connected role and the history tables."""

    role: str
    superuser: bool
    owned: tuple[str, ...]  # history tables the role owns (itself or through a role)
    enabled_triggers: frozenset[str]  # guards that fire (enabled, or enabled always)
    tables: frozenset[str]  # history tables that exist (none before the first migrate)


def role_warnings(facts: RoleFacts) -> list[checks.CheckMessage]:
    """The warnings ``facts`` call for (pure, so it is tested without a second role)."""
    hint = ("Run the application as a role that owns nothing and is not a superuser, "
            "granted only SELECT and INSERT on the history tables; run migrations as the "
            "owner role. SQL: docs/deploy.md, \"Database roles\".")
    messages: list[checks.CheckMessage] = []
    if facts.superuser:
        messages.append(checks.Warning(
            f"The application connects to PostgreSQL as {facts.role!r}, a superuser: it can "
            "switch off the triggers that keep the audit history append-only.",
            hint=hint, id="casework.W001"))
    elif facts.owned:
        messages.append(checks.Warning(
            f"The application's database role {facts.role!r} owns the history tables "
            f"{', '.join(facts.owned)}: it can drop or disable the triggers that keep them "
            "append-only.", hint=hint, id="casework.W002"))
    missing = sorted(trigger for table in sorted(facts.tables) for trigger in GUARDS[table]
                     if trigger not in facts.enabled_triggers)
    if missing:
        messages.append(checks.Warning(
            f"History guards missing or disabled: {', '.join(missing)}.",
            hint="Run `manage.py migrate`; if a trigger was disabled, find out who did and "
                 "verify the history (`manage.py verify_audit`) before enabling it again.",
            id="casework.W003"))
    return messages


def role_facts(alias: str = "default") -> RoleFacts | None:
    """The connected role's facts, or None when the database is not PostgreSQL."""
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(ROLE_SQL, {"tables": list(HISTORY_TABLES)})
        role, superuser, owned, enabled, tables = cursor.fetchone()
    return RoleFacts(role, bool(superuser), tuple(owned), frozenset(enabled), frozenset(tables))


@checks.register(checks.Tags.security, deploy=True)
def check_database_role(app_configs=None, databases=None, **kwargs):
    """``check --deploy``: the role in ``DATABASE_URL`` cannot undo the history's guards.
    A database that cannot be reached is not this check's to report (the release's
    migrate, or the health check, does)."""
    try:
        facts = role_facts()
    except DatabaseError:
        return []
    return [] if facts is None else role_warnings(facts)
