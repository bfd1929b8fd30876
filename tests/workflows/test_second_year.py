"""Every benefit into its second year: what renews, what is applied for again, what counts
per couple or household, and what ends at the end of its period.

Last year's grants are written as the register holds them (``tests.factories``), then
this year's machinery runs on them: the year's re-certification renews the programs it
renews (the medical card, the pension subsidy, pairing, project support), the family
applies again for the others (the health check, the welfare grant), and the daily sweep
ends what ran out. Regressions of issue 11: a second year's health check is granted; a
couple gets one pension entitlement; a second welfare grant to the same household is
refused with a reason naming the first.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casework.errors import IneligibleApplication
from casework.models import AuditEvent, CaseStatus, Entitlement, EntitlementRenewal, OutboxMessage
from eligibility.grants import add_years
from tests import factories as f
from tests.workflows.test_lifecycle import (
    approve,
    end_notice,
    open_task,
    step_of,
    submit,
    working_age_home,
)
from workflows.entitlements import end_expired_entitlements
from workflows.models import Recertification
from workflows.recertification.flow import decide_review, recertify

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("welfare_fund")]

TODAY = timezone.localdate
RENEWED = ("medical_discount", "pension_subsidy", "assistance_pairing", "income_project")
APPLIED_AGAIN = ("health_check", "welfare_grant")


def year() -> int:
    return TODAY().year


def walk_to_grant(programs, home, code, staff):
    """Submit and approve at every level (ending a public notice) until granted."""
    case = submit(programs, home, code)
    deciders = {"village_review": staff["village"], "township_review": staff["township"],
                "district_review": staff["district"]}
    while case.status != CaseStatus.APPROVED:
        if case.status == CaseStatus.PUBLIC_NOTICE:
            end_notice(case)
            case.refresh_from_db()
            continue
        approve(deciders[step_of(open_task(case))], case)
    return case


def home_for(code, home):
    return working_age_home(home) if code == "income_project" else home


def last_years_grant(home, program, *, valid_from=None, valid_to=None):
    """The entitlement a grant of last year left, with the period its program gives."""
    start = valid_from or date(year() - 1, 3, 1)
    if valid_to is None:
        valid_to = {"medical_discount": add_years(start, 3) - timedelta(days=1),
                    "assistance_pairing": add_years(start, 1) - timedelta(days=1),
                    "income_project": add_years(start, 1) - timedelta(days=1),
                    }.get(program.code, date(start.year, 12, 31))
    return f.entitlement(home["applicant"], program, valid_from=start, valid_to=valid_to,
                         amount_yuan=600 if program.code == "pension_subsidy" else 0)


# --- applied for again ---------------------------------------------------------------------

@pytest.mark.parametrize("code", APPLIED_AGAIN)
def test_a_yearly_benefit_is_granted_again_the_next_year(programs, family_home, staff, code):
    """The regression: last year's grant (valid to 31 December, still marked live because
    the sweep has not run) no longer counts as a duplicate, and the new grant ends it."""
    before = last_years_grant(family_home, programs[code])
    case = walk_to_grant(programs, family_home, code, staff)
    new = Entitlement.objects.get(case=case)
    assert (new.state, new.valid_from, new.valid_to) == (
        Entitlement.State.LIVE, TODAY(), date(year(), 12, 31))
    before.refresh_from_db()
    assert (before.state, before.end_reason, before.ended_on) == (
        Entitlement.State.ENDED, Entitlement.EndReason.SUPERSEDED, date(year() - 1, 12, 31))
    assert AuditEvent.objects.filter(case=before.case, action="entitlement_expired").exists()
    duplicate = next(c for c in case.eligibility["criteria"] if c["code"] == "no_duplicate")
    assert duplicate["passed"]


def test_after_the_sweep_the_family_applies_again_too(programs, family_home, staff):
    before = last_years_grant(family_home, programs["health_check"])
    assert end_expired_entitlements() == 1
    before.refresh_from_db()
    assert before.end_reason == Entitlement.EndReason.EXPIRED
    case = walk_to_grant(programs, family_home, "health_check", staff)
    assert Entitlement.objects.get(case=case).state == Entitlement.State.LIVE


def test_this_years_check_is_still_a_duplicate(programs, family_home):
    last_years_grant(family_home, programs["health_check"], valid_from=TODAY(),
                     valid_to=date(year(), 12, 31))
    with pytest.raises(IneligibleApplication) as info:
        submit(programs, family_home, "health_check")
    assert info.value.code == "duplicate"


# --- per couple, per household ---------------------------------------------------------------

def test_a_couple_gets_one_pension_entitlement(programs, family_home, staff):
    """The husband holds the couple's subsidy: his wife's application is refused, naming it."""
    held = last_years_grant(family_home, programs["pension_subsidy"],
                            valid_from=TODAY(), valid_to=date(year(), 12, 31))
    wife = family_home["household"].members.get(relationship="spouse")
    with pytest.raises(IneligibleApplication) as info:
        submit(programs, {**family_home, "applicant": wife}, "pension_subsidy")
    assert info.value.code == "duplicate"
    assert held.number in info.value.message
    assert Entitlement.objects.filter(program=programs["pension_subsidy"],
                                      household=family_home["household"]).count() == 1


def test_a_couple_has_one_open_pension_application(programs, family_home):
    submit(programs, family_home, "pension_subsidy")
    wife = family_home["household"].members.get(relationship="spouse")
    with pytest.raises(IneligibleApplication) as info:
        submit(programs, {**family_home, "applicant": wife}, "pension_subsidy")
    assert info.value.code == "duplicate"


def test_a_second_welfare_grant_to_the_same_household_is_refused(programs, family_home):
    held = last_years_grant(family_home, programs["welfare_grant"], valid_from=TODAY(),
                            valid_to=date(year(), 12, 31))
    wife = family_home["household"].members.get(relationship="spouse")
    with pytest.raises(IneligibleApplication) as info:
        submit(programs, {**family_home, "applicant": wife}, "welfare_grant")
    message = info.value.message
    assert held.number in message and "本户" in message and str(date(year(), 12, 31)) in message


def test_person_programs_stay_per_person(programs, family_home):
    """The medical card is a member's own: the spouse may hold one too."""
    last_years_grant(family_home, programs["medical_discount"], valid_from=TODAY())
    wife = family_home["household"].members.get(relationship="spouse")
    case = submit(programs, {**family_home, "applicant": wife}, "medical_discount")
    assert case.status == CaseStatus.VILLAGE_REVIEW
    assert case.unit_key == f"person:{wife.pk}"


