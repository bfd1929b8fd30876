"""Issue 12.3: no window in which the history can be rewritten unnoticed.

The probe: a case created after the newest signed checkpoint had its rejection reason
rewritten, in its history and in its row, every hash recomputed consistently and the
case row's head moved along; ``verify_audit --case`` and ``/cases/{id}/verify/`` said
intact. Now each transaction seals (signs) the head it writes, so the rewrite fails
without the key; and the rows are compared with the history, so a rewritten row, or a
history cut back to an earlier sealed head, is reported too.

Tampering is done as ``test_audit_chain`` does it: in SQL, on PostgreSQL with the
append-only triggers switched off for the session (what a superuser or the tables'
owner could do; the application's role cannot, see ``test_history_guards_pg``).
"""

import importlib
import json
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from casework.history import audit_key, chain
from casework.history.verification import EVENT_COLUMNS, seal_checkpoint, verify_all, verify_case
from casework.models import AuditCheckpoint, AuditEvent, Case, Decision, Entitlement
from tests import factories as f
from tests.casework.test_audit_chain import granted, tamper  # noqa: F401  (a fixture)
from tests.workflows.test_lifecycle import open_task, submit
from workflows.applications import services

REASON = "家庭年收入超过当地标准"
FORGED = "申请材料不齐全"


def reject(programs, home, staff, reason=REASON):
    """A medical-discount case rejected at village review, with ``reason``."""
    case = submit(programs, home, "medical_discount")
    services.decide(actor=staff["village"], task_id=open_task(case).pk, decision="reject",
                    reason=reason)
    case.refresh_from_db()
    assert case.status == "rejected"
    return case


def history(case):
    return list(AuditEvent.objects.filter(case=case).order_by("seq"))


def stored_chain(case):
    return [chain.Event(*row) for row in AuditEvent.objects.filter(case=case)
            .order_by("seq").values_list(*EVENT_COLUMNS)]


def rehash(case, rewrite, *, drop_seals=False):
    """The probe's rewrite: ``rewrite(event)`` gives each event's new detail; every hash
    from the first change on is recomputed, and the case row's head follows."""
    prev = chain.GENESIS
    for event in history(case):
        detail = rewrite(event)
        digest = chain.event_hash(case_id=case.pk, seq=event.seq, at=event.at,
                                  actor_id=event.actor_id, action=event.action,
                                  from_status=event.from_status, to_status=event.to_status,
                                  detail=detail, prev_hash=prev)
        if digest != event.hash or drop_seals:
            tamper("UPDATE casework_auditevent SET detail = %s, prev_hash = %s, hash = %s, "
                   "seal = %s WHERE id = %s",
                   [json.dumps(detail), prev, digest, "" if drop_seals else event.seal,
                    event.pk])
        prev = digest
    Case.objects.filter(pk=case.pk).update(audit_head=prev)


def forge_reason(event):
    if event.action in ("decision_reject", "rejected"):
        return {**event.detail, "reason": FORGED}
    return event.detail


# --- the probe ---------------------------------------------------------------------------

def test_the_probe_a_rejection_reason_rewritten_and_rehashed_is_detected(programs,
                                                                         family_home, staff):
    seal_checkpoint()  # the newest checkpoint: before the case existed
    case = reject(programs, family_home, staff)
    decision_seq = next(e.seq for e in history(case) if e.action == "decision_reject")
    rehash(case, forge_reason)
    Decision.objects.filter(case=case).update(reason=FORGED)
    case.refresh_from_db()
    # what the verification saw before: links, hashes, the case row's head all agree
    assert chain.verify_chain(stored_chain(case), head=(case.version, case.audit_head)) == (
        case.version, None)

    report = verify_case(case)
    assert not report.intact
    assert report.broken.seq == decision_seq  # where the rewrite began
    assert "seal" in report.broken.reason and "without the signing key" in report.broken.reason

    assert [c.case_id for c in verify_all().broken] == [case.pk]
    with pytest.raises(CommandError, match=f"broken at event {decision_seq}"):
        call_command("verify_audit", "--case", str(case.pk))
    client = APIClient()
    client.force_authenticate(staff["auditor"])
    body = client.get(f"/api/v1/cases/{case.pk}/verify/").json()
    assert body["intact"] is False and body["first_broken"]["seq"] == decision_seq


