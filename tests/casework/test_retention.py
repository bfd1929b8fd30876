"""Retention: withdrawn and rejected cases lose their personal data after the program's
``retention_years``; their history stays verifiable."""

from datetime import date, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from viewflow.workflow.models import Task

from casework.history.verification import seal_checkpoint, verify_all, verify_case
from casework.models import (
    AuditEvent,
    Case,
    CaseStatus,
    Document,
    Household,
    Objection,
    OutboxMessage,
    Person,
)
from casework.privacy.retention import due_cases, purge_case, purge_due
from eligibility.models import PolicyParameter
from tests import factories as f
from workflows.applications import services

TODAY = date(2026, 1, 1)
STATEMENT = "儿子去年去世，家里只靠低保生活。"
OBJECTION = ("邻居张三", "他家在城里有房子出租。")
DESCRIPTION = "王大爷的住院病历"


def closed_on(day: date):
    return timezone.make_aware(datetime(day.year, day.month, day.day, 15, 30))


def _open_task(case):
    return Task.objects.get(process_id=case.process.pk, flow_task_type="HUMAN",
                            status__in=("NEW", "ASSIGNED", "STARTED"))


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def withdrawn(programs, family_home, staff, media):
    """A pension-subsidy case that went through the process: a statement, a document,
    the village's approval, an objection in the public notice, then withdrawn; closed on
    1 June 2020 (the history itself was written today)."""
    family = family_home["user"]
    case = services.submit_application(
        actor=family, household=family_home["household"], program=programs["pension_subsidy"],
        applicant=family_home["applicant"], statement=STATEMENT)
    services.add_document(actor=family, case=case, kind="medical_record",
                          description=DESCRIPTION,
                          file=SimpleUploadedFile("wang-dafu-record.png", b"\x89PNG private"))
    services.decide(actor=staff["village"], task_id=_open_task(case).pk, decision="approve")
    case = Case.objects.get(pk=case.pk)
    assert case.status == CaseStatus.PUBLIC_NOTICE
    services.lodge_objection(actor=staff["village"], case=case, lodged_by_name=OBJECTION[0],
                             text=OBJECTION[1])
    services.withdraw(actor=family, case=Case.objects.get(pk=case.pk), reason="不需要了")
    Case.objects.filter(pk=case.pk).update(closed_at=closed_on(date(2020, 6, 1)))
    return Case.objects.get(pk=case.pk)


def _history(case):
    return list(AuditEvent.objects.filter(case=case).order_by("seq")
                .values_list("seq", "action", "detail", "hash"))


def _row(case):
    case = Case.objects.get(pk=case.pk)
    return (case.statement, case.facts, case.eligibility, case.purged_at, case.version,
            case.audit_head)


def test_a_withdrawn_case_past_retention_is_purged_and_its_history_verifies(withdrawn, media):
    case = withdrawn
    document = Document.objects.get(case=case)
    stored = media / document.file.name
    assert stored.exists()
    assert case.statement == STATEMENT and case.facts["applicant"]["birth_date"] == "1955-04-02"
    assert any(c.get("values") for c in case.eligibility["criteria"])
    sms = OutboxMessage.objects.filter(case=case, channel="sms")
    # SMS rows name the person, not the number (no phone number in clear at rest)
    assert sms.exists() and set(sms.values_list("recipient", flat=True)) == {
        f"person:{case.applicant_id}"}
    seal_checkpoint()  # a signed checkpoint already covers the history
    before = _history(case)
    assert verify_case(case).intact

    report = purge_due(today=TODAY)

    assert [due.case_id for due, _ in report.purged] == [case.pk]
    due, purged = report.purged[0]
    assert (due.retention_years, due.closed_on, due.kept_until) == (
        5, date(2020, 6, 1), date(2025, 6, 1))
    case = Case.objects.get(pk=case.pk)
    assert case.purged_at is not None
    assert case.statement == "" and case.facts == {}
    # the pre-check keeps its outcome, codes and parameters, not the values it quoted
    assert case.eligibility["rule_version"] and case.eligibility["parameters"]["min_age"] == 60
    assert case.eligibility["criteria"] and all(
        set(c) == {"code", "passed"} for c in case.eligibility["criteria"])
    document.refresh_from_db()
    assert document.file.name == "" and document.description == ""
    assert document.kind == "medical_record"  # the row the history names stays
    assert not stored.exists()
    objection = Objection.objects.get(case=case)
    assert objection.lodged_by_name == "" and objection.text == ""
    assert set(sms.values_list("recipient", flat=True)) == {f"person:{case.applicant_id}"}
    assert purged.as_detail() == {"statement": True, "facts": True,
                                  "criteria": purged.criteria, "documents": 1, "files": 1,
                                  "objections": 1, "appeals": 0, "phone_numbers": 0}
    assert purged.criteria > 0

    # the history: every earlier event as it was, one event appended
    after = _history(case)
    assert after[:-1] == before
    seq, action, detail, _hash = after[-1]
    assert (seq, action) == (len(before) + 1, "personal_data_purged")
    assert detail == {"retention_years": 5, "closed_on": "2020-06-01",
                      "removed": purged.as_detail()}
    report = verify_case(case)
    assert report.intact and report.events == len(after)
    assert verify_all().intact

    # the register is not the case's: the family is still there
    assert Person.objects.filter(pk=case.applicant_id, name="王大爷").exists()
    assert Household.objects.filter(pk=case.household_id).exists()