# --- renewed by the year's re-certification --------------------------------------------------

@pytest.mark.parametrize("code", RENEWED)
def test_the_years_recertification_renews_what_runs_out_this_year(programs, family_home, code):
    home = home_for(code, family_home)
    start = date(year() - 3, 3, 1) if code == "medical_discount" else date(year() - 1, 3, 1)
    before = last_years_grant(home, programs[code], valid_from=start)
    old_end = before.valid_to
    assert old_end < date(year(), 12, 31)
    run = recertify(year=year())
    assert (run.processed, run.flagged, run.renewed) == (1, 0, 1)
    before.refresh_from_db()
    renewal = EntitlementRenewal.objects.get(entitlement=before)
    assert renewal.valid_from == old_end + timedelta(days=1)
    assert before.valid_to == renewal.valid_to
    if code == "pension_subsidy":
        assert renewal.valid_to == date(year(), 12, 31)
        assert renewal.amount_yuan == Decimal("600.00")
    else:
        years = 3 if code == "medical_discount" else 1
        assert renewal.valid_to == add_years(renewal.valid_from, years) - timedelta(days=1)
    assert before.state == Entitlement.State.LIVE
    event = AuditEvent.objects.get(case=before.case, action="entitlement_renewed")
    assert event.detail["valid_to"] == renewal.valid_to.isoformat()
    assert OutboxMessage.objects.filter(case=before.case, template="entitlement_renewed",
                                        channel="inapp").exists()
    # a second run of the year renews nothing twice
    assert recertify(year=year(), restart=True).renewed == 0
    assert EntitlementRenewal.objects.filter(entitlement=before).count() == 1


