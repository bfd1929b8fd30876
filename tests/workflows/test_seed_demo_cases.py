"""seed_demo_cases: the demo's applications, filed and moved on through the real services."""

import io

import pytest
from django.core.management import call_command

from casework import demo
from casework.history.verification import verify_all
from casework.models import Case, CaseStatus, Entitlement
from workflows.models import Appeal

pytestmark = pytest.mark.django_db


def run() -> str:
    out = io.StringIO()
    call_command("seed_demo_cases", stdout=out)
    return out.getvalue()


def test_the_demo_has_a_case_in_each_state_and_a_second_run_adds_none():
    demo.seed_demo(households=10)
    assert "6 cases filed" in run()
    statuses = sorted(Case.objects.values_list("status", flat=True))
    assert statuses == sorted([CaseStatus.APPROVED, CaseStatus.RETURNED,
                               CaseStatus.PUBLIC_NOTICE, CaseStatus.APPEAL,
                               CaseStatus.VILLAGE_REVIEW, CaseStatus.VILLAGE_REVIEW])
    assert Entitlement.objects.get().case.status == CaseStatus.APPROVED
    assert Appeal.objects.get().outcome == Appeal.Outcome.PENDING
    assert verify_all().intact
    assert "nothing to do" in run()
    assert Case.objects.count() == 6


def test_without_the_demo_accounts_it_says_so_and_files_nothing():
    err = io.StringIO()
    call_command("seed_demo_cases", stdout=io.StringIO(), stderr=err)
    assert "run seed_demo first" in err.getvalue()
    assert not Case.objects.exists()
