"""``organisation_stats``: exact figures for the district and each township, as of a date,
with rows just inside and just outside every boundary (year, as-of date, area, end dates)."""

from datetime import date
from decimal import Decimal

import pytest

from casework.models import Membership
from casework.organisation.models import (
    ActivityDay,
    Assessment,
    OfficeHolder,
    OrgUnit,
    TrainingAttendance,
    TrainingSession,
)
from casework.organisation.stats import KEYS, organisation_stats

from .conftest import member, unit

K = OrgUnit.Kind
R = Membership.Role
AS_OF = date(2025, 12, 31)


@pytest.fixture
def world(areas, users, levels):
    v11, v12, v21, v22 = (areas[k] for k in ("v11", "v12", "v21", "v22"))
    t1, t2, district = areas["t1"], areas["t2"], areas["district"]
    # the roster
    for i in range(3):
        member(v11, name=f"会员{i}")
    member(v11, name="志愿者甲", role=R.VOLUNTEER)
    member(v12, name="志愿者乙", role=R.VOLUNTEER)
    member(v11, name="宣传员甲", role=R.OUTREACH)
    member(v11, name="理事甲", role=R.COUNCIL)
    member(v11, name="已退会", role=R.VOLUNTEER, left=date(2025, 6, 1))  # left before
    member(v11, name="新会员", joined=date(2026, 1, 10))  # joins after as_of
    member(v12, name="年底退会", left=date(2026, 1, 1))  # active on 31 Dec
    member(v21, name="会员丙")
    member(v21, name="宣传员乙", role=R.OUTREACH)
    member(v22, name="理事乙", role=R.COUNCIL, left=date(2025, 12, 31))  # left on as_of
    # units beyond the levels (7 level units: district, 2 townships, 4 villages)
    unit(K.ENTERPRISE, t1, member_count=120)
    unit(K.ENTERPRISE, v22, member_count=40, founded_on=date(2026, 2, 1))  # later
    unit(K.ENTERPRISE, v21, member_count=55, founded_on=date(2025, 12, 31))  # that day
    unit(K.MIGRANT, v11, member_count=30)
    unit(K.MIGRANT, t2, member_count=25, dissolved_on=date(2025, 10, 1))  # dissolved
    unit(K.VILLAGE, v12, name="旧村协会", founded_on=date(2000, 1, 1),
         dissolved_on=date(2005, 1, 1))
    # full-time vice-presidents
    vp = OfficeHolder.Office.FULLTIME_VICE_PRESIDENT

    def holder(level, sex, since=date(2024, 8, 1), until=None, office=vp):
        u = levels[level]
        OfficeHolder.objects.create(unit=u, area_id=u.area_id, name="某", sex=sex,
                                    office=office, since=since, until=until)

    holder("v11", "M")
    holder("v12", "F")
    holder("v21", "M")
    holder("t1", "M")
    holder("v22", "F", until=date(2025, 12, 31))  # left office on as_of
    holder("v22", "F", since=date(2025, 12, 31))  # took over that day
    holder("t2", "F", since=date(2026, 1, 1))  # after as_of
    holder("district", "M", since=date(2020, 1, 1), until=date(2024, 1, 1))  # long gone
    holder("v11", "F", office=OfficeHolder.Office.VICE_PRESIDENT)  # not full-time

    # training
    def session(area, first, others, named=()):
        s = TrainingSession.objects.create(area=area, title="培训", first_day=first,
                                           last_day=first, other_attendees=others)
        for name, where in named:
            TrainingAttendance.objects.create(session=s, name=name, area=where)
        return s

    session(t1, date(2025, 9, 25), 300, [("甲", v11), ("乙", v12)])
    session(district, date(2025, 9, 27), 301, [("丙", v21)])
    session(t2, date(2025, 12, 31), 7)
    session(v21, date(2024, 12, 31), 100)  # last year
    session(t1, date(2026, 1, 5), 50)  # after as_of
    # activity days
    for area, held, sessions, examined, spent in [
            (t1, date(2025, 5, 29), 3, 480, "4600.50"), (t2, date(2025, 5, 29), 2, 520, "5000"),
            (v11, date(2025, 6, 1), 1, 0, "0.25"), (t2, date(2024, 5, 29), 9, 900, "900"),
            (district, date(2026, 1, 2), 1, 10, "10")]:
        ActivityDay.objects.create(area=area, held_on=held, title="5·29", sessions_held=sessions,
                                   people_examined=examined, spending_yuan=Decimal(spent))
    # assessments
    for area, year, on, rating in [(v11, 2025, date(2025, 12, 15), "model"),
                                   (v12, 2025, date(2025, 12, 31), "advanced"),
                                   (v21, 2025, date(2026, 1, 10), "model"),  # after as_of
                                   (v22, 2024, date(2024, 12, 20), "model")]:  # last year
        Assessment.objects.create(area=area, year=year, assessed_by=users["township"],
                                  assessed_on=on, total=100, max_total=120, rating=rating)
    return areas