def test_dropping_the_seals_does_not_pass_for_an_old_history(programs, family_home, staff):
    """Blanking every seal makes the rewritten case look written before seals existed:
    such a head verifies only if the newest signed checkpoint holds it."""
    seal_checkpoint()
    case = reject(programs, family_home, staff)
    rehash(case, forge_reason, drop_seals=True)
    Decision.objects.filter(case=case).update(reason=FORGED)
    report = verify_case(Case.objects.get(pk=case.pk))
    assert not report.intact
    assert report.broken.seq == case.version
    assert "neither sealed nor covered by a signed checkpoint" in report.broken.reason


def test_each_transaction_seals_the_head_it_writes(programs, family_home, staff):
    case = reject(programs, family_home, staff)
    events = history(case)
    public_key = audit_key.public_key()
    sealed = [e.seq for e in events if e.seal]
    # submission (its events up to entering village review) and the rejection: two
    # transactions, two heads
    assert sealed == [events[-1].seq - 2, events[-1].seq]
    for event in events:
        if event.seal:
            assert chain.signature_valid(
                public_key, chain.seal_message(case.pk, event.seq, event.hash), event.seal)
    report = verify_case(case)
    assert report.intact and report.head_sealed_by == "signature"
    assert report.as_dict()["disagreements"] == []


def test_sealing_adds_no_statement(programs, family_home, staff):
    """The seal is computed in Python before the INSERT that writes the events: a
    decision still writes its events with one statement on the history table (on
    PostgreSQL the one that writes all the unit's new rows, ``combined_insert``)."""
    case = submit(programs, family_home, "medical_discount")
    with CaptureQueriesContext(connection) as ctx:
        services.decide(actor=staff["village"], task_id=open_task(case).pk,
                        decision="approve")
    on_history = [q["sql"] for q in ctx.captured_queries if "casework_auditevent" in q["sql"]]
    assert len(on_history) == 1
    assert on_history[0].startswith(("INSERT", "WITH i0 AS (INSERT"))
    assert on_history[0].count('INSERT INTO "casework_auditevent"') == 1


# --- rows against the history ------------------------------------------------------------

def test_a_rewritten_decision_reason_in_the_row_alone_is_reported(programs, family_home,
                                                                 staff):
    case = reject(programs, family_home, staff)
    decision_seq = next(e.seq for e in history(case) if e.action == "decision_reject")
    Decision.objects.filter(case=case).update(reason=FORGED)
    report = verify_case(case)
    assert report.broken is None and not report.intact
    assert [(d.seq, d.what, d.expected, d.found) for d in report.disagreements] == [
        (decision_seq, "decision 1: reason", REASON, FORGED)]

    out = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_audit", "--no-progress", stdout=out)
    assert (f"BROKEN case {case.pk}: decision 1: reason (event {decision_seq}): history says "
            f"'{REASON}', row has '{FORGED}'") in out.getvalue()
    client = APIClient()
    client.force_authenticate(staff["auditor"])
    body = client.get(f"/api/v1/cases/{case.pk}/verify/").json()
    assert body["intact"] is False and body["first_broken"] is None
    assert body["disagreements"] == [{"seq": decision_seq, "what": "decision 1: reason",
                                      "expected": REASON, "found": FORGED}]


def test_a_rewritten_status_and_entitlement_are_reported(granted):  # noqa: F811
    last = history(granted)[-1]
    assert (last.action, last.to_status) == ("granted", "approved")
    Case.objects.filter(pk=granted.pk).update(status="rejected")
    Entitlement.objects.filter(case=granted).update(amount_yuan=Decimal("99999.00"))
    found = {(d.seq, d.what, d.expected, d.found)
             for d in verify_case(granted).disagreements}
    entitlement = Entitlement.objects.get(case=granted)
    assert found == {
        (last.seq, "case status", "approved", "rejected"),
        (last.seq, "entitlement amount (yuan)", str(Decimal(last.detail["amount_yuan"])),
         "99999.00"),
    }
    assert entitlement.number == last.detail["entitlement"]


