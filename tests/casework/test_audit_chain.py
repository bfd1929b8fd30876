"""The case history as evidence: every event chained, tampering of every kind detected.

Tampering is done directly in SQL (on PostgreSQL with the append-only triggers
switched off for the session, as an intruder with the database owner's rights would),
then ``verify_case``, ``verify_all``, ``manage.py verify_audit`` and the API must
name the first broken event.
"""

import base64
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from rest_framework.test import APIClient

from casework.history import chain
from casework.history.verification import seal_checkpoint, verify_all, verify_case
from casework.models import AuditCheckpoint, AuditEvent, Case
from tests.workflows.test_lifecycle import approve, submit

PG = connection.vendor == "postgresql"


def tamper(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        if PG:
            cursor.execute("SET session_replication_role = replica")  # triggers off
        cursor.execute(sql, params)
        if PG:
            cursor.execute("SET session_replication_role = DEFAULT")


@pytest.fixture
def granted(programs, family_home, staff):
    """A medical-discount case through to the grant: a history of several events."""
    case = submit(programs, family_home, "medical_discount")
    approve(staff["village"], case)
    approve(staff["township"], case)
    case.refresh_from_db()
    assert case.version >= 5
    return case


def events(case):
    return list(AuditEvent.objects.filter(case=case).order_by("seq"))


def broken_at(case):
    case.refresh_from_db()
    report = verify_case(case)
    return report.broken.seq if report.broken else None


def test_every_event_is_linked_to_the_one_before(granted):
    history = events(granted)
    assert history[0].prev_hash == chain.GENESIS
    for before, after in zip(history, history[1:], strict=False):
        assert after.prev_hash == before.hash and len(after.hash) == 64
    assert granted.audit_head == history[-1].hash
    report = verify_case(granted)
    assert report.intact and report.events == len(history)
    assert verify_all().intact


def test_an_edited_event_is_detected(granted):
    tamper("UPDATE casework_auditevent SET detail = %s WHERE case_id = %s AND seq = 3",
           ['{"forged": true}', granted.pk])
    assert broken_at(granted) == 3
    assert "edited" in verify_case(granted).broken.reason


def test_an_edited_actor_or_time_is_detected(granted):
    first = events(granted)[0]
    assert first.actor_id is not None  # the family submitted it
    tamper("UPDATE casework_auditevent SET actor_id = NULL WHERE case_id = %s AND seq = 1",
           [granted.pk])
    assert broken_at(granted) == 1
    tamper("UPDATE casework_auditevent SET actor_id = %s, at = %s WHERE case_id = %s "
           "AND seq = 1", [first.actor_id, first.at.replace(microsecond=0), granted.pk])
    assert broken_at(granted) == 1


def test_a_deleted_event_is_detected(granted):
    tamper("DELETE FROM casework_auditevent WHERE case_id = %s AND seq = 2", [granted.pk])
    assert broken_at(granted) == 2


def test_reordered_events_are_detected(granted):
    tamper("UPDATE casework_auditevent SET seq = 1000 WHERE case_id = %s AND seq = 2",
           [granted.pk])
    tamper("UPDATE casework_auditevent SET seq = 2 WHERE case_id = %s AND seq = 3",
           [granted.pk])
    tamper("UPDATE casework_auditevent SET seq = 3 WHERE case_id = %s AND seq = 1000",
           [granted.pk])
    assert broken_at(granted) == 2


def test_an_inserted_event_is_detected_even_with_a_correct_own_hash(granted):
    history = events(granted)
    tamper("UPDATE casework_auditevent SET seq = seq + 1000 WHERE case_id = %s AND seq >= 3",
           [granted.pk])
    tamper("UPDATE casework_auditevent SET seq = seq - 999 WHERE case_id = %s AND seq > 1000",
           [granted.pk])
    forged = dict(case_id=granted.pk, seq=3, at=history[1].at, actor_id=None,
                  action="approved", from_status="", to_status="", detail={},
                  prev_hash=history[1].hash)
    tamper("INSERT INTO casework_auditevent (case_id, seq, at, actor_id, action, from_status, "
           "to_status, detail, prev_hash, hash) VALUES (%s, 3, %s, NULL, 'approved', '', '', "
           "'{}', %s, %s)", [granted.pk, history[1].at, history[1].hash,
                             chain.event_hash(**forged)])
    assert broken_at(granted) == 4  # the forged event links; the next one no longer does


def test_a_removed_tail_is_detected_by_the_case_row(granted):
    tamper("DELETE FROM casework_auditevent WHERE case_id = %s AND seq = %s",
           [granted.pk, granted.version])
    assert broken_at(granted) == granted.version


def test_a_consistently_rehashed_history_is_caught_by_the_signed_checkpoint(granted):
    seal_checkpoint()
    history = events(granted)
    prev = chain.GENESIS
    for event in history:  # rewrite event 2 and recompute every later hash and the head
        detail = {"rewritten": True} if event.seq == 2 else event.detail
        digest = chain.event_hash(case_id=granted.pk, seq=event.seq, at=event.at,
                                  actor_id=event.actor_id, action=event.action,
                                  from_status=event.from_status, to_status=event.to_status,
                                  detail=detail, prev_hash=prev)
        tamper("UPDATE casework_auditevent SET detail = %s, prev_hash = %s, hash = %s "
               "WHERE id = %s", [__import__("json").dumps(detail), prev, digest, event.pk])
        prev = digest
    Case.objects.filter(pk=granted.pk).update(audit_head=prev)
    granted.refresh_from_db()
    assert chain.verify_chain(chain.Event(*row) for row in AuditEvent.objects.filter(
        case=granted).order_by("seq").values_list(
        "case_id", "seq", "at", "actor_id", "action", "from_status", "to_status", "detail",
        "prev_hash", "hash"))[1] is None  # without the checkpoint it would pass
    report = verify_case(granted)
    assert not report.intact and "checkpoint" in report.broken.reason


def test_a_forged_checkpoint_is_reported(granted):
    checkpoint = seal_checkpoint()
    leaves = [[case_id, seq, "0" * 64] for case_id, seq, _ in checkpoint.leaves]
    root = chain.merkle_root([chain.leaf_bytes(*leaf) for leaf in leaves])
    tamper("UPDATE casework_auditcheckpoint SET leaves = %s, root = %s WHERE id = %s",
           [__import__("json").dumps(leaves), root, checkpoint.pk])
    report = verify_all()
    assert not report.intact
    assert report.bad_checkpoints == [f"checkpoint {checkpoint.pk}: signature does not verify"]


def test_a_checkpoint_signed_with_another_key_is_refused(granted, settings):
    settings.AUDIT_SIGNING_KEY = base64.b64encode(b"x" * 32).decode()
    seal_checkpoint()
    settings.AUDIT_SIGNING_KEY = base64.b64encode(b"y" * 32).decode()
    assert "signature" in verify_all().bad_checkpoints[0]


def test_verify_audit_command_reports_intact_or_the_first_broken_event(granted):
    out = StringIO()
    call_command("verify_audit", "--no-progress", "--seal", stdout=out)
    assert "intact" in out.getvalue() and AuditCheckpoint.objects.count() == 1
    tamper("UPDATE casework_auditevent SET action = 'rejected' WHERE case_id = %s AND seq = 4",
           [granted.pk])
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_audit", "--no-progress", stdout=out)
    assert f"BROKEN case {granted.pk} at event 4" in out.getvalue()
    with pytest.raises(CommandError, match="broken at event 4"):
        call_command("verify_audit", "--case", str(granted.pk))


def test_the_api_reports_the_chain_status(granted, staff):
    client = APIClient()
    client.force_authenticate(staff["auditor"])
    body = client.get(f"/api/v1/cases/{granted.pk}/verify/").json()
    assert body["intact"] is True and body["events"] == granted.version
    tamper("DELETE FROM casework_auditevent WHERE case_id = %s AND seq = 2", [granted.pk])
    body = client.get(f"/api/v1/cases/{granted.pk}/verify/").json()
    assert body["intact"] is False and body["first_broken"]["seq"] == 2
    outsider = APIClient()
    outsider.force_authenticate(staff["village_other"])
    assert outsider.get(f"/api/v1/cases/{granted.pk}/verify/").status_code == 404


@pytest.mark.requires_postgres("the append-only trigger is PostgreSQL's")
def test_postgresql_refuses_to_change_or_delete_history(granted):
    for sql in ("UPDATE casework_auditevent SET action = 'x' WHERE case_id = %s",
                "DELETE FROM casework_auditevent WHERE case_id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, [granted.pk])
    assert verify_case(granted).intact
