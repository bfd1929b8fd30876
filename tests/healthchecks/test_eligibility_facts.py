"""The health check's eligibility reads the village's campaign (casework.register.facts and the
bulk reader agree): a campaign this year enrols the village; a check done in it is the
year's one check, so an application for another is refused on the yearly quota."""

from datetime import date

import pytest
from django.utils import timezone

from casework.healthchecks.services import open_campaign, record_result
from casework.models import Area
from casework.register.bulk_facts import iter_person_facts
from casework.register.facts import build_facts
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def village(areas):
    """A village with no health-check years recorded on it: only a campaign enrols it."""
    return Area.objects.create(code=f"{areas['t1'].code}009", name="新村",
                               level=Area.Level.VILLAGE, parent=areas["t1"],
                               health_check_enrolled_years=[])


def facts_of(person, on):
    return build_facts(household=person.household, applicant_id=person.pk,
                       program_code="health_check", on=on)


def test_a_campaign_enrols_the_village_and_a_check_done_counts(programs, village):
    today = timezone.localdate()
    household = f.household(village)
    member = f.person(household, name="体检员")
    assert not facts_of(member, today).village_health_check_enrolled
    keeper = f.user("village_reviewer", village)
    campaign = open_campaign(actor=keeper, village_code=village.code, year=today.year,
                             first_day=date(today.year, 1, 1), last_day=today)
    facts = facts_of(member, today)
    assert facts.village_health_check_enrolled and facts.health_checks_this_year == 0
    record = campaign.records.get(person=member)
    record_result(actor=keeper, record=record, result="done",
                  checked_on=today)
    facts = facts_of(member, today)
    assert facts.health_checks_this_year == 1
    # the bulk reader (re-certification, simulation) reads the same
    [(_, bulk)] = list(iter_person_facts(today, area_prefix=village.code,
                                         program_code="health_check"))
    assert (bulk.village_health_check_enrolled, bulk.health_checks_this_year) == (True, 1)
    # and the pre-check refuses a second check this year
    from casework.services import precheck

    decision, _facts = precheck(household=household, applicant_id=member.pk,
                                program=programs["health_check"], on=today)
    assert decision.failed_codes == ["yearly_quota"]
