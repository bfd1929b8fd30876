"""Welfare grants are paid from the welfare-fund ledger (``casework.fund``): a grant the
district's fund cannot cover is refused, and grants approved at once never overspend it."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from viewflow.workflow.models import Task

from casework.errors import CaseConflict
from casework.fund import services as fund
from casework.fund.models import FundEntry
from casework.models import CaseStatus, Entitlement
from tests import factories as f
from tests.test_concurrency_pg import race
from workflows.applications import services
from workflows.tasks import fire_due_timers


def _fund(staff, yuan):
    """This year's income in the district's welfare fund: what grants may spend."""
    fund.book_entry(actor=staff["district"], kind=FundEntry.Kind.ALLOCATION,
                    amount_yuan=Decimal(yuan), booked_on=timezone.localdate(),
                    counterparty="区财政局")


def _hardship_home(village, n):
    household = f.household(village, hardship=True, annual_income_yuan=8000)
    head = f.person(household, name=f"困难户{n}", birth=date(1970, 1, 1) + timedelta(days=n))
    user = f.user("family", village, household=household)
    return household, head, user


def _to_district(programs, staff, village, n):
    household, head, user = _hardship_home(village, n)
    case = services.submit_application(actor=user, household=household,
                                       program=programs["welfare_grant"], applicant=head)
    for actor in (staff["village"], None, staff["township"]):
        if actor is None:  # the public notice ends
            timer = Task.objects.get(process_id=case.process.pk, flow_task_type="TIMER")
            Task.objects.filter(pk=timer.pk).update(
                scheduled=timezone.now() - timedelta(seconds=1))
            fire_due_timers()
            continue
        task = Task.objects.get(process_id=case.process.pk, flow_task_type="HUMAN",
                                status="NEW")
        services.decide(actor=actor, task_id=task.pk, decision="approve")
    case.refresh_from_db()
    assert case.status == CaseStatus.DISTRICT_REVIEW
    return case


def _district_task(case):
    return Task.objects.get(process_id=case.process.pk, flow_task_type="HUMAN",
                            status="NEW").pk


def test_a_grant_the_budget_cannot_cover_is_refused(programs, areas, staff):
    _fund(staff, 4000)  # room for one 3000-yuan grant
    first = _to_district(programs, staff, areas["v11"], 1)
    second = _to_district(programs, staff, areas["v11"], 2)
    services.decide(actor=staff["district"], task_id=_district_task(first), decision="approve")
    with pytest.raises(CaseConflict) as refused:
        services.decide(actor=staff["district"], task_id=_district_task(second),
                        decision="approve")
    assert refused.value.code == "budget_exhausted"
    assert "1000" in refused.value.message  # what is left is said
    second.refresh_from_db()
    assert second.status == CaseStatus.DISTRICT_REVIEW  # nothing half-done
    assert not second.decisions.filter(step="district_review").exists()
    assert Entitlement.objects.filter(program=programs["welfare_grant"]).count() == 1
    (grant,) = FundEntry.objects.filter(kind=FundEntry.Kind.GRANT)
    assert (grant.case_id, grant.amount_yuan) == (first.pk, Decimal("3000.00"))
    assert fund.available(timezone.localdate().year) == Decimal("1000.00")


@pytest.mark.requires_postgres("row-lock races need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_grants_approved_at_the_same_moment_never_overspend(programs, areas, staff):
    _fund(staff, 4000)
    cases = [_to_district(programs, staff, areas["v11"], n) for n in (11, 12)]
    tasks = [_district_task(c) for c in cases]
    district = staff["district"]
    results = race(*[
        (lambda t=t: services.decide(actor=district, task_id=t, decision="approve"))
        for t in tasks])
    outcomes = sorted(kind for kind, _ in results)
    assert outcomes == ["error", "ok"], results
    error = next(value for kind, value in results if kind == "error")
    assert isinstance(error, CaseConflict) and error.code == "budget_exhausted"
    total = sum(e.amount_yuan for e in Entitlement.objects.filter(
        program=programs["welfare_grant"]))
    assert total <= 4000
    assert FundEntry.objects.filter(kind=FundEntry.Kind.GRANT).count() == 1
    assert fund.available(timezone.localdate().year) == Decimal("1000.00")
    connection.close()

