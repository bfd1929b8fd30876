"""The demo campaigns: in the villages that fund the check, last year's and this year's,
results up to today, deterministic and idempotent."""

from datetime import date

from casework.demo import plan_villages, seed_demo
from casework.healthchecks import demo
from casework.healthchecks.models import HealthCheckCampaign, HealthCheckRecord
from casework.healthchecks.services import members_between

R = HealthCheckRecord.Result
TODAY = date(2026, 9, 15)


def test_the_demo_seeds_campaigns_once(db):
    seed_demo(households=60, today=TODAY, association=False)
    made = demo.seed(today=TODAY)
    funding = {v.code for v in plan_villages() if v.health_check}
    campaigns = HealthCheckCampaign.objects.all()
    assert made["campaigns"] == campaigns.count() == 2 * len(funding)
    assert {c.area_id for c in campaigns} == funding
    assert {c.year for c in campaigns} == {2025, 2026}
    for c in campaigns:
        assert c.first_day.year == c.year and c.first_day <= c.last_day
    records = HealthCheckRecord.objects.all()
    assert made["records"] == records.count() > 0
    # the lists follow the service's rule
    some = campaigns.filter(year=2026).order_by("id")[0]
    assert set(records.filter(campaign=some).values_list("person_id", flat=True)) == set(
        members_between(some.area_id, some.first_day, some.first_day)
        .values_list("id", flat=True))
    # last year's are all in: nothing pending; nothing is checked after today
    assert not records.filter(campaign__year=2025, result=R.PENDING).exists()
    assert not records.filter(checked_on__gt=TODAY).exists()
    done = records.filter(result__in=(R.DONE, R.REFERRED)).count()
    assert 0.6 < done / records.count() < 0.95
    assert made["results"] == records.exclude(result=R.PENDING).count()
    again = demo.seed(today=TODAY)
    assert again == {"campaigns": 0, "records": 0, "results": 0}
    assert HealthCheckCampaign.objects.count() == made["campaigns"]
