"""``pairing_stats``: exact figures for a village, a township and the district, as of a
date (from the records' dates, so a past date gives what was true then)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from casework.pairings import services
from casework.pairings.models import Partner
from casework.pairings.stats import pairing_stats
from tests import factories as f

from .conftest import sign

AS_OF = date(2026, 6, 15)
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def year(world, areas):
    users = world["users"]
    t1, t2 = users["township"], users["township_other"]
    Partner.objects.update(created_at=datetime(2025, 1, 1, tzinfo=SHANGHAI))
    Partner.objects.create(kind="person", name="停了", trade="养猪", area=areas["t1"],
                           active=False, created_by=t1,
                           created_at=datetime(2025, 1, 1, tzinfo=SHANGHAI))
    Partner.objects.create(kind="person", name="后来", trade="种茶", area=areas["v12"],
                           created_by=t1,
                           created_at=datetime(2026, 6, 16, 0, 30, tzinfo=SHANGHAI))
    hh4 = f.household(areas["v11"], hardship=True)
    hh5 = f.household(areas["v11"], special_family="lost_only_child")
    hh7 = f.household(areas["v12"], hardship=True)
    c1 = sign(world, actor=t1, signed_on=date(2025, 3, 1), starts_on=date(2025, 3, 1),
              ends_on=date(2028, 2, 28))
    sign(world, actor=t1, household=world["neighbour"], signed_on=date(2026, 2, 1),
         starts_on=date(2026, 2, 1), ends_on=date(2026, 5, 31))
    c3 = sign(world, actor=t1, household=world["neighbour"], signed_on=date(2026, 6, 1),
              starts_on=date(2026, 6, 1), ends_on=date(2027, 5, 31))
    c4 = sign(world, actor=t1, household=hh4, signed_on=date(2026, 3, 1),
              starts_on=date(2026, 3, 1), ends_on=date(2029, 2, 28))
    services.end_contract(actor=t1, contract=c4, ended_on=AS_OF, reason="迁出",
                          today=AS_OF)
    sign(world, actor=t1, household=hh5, signed_on=date(2026, 6, 10),
         starts_on=date(2026, 7, 1), ends_on=date(2027, 6, 30))
    c6 = sign(world, actor=t2, household=world["away"], partner=world["orchard"],
              signed_on=date(2026, 1, 10), starts_on=date(2026, 1, 10),
              ends_on=date(2027, 1, 9))
    sign(world, actor=t1, household=hh7, signed_on=date(2026, 6, 20),
         starts_on=date(2026, 6, 20), ends_on=date(2027, 6, 19), today=date(2026, 7, 1))
    for contract, day, today in ((c1, date(2025, 12, 1), AS_OF), (c1, date(2026, 1, 15), AS_OF),
                                 (c1, AS_OF, AS_OF), (c3, date(2026, 6, 10), AS_OF),
                                 (c6, date(2026, 3, 1), AS_OF),
                                 (c1, date(2026, 6, 20), date(2026, 6, 30))):
        actor = t2 if contract is c6 else t1
        services.record_visit(actor=actor, contract=contract, visited_on=day,
                              visited_by="partner", today=today)
    return areas


def test_the_townships_figures(year):
    assert pairing_stats(area_code=year["t1"].code, year=2026, as_of=AS_OF) == {
        "partners": 1, "contracts_running": 2, "households_paired": 2,
        "contracts_signed": 4, "visits": 3}


def test_the_districts_and_a_villages_figures(year):
    assert pairing_stats(area_code=year["district"].code, year=2026, as_of=AS_OF) == {
        "partners": 2, "contracts_running": 3, "households_paired": 3,
        "contracts_signed": 5, "visits": 4}
    assert pairing_stats(area_code=year["v12"].code, year=2026, as_of=AS_OF) == {
        "partners": 0, "contracts_running": 1, "households_paired": 1,
        "contracts_signed": 2, "visits": 1}


def test_other_dates(year):
    # the day before: the early-ended contract still ran, the visit of the 15th not yet
    assert pairing_stats(area_code=year["t1"].code, year=2026, as_of=date(2026, 6, 14)) == {
        "partners": 1, "contracts_running": 3, "households_paired": 3,
        "contracts_signed": 4, "visits": 2}
    # the year's end: c1, c3 and c5 run; the late partner and contract and visit count
    assert pairing_stats(area_code=year["t1"].code, year=2026,
                         as_of=date(2026, 12, 31)) == {
        "partners": 2, "contracts_running": 4, "households_paired": 4,
        "contracts_signed": 5, "visits": 4}
    # last year, as of its end
    assert pairing_stats(area_code=year["district"].code, year=2025,
                         as_of=date(2025, 12, 31)) == {
        "partners": 2, "contracts_running": 1, "households_paired": 1,
        "contracts_signed": 1, "visits": 1}


def test_three_statements(year, django_assert_num_queries):
    with django_assert_num_queries(3):
        pairing_stats(area_code=year["district"].code, year=2026, as_of=AS_OF)