def test_a_granted_case_and_a_recent_rejected_case_are_untouched(programs, family_home):
    head = family_home["applicant"]
    spouse = head.household.members.exclude(pk=head.pk).get()
    granted = f.case(head, programs["medical_discount"], status=CaseStatus.APPROVED)
    recent = f.case(spouse, programs["health_check"], status=CaseStatus.REJECTED)
    old_rejected = f.case(spouse, programs["welfare_grant"], status=CaseStatus.REJECTED)
    for case, closed in ((granted, date(2020, 2, 1)), (recent, date(2025, 3, 1)),
                         (old_rejected, date(2020, 2, 1))):
        Case.objects.filter(pk=case.pk).update(closed_at=closed_on(closed), statement=STATEMENT,
                                               facts={"hardship": True})
    kept = {case.pk: _row(case) for case in (granted, recent)}

    report = purge_due(today=TODAY)

    assert [due.case_id for due, _ in report.purged] == [old_rejected.pk]
    assert {case.pk: _row(case) for case in (granted, recent)} == kept
    # a case written without a process (and so without history) is purged all the same,
    # under its own row's lock, and its history starts with the purge
    old_rejected.refresh_from_db()
    assert old_rejected.statement == "" and old_rejected.facts == {}
    assert [a for _, a, _, _ in _history(old_rejected)] == ["personal_data_purged"]
    assert verify_case(old_rejected).intact


def test_the_retention_period_in_force_on_the_close_date_applies(programs, family_home):
    program = programs["medical_discount"]
    head = family_home["applicant"]
    # 10 years for cases closed from March 2020, then 1 year from 2025 (too late for them)
    PolicyParameter.objects.create(program=program, key="retention_years", value=10,
                                   effective_from=date(2020, 3, 1))
    PolicyParameter.objects.create(program=program, key="retention_years", value=1,
                                   effective_from=date(2025, 1, 1))
    cases = {}
    for closed in (date(2020, 2, 1), date(2020, 6, 1), date(2025, 6, 1), date(2019, 6, 1)):
        case = f.case(head, program, status=CaseStatus.WITHDRAWN)
        Case.objects.filter(pk=case.pk).update(closed_at=closed_on(closed))
        cases[closed] = case.pk

    due = {d.case_id: (d.retention_years, d.kept_until) for d in due_cases(TODAY)}

    assert due == {cases[date(2020, 2, 1)]: (5, date(2025, 2, 1))}
    assert due_cases(date(2026, 6, 2))[-1].case_id == cases[date(2025, 6, 1)]  # 1 year
    # closed before any retention rule was in force (the demo's start in 2020): kept
    report = purge_due(today=date(2040, 1, 1), dry_run=True)
    assert cases[date(2019, 6, 1)] in report.no_rule
    assert cases[date(2019, 6, 1)] not in {d.case_id for d in report.due}


def test_the_last_day_of_the_period_is_kept(programs, family_home):
    case = f.case(family_home["applicant"], programs["health_check"], status="rejected")
    Case.objects.filter(pk=case.pk).update(closed_at=closed_on(date(2020, 6, 1)))
    assert due_cases(date(2025, 6, 1)) == []
    assert [d.case_id for d in due_cases(date(2025, 6, 2))] == [case.pk]


def test_a_dry_run_changes_nothing(withdrawn, media):
    document = Document.objects.get(case=withdrawn)
    before = (_row(withdrawn), _history(withdrawn),
              list(Document.objects.values_list("file", "description")),
              list(Objection.objects.values_list("lodged_by_name", "text")),
              list(OutboxMessage.objects.values_list("recipient", flat=True)))
    out = StringIO()

    call_command("purge_personal_data", "--dry-run", "--today", TODAY.isoformat(), stdout=out)

    assert f"would purge case {withdrawn.pk} (pension_subsidy, withdrawn on 2020-06-01, " \
           f"kept 5 years until 2025-06-01)" in out.getvalue()
    assert "1 cases would be purged" in out.getvalue()
    assert (_row(withdrawn), _history(withdrawn),
            list(Document.objects.values_list("file", "description")),
            list(Objection.objects.values_list("lodged_by_name", "text")),
            list(OutboxMessage.objects.values_list("recipient", flat=True))) == before
    assert Path(media / document.file.name).exists()


