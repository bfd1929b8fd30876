"""The rows agree with real histories of every kind, and say so when they stop agreeing.

``casework.history.reconciliation`` compares a case's rows with its verified history. Here each
kind of history the services write (an appeal dismissed, an entitlement renewed by the
year's re-certification, flagged and ended by the village's review, ended by the daily
sweep, personal data purged) verifies intact as written, and a change to the row the
history describes is reported with the event it contradicts.
"""

from datetime import UTC, date, datetime

import pytest
from django.utils import timezone

from casework.history import chain
from casework.history.reconciliation import CaseRows, load_rows, reconcile
from casework.history.verification import verify_all, verify_case
from casework.models import Case, Entitlement, EntitlementRenewal
from tests.appeals.helpers import decide, decide_appeal, lodge, submit
from tests.workflows.test_second_year import walk_to_grant
from workflows.entitlements import end_expired_entitlements
from workflows.models import Appeal, Recertification
from workflows.recertification.flow import decide_review, recertify

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("welfare_fund")]


def disagreements(case):
    report = verify_case(Case.objects.get(pk=case.pk))
    assert report.broken is None, report.broken
    return [(d.what, d.expected, d.found) for d in report.disagreements]


def test_an_appeal_dismissed(programs, family_home, staff):
    case = decide(staff["village"], submit(programs, family_home, "medical_discount"),
                  "reject", "家庭情况与申报不符")
    appeal = lodge(family_home["user"], case)
    decide_appeal(staff["township"], appeal, "dismiss", reason="维持原决定")
    assert disagreements(case) == []
    Appeal.objects.filter(pk=appeal.pk).update(outcome=Appeal.Outcome.UPHELD, reason="改判")
    assert disagreements(case) == [
        (f"appeal {appeal.pk}: outcome", "dismissed", "upheld"),
        (f"appeal {appeal.pk}: reason", "维持原决定", "改判"),
    ]


def test_a_renewal_by_the_years_recertification(programs, family_home, staff):
    case = walk_to_grant(programs, family_home, "pension_subsidy", staff)
    entitlement = Entitlement.objects.get(case=case)
    # granted this year to 31 December: next year's re-certification renews it
    assert recertify(year=timezone.localdate().year + 1).renewed == 1
    assert disagreements(case) == []
    renewal = EntitlementRenewal.objects.get(entitlement=entitlement)
    later = date(renewal.valid_to.year + 5, 12, 31)
    EntitlementRenewal.objects.filter(pk=renewal.pk).update(valid_to=later)
    Entitlement.objects.filter(pk=entitlement.pk).update(valid_to=later)
    assert disagreements(case) == [
        (f"entitlement {entitlement.number}: renewal 1: valid_to",
         renewal.valid_to.isoformat(), later.isoformat()),
        (f"entitlement {entitlement.number}: valid to", renewal.valid_to.isoformat(),
         later.isoformat()),
    ]


def test_an_entitlement_flagged_and_ended_by_the_village(programs, family_home, staff):
    case = walk_to_grant(programs, family_home, "pension_subsidy", staff)
    applicant = family_home["applicant"]
    applicant.pension_insured = False  # the year's re-check fails
    applicant.save()
    assert recertify(year=timezone.localdate().year + 1).flagged == 1
    review = Recertification.objects.get(case=case)
    assert disagreements(case) == []  # pending, as the history says
    task = review.process.task_set.get(flow_task_type="HUMAN")
    decide_review(actor=staff["village"], task_id=task.pk, decision="end",
                  reason="已不再参保")
    assert disagreements(case) == []
    entitlement = Entitlement.objects.get(case=case)
    Entitlement.objects.filter(pk=entitlement.pk).update(state="live", end_reason="")
    Recertification.objects.filter(pk=review.pk).update(outcome="continued")
    assert disagreements(case) == [
        (f"entitlement {entitlement.number}: state", "ended", "live"),
        (f"entitlement {entitlement.number}: why it ended", "recertification", ""),
        (f"re-certification {review.pk}: outcome", "ended", "continued"),
    ]


def test_an_entitlement_ended_by_the_daily_sweep(programs, family_home, staff):
    case = walk_to_grant(programs, family_home, "health_check", staff)
    year = timezone.localdate().year
    assert end_expired_entitlements(today=date(year + 1, 1, 10)) == 1
    assert disagreements(case) == []
    assert verify_all().intact


def test_every_history_together_streams_intact(programs, family_home, staff):
    """``verify_all`` hands each case its own rows while streaming them all at once."""
    rejected = decide(staff["village"], submit(programs, family_home, "medical_discount"),
                      "reject", "不符合条件")
    decide_appeal(staff["township"], lodge(family_home["user"], rejected), "dismiss",
                  reason="维持")
    walk_to_grant(programs, family_home, "pension_subsidy", staff)
    assert recertify(year=timezone.localdate().year + 1).renewed == 1
    report = verify_all()
    assert report.intact and report.cases == 2
    assert [rows.case_id for rows in load_rows()] == sorted(
        Case.objects.values_list("pk", flat=True))


# --- the comparisons on their own --------------------------------------------------------

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def events(*steps):
    out, prev = [], chain.GENESIS
    for seq, (action, to_status, detail) in enumerate(steps, start=1):
        fields = dict(case_id=1, seq=seq, at=T0, actor_id=None, action=action,
                      from_status="", to_status=to_status, detail=detail, prev_hash=prev)
        prev = chain.event_hash(**fields)
        out.append(chain.Event(**fields, hash=prev))
    return out


def rows(**changes):
    values = dict(case_id=1, version=2, audit_head="", status="rejected",
                  program="medical_discount", on_behalf=False, eligible=True,
                  rule_version="r1", purged_at=None)
    return CaseRows(**{**values, **changes})


HISTORY = events(
    ("submitted", "submitted", {"program": "medical_discount", "on_behalf": False}),
    ("eligibility_precheck", "submitted", {"eligible": True, "rule_version": "r1"}),
    ("rejected", "rejected", {"reason": "x"}),
)


def test_purged_personal_data_must_be_in_the_history():
    assert reconcile(rows(), HISTORY) == []
    purged = reconcile(rows(purged_at=T0), HISTORY)
    assert [(d.seq, d.what, d.expected) for d in purged] == [
        (None, "personal data purged", "no")]
    with_event = [*HISTORY, *events(("x", "", {}), ("x", "", {}), ("x", "", {}),
                                    ("personal_data_purged", "rejected", {}))[3:]]
    with_event[-1] = with_event[-1]._replace(seq=4)
    assert [d.what for d in reconcile(rows(), with_event)] == ["personal data purged"]
    assert reconcile(rows(purged_at=T0), with_event) == []


def test_submission_and_precheck_must_match_the_case_row():
    found = reconcile(rows(program="welfare_grant", on_behalf=True, eligible=False,
                           rule_version="r2"), HISTORY)
    assert [(d.seq, d.what) for d in found] == [
        (1, "program"), (1, "filed on the family's behalf"), (2, "pre-check eligible"),
        (2, "pre-check rule version")]


def test_older_events_are_compared_only_on_what_they_carry():
    bare = events(("submitted", "submitted", {}), ("decision_reject", "submitted", {}),
                  ("rejected", "rejected", {}))
    from casework.history.reconciliation import DecisionRow

    row = DecisionRow(1, "village_review", "reject", "any reason", None)
    assert reconcile(rows(decisions=[row]), bare) == []
