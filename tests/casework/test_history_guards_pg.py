"""Issue 12.3 on PostgreSQL: TRUNCATE of the history refused by a trigger, and the
application's role (docs/deploy.md, "Database roles") unable to switch the guards off.

The roles are created inside the test's transaction, so they vanish with its rollback.
"""

import os

import pytest
from django.db import DatabaseError, connection, transaction

from casework.checks import HISTORY_TABLES, check_database_role, role_facts, role_warnings
from casework.history.verification import seal_checkpoint, verify_case
from casework.models import AuditEvent, CaseStatus
from tests.workflows.test_lifecycle import approve, submit

pytestmark = [
    pytest.mark.requires_postgres("the history's triggers and roles are PostgreSQL's"),
]

SUFFIX = f"{os.getpid()}"


def execute(sql, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def refused(sql, match):
    with pytest.raises(DatabaseError, match=match), transaction.atomic():
        execute(sql)


@pytest.fixture
def app_role(db):
    """A role granted what docs/deploy.md grants ``casework_app``."""
    role = f"casework_app_{SUFFIX}"
    execute(f"CREATE ROLE {role} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE")
    execute(f"GRANT USAGE ON SCHEMA public TO {role}")
    execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}")
    execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}")
    execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {', '.join(HISTORY_TABLES)} FROM {role}")
    return role


@pytest.fixture
def as_role():
    """``as_role(name)`` switches the connection to that role until the test ends."""
    def switch(role):
        execute(f"SET ROLE {role}")
    yield switch
    execute("RESET ROLE")


@pytest.mark.parametrize("table", HISTORY_TABLES)
def test_truncate_of_a_history_table_is_refused_even_for_a_superuser(db, table):
    refused(f"TRUNCATE {table} CASCADE", f"{table} is append-only: TRUNCATE refused")


def test_the_application_role_runs_a_case_and_cannot_undo_the_guards(
        app_role, as_role, programs, family_home, staff):
    as_role(app_role)
    case = submit(programs, family_home, "medical_discount")
    approve(staff["village"], case)
    approve(staff["township"], case)
    assert case.status == CaseStatus.APPROVED
    seal_checkpoint()
    assert verify_case(case).intact
    assert role_warnings(role_facts()) == []  # the deployment check is satisfied

    refused("TRUNCATE casework_auditevent", "permission denied")
    refused("UPDATE casework_auditevent SET action = 'x'", "permission denied")
    refused("DELETE FROM casework_auditcheckpoint", "permission denied")
    refused("SET session_replication_role = replica", "permission denied")
    refused("ALTER TABLE casework_auditevent DISABLE TRIGGER ALL", "must be owner")
    refused("DROP TRIGGER casework_auditevent_no_truncate ON casework_auditevent",
            "must be owner")
    assert AuditEvent.objects.filter(case=case).count() == case.version


def test_the_check_warns_when_the_application_connects_as_a_superuser(db):
    facts = role_facts()
    assert facts.superuser  # the tests' postgres role
    assert [m.id for m in role_warnings(facts)] == ["casework.W001"]
    assert [m.id for m in check_database_role()] == ["casework.W001"]


def test_the_check_warns_when_the_role_owns_a_history_table(db, as_role):
    owner = f"casework_owner_{SUFFIX}"
    execute(f"CREATE ROLE {owner} NOLOGIN NOSUPERUSER")
    execute(f"ALTER TABLE casework_recordevent OWNER TO {owner}")
    as_role(owner)
    facts = role_facts()
    assert (facts.superuser, facts.owned) == (False, ("casework_recordevent",))
    [warning] = role_warnings(facts)
    assert warning.id == "casework.W002" and "casework_recordevent" in warning.msg
    # and, as the owner, it could indeed switch the guard off
    execute("ALTER TABLE casework_recordevent DISABLE TRIGGER casework_recordevent_no_truncate")
    assert "casework_recordevent_no_truncate" in [
        m.msg for m in role_warnings(role_facts()) if m.id == "casework.W003"][0]


def test_every_history_guard_is_in_place_after_migrate(db):
    facts = role_facts()
    assert facts.tables == frozenset(HISTORY_TABLES)
    assert {m.id for m in role_warnings(facts)} == {"casework.W001"}  # nothing missing
