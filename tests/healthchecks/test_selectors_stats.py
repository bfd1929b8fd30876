"""What the health-check selectors and statistics read: scoping, exact coverage per
village, township and district, the statistics as of a date, the facts for eligibility,
and a constant number of statements."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.healthchecks import selectors, services
from casework.healthchecks.models import HealthCheckRecord
from casework.healthchecks.stats import health_check_stats
from tests import factories as f

from .conftest import FIRST, LAST, YEAR, member, open_campaign

R = HealthCheckRecord.Result


@pytest.fixture
def year_of_checks(roster, campaign):
    """v11: 4 listed (done, referred, not done, pending); v12: 3 listed (1 done); v21: 1
    listed (done); v22: no campaign."""
    users, areas = roster["users"], roster["areas"]
    village = users["village"]
    services.record_results(actor=village, campaign=campaign, rows=[
        services.ResultInput(roster["head"].pk, R.DONE, FIRST),
        services.ResultInput(roster["spouse"].pk, R.REFERRED, LAST),
        services.ResultInput(roster["neighbour"].pk, R.NOT_DONE, None)])
    assert services.refresh_members(actor=village, campaign=campaign) == 1
    hh = f.household(areas["v12"])
    v12_people = [member(hh, name=f"十二村{i}", birth=date(1950 + i, 1, 1)) for i in range(3)]
    june = date(YEAR, 6, 1)
    v12 = open_campaign(users["admin"], areas["v12"], first=june, last=june,
                        funding_yuan="100")
    services.record_results(actor=users["admin"], campaign=v12, rows=[
        services.ResultInput(v12_people[0].pk, R.DONE, june)])
    v21 = open_campaign(users["village_other"], areas["v21"], funding_yuan="50")
    services.record_results(actor=users["village_other"], campaign=v21, rows=[
        services.ResultInput(roster["stranger"].pk, R.DONE, LAST)])
    return {"v11": campaign, "v12": v12, "v21": v21, "v12_people": v12_people}


def numbers(line) -> tuple:
    c = line.counts
    return (c.listed, c.done, c.referred, c.not_done, c.pending, c.coverage_percent)


def test_coverage_per_village_township_and_district(roster, year_of_checks):
    report = selectors.coverage(roster["users"]["district"], year=YEAR)
    by_village = {line.area.code: line for line in report.villages}
    areas = roster["areas"]
    assert numbers(by_village[areas["v11"].code]) == (4, 1, 1, 1, 1, Decimal("50.0"))
    assert numbers(by_village[areas["v12"].code]) == (3, 1, 0, 0, 2, Decimal("33.3"))
    assert numbers(by_village[areas["v21"].code]) == (1, 1, 0, 0, 0, Decimal("100.0"))
    assert by_village[areas["v22"].code].campaign_id is None
    assert numbers(by_village[areas["v22"].code]) == (0, 0, 0, 0, 0, None)
    t1, t2 = report.townships
    assert (t1.area, t1.campaigns, t1.funding_yuan) == (areas["t1"], 2, Decimal("460.00"))
    assert numbers(t1) == (7, 2, 1, 1, 3, Decimal("42.9"))
    assert (t2.area, t2.campaigns, t2.funding_yuan) == (areas["t2"], 1, Decimal("50.00"))
    assert numbers(t2) == (1, 1, 0, 0, 0, Decimal("100.0"))
    total = report.total
    assert (total.area, total.campaigns, total.funding_yuan) == (
        areas["district"], 3, Decimal("510.00"))
    assert numbers(total) == (8, 3, 1, 1, 3, Decimal("50.0"))


def test_coverage_is_scoped(roster, year_of_checks):
    areas = roster["areas"]
    village = selectors.coverage(roster["users"]["village"], year=YEAR)
    assert [line.area.code for line in village.villages] == [areas["v11"].code]
    # a village reviewer asking about their township sees their village only
    asked = selectors.coverage(roster["users"]["village"], year=YEAR,
                               area_code=areas["t1"].code)
    assert [line.area.code for line in asked.villages] == [areas["v11"].code]
    township = selectors.coverage(roster["users"]["township"], year=YEAR)
    assert [line.area.code for line in township.villages] == [areas["v11"].code,
                                                               areas["v12"].code]
    assert numbers(township.total) == (7, 2, 1, 1, 3, Decimal("42.9"))
    outside = selectors.coverage(roster["users"]["township"], year=YEAR,
                                 area_code=areas["t2"].code)
    assert outside.villages == [] and outside.total.counts.listed == 0
    assert selectors.coverage(roster["users"]["family"], year=YEAR).villages == []


@pytest.mark.parametrize(("role", "villages"), [
    ("village", {"v11"}), ("village_other", {"v21"}), ("township", {"v11", "v12"}),
    ("township_other", {"v21"}), ("district", {"v11", "v12", "v21"}),
    ("auditor", {"v11", "v12", "v21"}), ("family", set()),
])
def test_campaigns_in_scope(roster, year_of_checks, role, villages):
    areas = roster["areas"]
    seen = {c.area_id for c in selectors.campaigns_for(roster["users"][role])}
    assert seen == {areas[v].code for v in villages}


def test_campaign_counts_on_the_list(roster, year_of_checks):
    row = selectors.campaigns_for(roster["users"]["district"], year=YEAR,
                                  area_code=roster["areas"]["v11"].code).get()
    assert selectors.counts_of(row).as_dict() == {
        "listed": 4, "done": 1, "referred": 1, "not_done": 1, "pending": 1,
        "coverage_percent": Decimal("50.0")}
    assert not selectors.campaigns_for(roster["users"]["district"], year=YEAR - 1).exists()


def test_records_filter_by_result(roster, year_of_checks):
    campaign = year_of_checks["v11"]
    names = [r.person.name for r in selectors.records_of(campaign)]
    assert names == ["王户主", "李配偶", "张邻居", "张新会"]
    assert [r.person.name for r in selectors.records_of(campaign, result=R.PENDING)] == [
        "张新会"]


def test_stats_as_of_a_date(roster, year_of_checks):
    areas = roster["areas"]
    t1 = areas["t1"].code
    assert health_check_stats(area_code=t1, year=YEAR, as_of=date(YEAR, 12, 31)) == {
        "campaigns": 2, "funding_yuan": Decimal("460.00"), "members_listed": 7,
        "checked": 3, "referred": 1, "not_done": 1, "coverage_percent": Decimal("42.9")}
    # on the first day of v11's campaign: v12's has not begun, the referral came later
    assert health_check_stats(area_code=t1, year=YEAR, as_of=FIRST) == {
        "campaigns": 1, "funding_yuan": Decimal("360.00"), "members_listed": 4,
        "checked": 1, "referred": 0, "not_done": 1, "coverage_percent": Decimal("25.0")}
    assert health_check_stats(area_code=t1, year=YEAR, as_of=date(YEAR, 5, 9)) == {
        "campaigns": 0, "funding_yuan": Decimal("0.00"), "members_listed": 0,
        "checked": 0, "referred": 0, "not_done": 0, "coverage_percent": Decimal("0.0")}
    assert health_check_stats(area_code="330703", year=YEAR, as_of=date(YEAR, 12, 31)) == {
        "campaigns": 3, "funding_yuan": Decimal("510.00"), "members_listed": 8,
        "checked": 4, "referred": 1, "not_done": 1, "coverage_percent": Decimal("50.0")}
    assert health_check_stats(area_code=areas["v21"].code, year=YEAR,
                              as_of=date(YEAR, 12, 31)) == {
        "campaigns": 1, "funding_yuan": Decimal("50.00"), "members_listed": 1,
        "checked": 1, "referred": 0, "not_done": 0, "coverage_percent": Decimal("100.0")}
    assert health_check_stats(area_code="330703", year=YEAR - 1,
                              as_of=date(YEAR, 12, 31))["campaigns"] == 0


def test_facts_for_eligibility(roster, year_of_checks):
    areas = roster["areas"]
    assert selectors.village_has_campaign(areas["v11"].code, YEAR)
    assert not selectors.village_has_campaign(areas["v22"].code, YEAR)
    assert not selectors.village_has_campaign(areas["v11"].code, YEAR + 1)
    assert selectors.villages_with_campaign(YEAR) == {areas["v11"].code, areas["v12"].code,
                                                      areas["v21"].code}
    assert selectors.villages_with_campaign(YEAR + 1) == set()
    people = [roster[k].pk for k in ("head", "spouse", "neighbour", "joiner", "stranger",
                                     "child")]
    assert selectors.checks_done(people, YEAR) == {
        roster["head"].pk: 1, roster["spouse"].pk: 1, roster["stranger"].pk: 1}
    assert selectors.checks_done(people, YEAR + 1) == {}
    assert selectors.checks_done([], YEAR) == {}


def _statements(run) -> int:
    with CaptureQueriesContext(connection) as queries:
        run()
    return len(queries)


def _more_campaigns(roster, n):
    """``n`` more villages of township t1, each with a household and a campaign."""
    from casework.models import Area

    admin = roster["users"]["admin"]
    for i in range(n):
        village = Area.objects.create(code=f"{roster['areas']['t1'].code}{100 + i:03d}",
                                      name=f"新村{i}", level=Area.Level.VILLAGE,
                                      parent=roster["areas"]["t1"])
        hh = f.household(village)
        member(hh, name=f"村民{i}", birth=date(1940, 1, 1 + i % 28))
        open_campaign(admin, village)


def test_lists_and_coverage_cost_the_same_statements_at_few_and_many_rows(roster,
                                                                        year_of_checks):
    user = roster["users"]["district"]

    def run_all():
        list(selectors.campaigns_for(user, year=YEAR)[:50])
        campaign = year_of_checks["v11"]
        [r.person.household.number for r in selectors.records_of(campaign)[:50]]
        report = selectors.coverage(user, year=YEAR)
        [(t.area.name, [v.area.name for v in t.villages]) for t in report.townships]

    few = _statements(run_all)
    _more_campaigns(roster, 12)
    many = _statements(run_all)
    assert few == many == 4