def test_a_grant_running_past_the_year_is_checked_not_renewed(programs, family_home):
    before = last_years_grant(family_home, programs["medical_discount"])  # to 3 years on
    run = recertify(year=year())
    assert (run.processed, run.renewed) == (1, 0)
    assert not EntitlementRenewal.objects.filter(entitlement=before).exists()


def test_a_failing_renewal_is_reviewed_then_renewed_when_continued(programs, family_home,
                                                                   staff):
    before = last_years_grant(family_home, programs["pension_subsidy"])
    person = family_home["applicant"]
    person.pension_insured = False  # no longer insured: the re-check fails
    person.save()
    run = recertify(year=year())
    assert (run.flagged, run.renewed) == (1, 0)
    review = Recertification.objects.get(entitlement=before)
    # its period is over, but a review is pending: the sweep does not end it meanwhile
    far = date(year(), 12, 1)
    assert end_expired_entitlements(today=far) == 0
    task = review.process.task_set.get(flow_task_type="HUMAN")
    decide_review(actor=staff["village"], task_id=task.pk, decision="continue",
                  reason="re-insured in February")
    before.refresh_from_db()
    assert before.valid_to == date(year(), 12, 31)
    assert EntitlementRenewal.objects.filter(entitlement=before, year=year()).count() == 1


def test_a_failing_renewal_ended_by_the_village_ends(programs, family_home, staff):
    before = last_years_grant(family_home, programs["pension_subsidy"])
    person = family_home["applicant"]
    person.pension_insured = False
    person.save()
    recertify(year=year())
    review = Recertification.objects.get(entitlement=before)
    task = review.process.task_set.get(flow_task_type="HUMAN")
    decide_review(actor=staff["village"], task_id=task.pk, decision="end",
                  reason="no longer insured")
    before.refresh_from_db()
    assert (before.state, before.end_reason) == (Entitlement.State.ENDED,
                                                 Entitlement.EndReason.RECERTIFICATION)
    assert not EntitlementRenewal.objects.filter(entitlement=before).exists()


# --- the daily sweep ---------------------------------------------------------------------------

def test_the_sweep_ends_what_ran_out_and_keeps_renewables_through_their_grace(programs,
                                                                             family_home):
    health = last_years_grant(family_home, programs["health_check"])
    pension = last_years_grant(family_home, programs["pension_subsidy"])
    january = date(year(), 1, 10)
    assert end_expired_entitlements(today=january) == 1  # the check; the subsidy waits
    health.refresh_from_db()
    pension.refresh_from_db()
    assert (health.state, health.ended_on) == (Entitlement.State.ENDED,
                                               date(year() - 1, 12, 31))
    assert pension.state == Entitlement.State.LIVE
    event = AuditEvent.objects.get(case=health.case, action="entitlement_expired")
    assert event.detail == {"entitlement": health.number, "reason": "expired",
                            "valid_to": f"{year() - 1}-12-31"}
    assert OutboxMessage.objects.filter(case=health.case, template="entitlement_expired",
                                        channel="inapp").exists()
    # past the grace (90 days, assumed) without a renewal, the subsidy lapses too
    assert end_expired_entitlements(today=date(year(), 4, 1)) == 1
    pension.refresh_from_db()
    assert pension.end_reason == Entitlement.EndReason.EXPIRED
    assert end_expired_entitlements(today=date(year(), 4, 1)) == 0  # nothing twice


def test_the_sweep_reads_only_due_rows(programs, areas):
    """O(due rows): the statements are the same with 3 or 40 entitlements not due."""
    def grants(n, **kw):
        for _ in range(n):
            household = f.household(areas["v11"])
            f.entitlement(f.person(household), programs["medical_discount"], **kw)

    grants(2, valid_from=date(year() - 4, 1, 1), valid_to=date(year() - 1, 1, 1))
    grants(3)
    with CaptureQueriesContext(connection) as few:
        assert end_expired_entitlements() == 2
    grants(2, valid_from=date(year() - 4, 1, 1), valid_to=date(year() - 1, 1, 1))
    grants(40)
    with CaptureQueriesContext(connection) as many:
        assert end_expired_entitlements() == 2
    assert len(few.captured_queries) == len(many.captured_queries)
