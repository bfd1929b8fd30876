"""The deployment check on the application's database role (``casework.checks``): its
logic on plain facts, and where it runs. PostgreSQL's side: test_history_guards_pg."""

from django.core import checks
from django.db import connection

from casework.checks import (
    GUARDS,
    HISTORY_TABLES,
    RoleFacts,
    check_database_role,
    role_facts,
    role_warnings,
)

ALL_GUARDS = frozenset(trigger for pair in GUARDS.values() for trigger in pair)


def facts(**changes):
    values = dict(role="casework_app", superuser=False, owned=(),
                  enabled_triggers=ALL_GUARDS, tables=frozenset(HISTORY_TABLES))
    return RoleFacts(**{**values, **changes})


def test_a_role_that_owns_nothing_and_is_no_superuser_passes():
    assert role_warnings(facts()) == []


def test_a_superuser_is_warned_about_once():
    [warning] = role_warnings(facts(superuser=True, owned=HISTORY_TABLES))
    assert warning.id == "casework.W001" and warning.level == checks.WARNING
    assert "superuser" in warning.msg and "docs/deploy.md" in warning.hint


def test_an_owner_of_history_tables_is_warned_naming_them():
    [warning] = role_warnings(facts(owned=("casework_auditevent", "fund_fundentry")))
    assert warning.id == "casework.W002"
    assert "casework_auditevent, fund_fundentry" in warning.msg


def test_a_missing_or_disabled_guard_is_warned_about():
    enabled = ALL_GUARDS - {"casework_auditevent_no_truncate"}
    [warning] = role_warnings(facts(enabled_triggers=enabled))
    assert warning.id == "casework.W003" and "casework_auditevent_no_truncate" in warning.msg
    # before the first migrate there are no tables, hence no guards to miss
    assert role_warnings(facts(enabled_triggers=frozenset(), tables=frozenset())) == []


def test_it_is_a_deployment_check_that_only_warns(db):
    """``check --deploy`` runs it (``release.sh`` stops on a warning there); plain ``check``
    and the test run do not, and it never raises an error."""
    assert check_database_role in checks.registry.registry.get_checks(
        include_deployment_checks=True)
    assert check_database_role not in checks.registry.registry.get_checks()
    if connection.vendor != "postgresql":
        assert role_facts() is None and check_database_role() == []
    else:
        assert all(m.level == checks.WARNING for m in check_database_role())