def test_purging_twice_changes_nothing_the_second_time(withdrawn):
    out = StringIO()
    call_command("purge_personal_data", "--today", TODAY.isoformat(), stdout=out)
    assert f"purged case {withdrawn.pk}" in out.getvalue() and "1 cases purged" in out.getvalue()
    once = (_row(withdrawn), _history(withdrawn))

    again = StringIO()
    call_command("purge_personal_data", "--today", TODAY.isoformat(), stdout=again)

    assert "0 cases purged" in again.getvalue()
    assert purge_case(withdrawn.pk, today=TODAY) is None
    assert (_row(withdrawn), _history(withdrawn)) == once
    assert verify_case(Case.objects.get(pk=withdrawn.pk)).intact


def test_no_event_detail_of_a_purged_case_holds_its_personal_data(withdrawn):
    """What the history keeps after the purge. The free texts people typed are the risk:
    the statement, the objection, the document's description. (Reasons of decisions
    are in the history by design: see the report of the retention issue.)"""
    purge_due(today=TODAY)
    details = " ".join(str(d) for _, _, d, _ in _history(withdrawn))
    for text in (STATEMENT, *OBJECTION, DESCRIPTION, "13800000000", "1955-04-02"):
        assert text not in details


def test_a_resubmitted_statement_does_not_outlive_the_purge(programs, family_home, staff):
    family = family_home["user"]
    case = services.submit_application(
        actor=family, household=family_home["household"], program=programs["medical_discount"],
        applicant=family_home["applicant"], statement="first")
    services.decide(actor=staff["village"], task_id=_open_task(case).pk, decision="return",
                    reason="请补充材料")
    services.resubmit(actor=family, case=Case.objects.get(pk=case.pk), statement=STATEMENT)
    services.withdraw(actor=family, case=Case.objects.get(pk=case.pk))
    Case.objects.filter(pk=case.pk).update(closed_at=closed_on(date(2020, 6, 1)))

    purge_due(today=TODAY)

    assert Case.objects.get(pk=case.pk).statement == ""
    assert STATEMENT not in " ".join(str(d) for _, _, d, _ in _history(case))


def test_the_grounds_of_an_appeal_are_purged_with_the_case(programs, family_home, staff):
    """A rejection appealed and the appeal dismissed: the family's grounds are personal
    text and go with the rest; the appeal row (who decided, when, the outcome) stays."""
    from workflows.appeals import flow as appeals
    from workflows.models import Appeal

    case = services.submit_application(
        actor=family_home["user"], household=family_home["household"],
        program=programs["medical_discount"], applicant=family_home["applicant"])
    services.decide(actor=staff["village"], task_id=_open_task(case).pk, decision="reject",
                    reason="不符合条件")
    appeal = appeals.lodge_appeal(actor=family_home["user"], case=Case.objects.get(pk=case.pk),
                                  grounds="我家去年收入因病大减，请复核。")
    task = Task.objects.get(process_id=appeal.process_id, flow_task_type="HUMAN")
    appeals.decide_appeal(actor=staff["township"], task_id=task.pk, outcome="dismiss",
                          reason="复核后维持原决定")
    Case.objects.filter(pk=case.pk).update(closed_at=closed_on(date(2020, 6, 1)))

    _, purged = purge_case(case.pk, today=TODAY)

    appeal.refresh_from_db()
    assert purged.by_hooks["appeals"] == 1 and appeal.grounds == ""
    assert appeal.outcome == Appeal.Outcome.DISMISSED and appeal.decided_by == staff["township"]
    assert verify_case(Case.objects.get(pk=case.pk)).intact


def test_features_purge_their_own_rows_through_hooks_casework_never_imports_them():
    """casework reaches no feature's rows: workflows registers what it keeps (an appeal's
    grounds) when it is ready."""
    from casework.privacy import retention
    from casework.privacy.retention import purge_hooks
    from workflows.retention import purge_appeal_grounds

    assert purge_hooks()["appeals"] is purge_appeal_grounds
    source = Path(retention.__file__).read_text(encoding="utf-8")
    assert "workflows" not in "".join(
        line for line in source.splitlines() if line.startswith(("from ", "import ")))
    assert ".appeals" not in source  # no reverse relation into a feature's rows
