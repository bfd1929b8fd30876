"""Dues collection numbers, exact: members owing and paid, dues collected, the rate,
the pilot townships; by township and village; a constant number of statements."""

from datetime import date
from decimal import Decimal

import pytest

from casework.duescampaigns import stats
from casework.models import Membership
from casework.register import dues
from tests import factories as f

from .conftest import member

T1, T2, DISTRICT = "330703001", "330703002", "330703"
V11, V12, V21, V22 = "330703001001", "330703001002", "330703002001", "330703002002"
END = date(2025, 12, 31)


def numbers(result):
    return (result["members_owing"], result["members_paid"], result["dues_collected_yuan"],
            result["collection_percent"])


@pytest.mark.parametrize(("area", "as_of", "expected"), [
    (T1, END, (6, 4, Decimal("40.00"), Decimal("66.7"))),
    # D had not joined yet, B had not paid yet; D's undated payment is collected
    (T1, date(2025, 6, 30), (5, 2, Decimal("30.00"), Decimal("40.0"))),
    (V11, END, (5, 3, Decimal("30.00"), Decimal("60.0"))),
    (T2, END, (2, 1, Decimal("15.00"), Decimal("50.0"))),
    (DISTRICT, END, (8, 5, Decimal("55.00"), Decimal("62.5"))),
    (V22, END, (0, 0, Decimal("0.00"), Decimal("0.0"))),
])
def test_dues_stats_are_exact(world, area, as_of, expected):
    result = stats.dues_stats(area_code=area, year=2025, as_of=as_of)
    assert numbers(result) == expected
    assert isinstance(result["dues_collected_yuan"], Decimal)
    assert result["collection_percent"].as_tuple().exponent == -1


def test_the_pilot_townships_are_the_years_pilot_campaigns_in_or_above_the_area(world):
    t1 = [{"code": T1, "name": "镇1"}]
    assert stats.dues_stats(area_code=DISTRICT, year=2025, as_of=END)["pilot_townships"] == t1
    assert stats.dues_stats(area_code=V11, year=2025, as_of=END)["pilot_townships"] == t1
    assert stats.dues_stats(area_code=T2, year=2025, as_of=END)["pilot_townships"] == []
    assert stats.dues_stats(area_code=DISTRICT, year=2024, as_of=date(2024, 12, 31)
                            )["pilot_townships"] == [{"code": T2, "name": "镇2"}]


def test_an_earlier_year_and_a_year_before_dues(world):
    # 2024: E (left 1 January 2025) owed it; D and G had not joined; A and C paid
    result = stats.dues_stats(area_code=DISTRICT, year=2024, as_of=date(2024, 12, 31))
    assert numbers(result) == (8, 2, Decimal("20.00"), Decimal("25.0"))
    result = stats.dues_stats(area_code=DISTRICT, year=2023, as_of=date(2023, 12, 31))
    assert numbers(result) == (0, 0, Decimal("0.00"), Decimal("0.0"))


def test_owing_follows_the_dues_rule_for_every_member(world):
    for year in (2024, 2025, 2026):
        as_of = date(year, 12, 31)
        owing = set(stats.owing_memberships(DISTRICT, year, as_of).values_list("pk", flat=True))
        for m in Membership.objects.all():
            expected = year in dues.due_years(m.joined, m.left, year) and m.joined <= as_of
            assert (m.pk in owing) == expected, (m.number, year)


def test_rates_by_township_and_village(world):
    table = stats.rates(area=world["areas"]["district"], year=2025, as_of=END)
    row = lambda r: (r.code, r.members_owing, r.members_paid, r.dues_collected_yuan,  # noqa: E731
                     r.collection_percent, r.pilot)
    assert row(table.total) == (DISTRICT, 8, 5, Decimal("55.00"), Decimal("62.5"), False)
    assert [row(r) for r in table.townships] == [
        (T1, 6, 4, Decimal("40.00"), Decimal("66.7"), True),
        (T2, 2, 1, Decimal("15.00"), Decimal("50.0"), False)]
    assert [row(r) for r in table.villages] == [
        (V11, 5, 3, Decimal("30.00"), Decimal("60.0"), False),
        (V12, 1, 1, Decimal("10.00"), Decimal("100.0"), False),
        (V21, 2, 1, Decimal("15.00"), Decimal("50.0"), False),
        (V22, 0, 0, Decimal("0.00"), Decimal("0.0"), False)]
    assert table.townships[0].campaign.target_percent == 80
    assert table.townships[0].below_target  # 66.7 % against 80 %
    assert table.district_campaign == world["campaigns"]["district"]
    village = stats.rates(area=world["areas"]["v11"], year=2025, as_of=END)
    assert [row(r) for r in village.townships] == [
        (T1, 5, 3, Decimal("30.00"), Decimal("60.0"), True)]  # only the village's part
    assert [r.code for r in village.villages] == [V11]


def test_the_numbers_take_a_constant_number_of_statements(world, areas,
                                                          django_assert_num_queries):
    district = areas["district"]
    with django_assert_num_queries(4):
        stats.rates(area=district, year=2025, as_of=END)
    with django_assert_num_queries(3):
        stats.dues_stats(area_code=DISTRICT, year=2025, as_of=END)
    for i in range(30):
        member(areas["v22"], f"X{i}", date(2020, 1, 1),
               payments=[(2025, date(2025, 4, 1), 10)] if i % 2 else [])
    f.household(areas["v12"])
    with django_assert_num_queries(4):
        table = stats.rates(area=district, year=2025, as_of=END)
    with django_assert_num_queries(3):
        result = stats.dues_stats(area_code=DISTRICT, year=2025, as_of=END)
    assert (table.total.members_owing, result["members_paid"]) == (38, 20)