def test_the_district_figures_are_exact(world):
    stats = organisation_stats(area_code="330703", year=2025, as_of=AS_OF)
    assert list(stats) == list(KEYS)
    assert stats == {
        "members": 10, "volunteers": 2, "outreach_workers": 2, "council_members": 1,
        "units_township": 2, "units_village": 4, "enterprise_associations": 2,
        "migrant_groups": 1, "enterprise_association_members": 175,
        "migrant_group_members": 30,
        # the township's (t1) counted apart from the villages', as the seed counts them
        "vice_presidents_fulltime_township": 1,
        "vice_presidents_fulltime_male": 2, "vice_presidents_fulltime_female": 2,
        "trainings": 3, "trained": 2 + 300 + 1 + 301 + 7,
        "activity_days": 3, "activity_sessions": 6, "people_examined": 1000,
        "activity_spending_yuan": Decimal("9600.75"),
        "assessed_villages": 2, "model_villages": 1,
    }


def test_each_townships_figures_are_its_own(world):
    t1 = organisation_stats(area_code=world["t1"].code, year=2025, as_of=AS_OF)
    assert t1 == {
        "members": 8, "volunteers": 2, "outreach_workers": 1, "council_members": 1,
        "units_township": 1, "units_village": 2, "enterprise_associations": 1,
        "migrant_groups": 1, "enterprise_association_members": 120,
        "migrant_group_members": 30,
        "vice_presidents_fulltime_township": 1,
        "vice_presidents_fulltime_male": 1, "vice_presidents_fulltime_female": 1,
        "trainings": 1, "trained": 302,
        "activity_days": 2, "activity_sessions": 4, "people_examined": 480,
        "activity_spending_yuan": Decimal("4600.75"),
        "assessed_villages": 2, "model_villages": 1,
    }
    t2 = organisation_stats(area_code=world["t2"].code, year=2025, as_of=AS_OF)
    assert t2 == {
        "members": 2, "volunteers": 0, "outreach_workers": 1, "council_members": 0,
        "units_township": 1, "units_village": 2, "enterprise_associations": 1,
        "migrant_groups": 0, "enterprise_association_members": 55,
        "migrant_group_members": 0,
        "vice_presidents_fulltime_township": 0,
        "vice_presidents_fulltime_male": 1, "vice_presidents_fulltime_female": 1,
        "trainings": 1, "trained": 7,
        "activity_days": 1, "activity_sessions": 2, "people_examined": 520,
        "activity_spending_yuan": Decimal("5000.00"),
        "assessed_villages": 0, "model_villages": 0,
    }


def test_the_figures_move_with_the_as_of_date(world):
    early = organisation_stats(area_code="330703", year=2025, as_of=date(2025, 6, 1))
    # on 1 June: the volunteer who left that day is gone, 理事乙 (left 31 December) still
    # there, the session of September not yet held
    assert (early["members"], early["volunteers"], early["council_members"]) == (11, 2, 2)
    assert (early["trainings"], early["trained"]) == (0, 0)
    assert (early["activity_days"], early["activity_spending_yuan"]) == (3, Decimal("9600.75"))
    assert (early["assessed_villages"], early["enterprise_associations"]) == (0, 1)
    later = organisation_stats(area_code="330703", year=2025, as_of=date(2026, 1, 31))
    # the year's figures are the year's; the standing ones are those of 31 January
    assert (later["trainings"], later["activity_days"]) == (3, 3)
    assert (later["assessed_villages"], later["model_villages"]) == (3, 2)
    assert later["members"] == 10  # 新会员 joined, 年底退会 left
    # t2's took office on 1 January: a township's, not among the villages'
    assert later["vice_presidents_fulltime_township"] == 2
    assert later["vice_presidents_fulltime_female"] == 2
    assert later["enterprise_association_members"] == 175


def test_an_empty_area_counts_zero(areas):
    stats = organisation_stats(area_code=areas["t2"].code, year=2025, as_of=AS_OF)
    assert stats["activity_spending_yuan"] == Decimal("0.00")
    assert all(value == 0 for value in stats.values())
