"""The demo's dues campaigns: this year's pilots in three townships (源东乡 and 多湖街道 and
one drawn), idempotent and deterministic, over the demo register's area tree."""

from datetime import date

from casework import demo
from casework.duescampaigns import stats
from casework.duescampaigns.demo import seed
from casework.duescampaigns.models import DuesCampaign
from casework.models import RecordEvent

TODAY = date(2026, 5, 1)


def rows():
    return list(DuesCampaign.objects.order_by("area_id").values_list(
        "area__name", "year", "pilot", "starts_on", "ends_on", "target_percent"))


def test_the_demo_opens_this_years_pilot_campaigns_once(db):
    demo.seed_demo(households=12, today=TODAY, association=False)
    assert seed(today=TODAY) == {"dues_campaigns": 3}
    made = rows()
    assert len(made) == 3
    names = {r[0] for r in made}
    assert {"源东乡", "多湖街道"} <= names
    assert all(r[1:5] == (2026, True, date(2026, 3, 1), date(2026, 11, 30)) for r in made)
    assert all(r[5] in (80, 85, 90) for r in made)
    assert RecordEvent.objects.filter(action="dues_campaign_opened").count() == 3
    assert seed(today=TODAY) == {"dues_campaigns": 0}  # idempotent
    assert rows() == made
    DuesCampaign.objects.all().delete()
    seed(today=TODAY)
    assert rows() == made  # deterministic
    pilots = stats.dues_stats(area_code="330703", year=2026, as_of=TODAY)["pilot_townships"]
    assert sorted(p["name"] for p in pilots) == sorted(names)