def test_an_entitlement_without_its_grant_is_reported(programs, family_home, staff):
    case = reject(programs, family_home, staff)
    tamper("INSERT INTO casework_entitlement (case_id, household_id, person_id, program_id, "
           "unit_key, area_id, number, amount_yuan, valid_from, valid_to, state, issued_at, "
           "end_reason) VALUES (%s, %s, %s, %s, %s, %s, 'FORGED-1', 0, %s, %s, 'live', %s, '')",
           [case.pk, case.household_id, case.applicant_id, case.program_id, "forged-unit",
            case.area_id, case.application_date, case.application_date, case.submitted_at])
    report = verify_case(case)
    assert [(d.seq, d.what, d.found) for d in report.disagreements] == [
        (None, "entitlement", "FORGED-1")]


def test_a_history_cut_back_to_an_earlier_sealed_head_is_reported_by_the_rows(
        granted):  # noqa: F811
    """The newest transaction's events deleted and the case row's version and head rolled
    back with them: the shorter chain is whole and its head was sealed when it was
    written, but the rows still say what the removed events did."""
    events = history(granted)
    keep = max(e.seq for e in events[:-1] if e.seal)  # the previous transaction's head
    tamper("DELETE FROM casework_auditevent WHERE case_id = %s AND seq > %s",
           [granted.pk, keep])
    head = next(e for e in events if e.seq == keep)
    Case.objects.filter(pk=granted.pk).update(version=keep, audit_head=head.hash)
    granted.refresh_from_db()
    report = verify_case(granted)
    assert report.broken is None and report.head_sealed_by == "signature"
    whats = {d.what for d in report.disagreements}
    assert "case status" in whats and "entitlement" in whats
    assert next(d for d in report.disagreements if d.what == "case status") == (
        keep, "case status", head.to_status, "approved")
    assert verify_all().broken[0].disagreements == report.disagreements


# --- events written before seals --------------------------------------------------------

def test_an_unsealed_head_verifies_only_while_the_newest_checkpoint_holds_it(
        programs, family_home, staff):
    case = reject(programs, family_home, staff)
    tamper("UPDATE casework_auditevent SET seal = '' WHERE case_id = %s", [case.pk])
    assert "neither sealed" in verify_case(case).broken.reason
    seal_checkpoint()
    report = verify_case(case)
    assert report.intact and report.head_sealed_by == "checkpoint"
    assert verify_all().intact
    # a rewrite under a checkpoint's cover still differs from what it sealed
    rehash(case, forge_reason)
    assert "checkpoint" in verify_case(Case.objects.get(pk=case.pk)).broken.reason


def test_the_migration_seals_the_heads_written_before_it(programs, family_home, staff):
    case = reject(programs, family_home, staff)
    tamper("UPDATE casework_auditevent SET seal = '' WHERE case_id = %s", [case.pk])
    migration = importlib.import_module("casework.migrations.0019_audit_seal_history_guards")
    migration.seal_existing_heads(apps, None)
    checkpoint = AuditCheckpoint.objects.get()
    assert checkpoint.leaves == [[case.pk, case.version, case.audit_head]]
    report = verify_case(case)
    assert report.intact and report.head_sealed_by == "checkpoint"
    assert f"case {case.pk}: intact ({case.version} events, head sealed by checkpoint)" in (
        _command_output("--case", str(case.pk)))


def _command_output(*args):
    out = StringIO()
    call_command("verify_audit", *args, stdout=out)
    return out.getvalue()


# --- the auditor's pages ---------------------------------------------------------------

def test_the_auditors_pages_show_a_rewrite_without_a_checkpoint_and_a_disagreeing_row(
        client, programs, family_home, staff):
    rewritten = reject(programs, family_home, staff)
    rehash(rewritten, forge_reason)
    client.force_login(staff["auditor"])
    rows = client.get("/workflow/auditor/", {"case": rewritten.pk}).context["rows"]
    assert {row.chain.intact for row in rows} == {False}
    assert "without the signing key" in rows[0].chain.reason
    page = client.get(f"/workflow/auditor/cases/{rewritten.pk}/")
    assert not page.context["chain"].intact

    other = reject(programs, {**family_home, "applicant": _second_applicant(family_home)},
                   staff)
    Decision.objects.filter(case=other).update(reason=FORGED)
    page = client.get(f"/workflow/auditor/cases/{other.pk}/")
    assert page.context["chain"].intact  # the history itself holds
    [line] = page.context["disagreements"]
    assert "decision 1: reason" in line and FORGED in line
    assert "wf-row-disagreements" in page.content.decode()


def _second_applicant(home):
    return f.person(home["household"], name="王小妹", birth=date(1958, 2, 3), sex="F",
                    relationship="sibling")
