"""The reads: reporting days (a pure function of the round), missing reports and the
roll-up by township with exact numbers, the statistics, and what each role sees."""

from datetime import date, datetime, timedelta

from django.utils import timezone

from casework.contacts import selectors
from casework.contacts.models import ReportingRound
from casework.contacts.stats import contact_stats
from tests import factories as f

from .conftest import days_ago

SEED_DAYS = [4, 7, 10, 14, 17, 20, 24, 27, 30]  # 每逢4、7、10 (seed line 85), each decade


def _round(**fields) -> ReportingRound:
    base = {"area_id": "330703001", "title": "t", "schedule": "daily", "days_of_month": [],
            "first_day": date(2026, 2, 1), "last_day": date(2026, 2, 28)}
    return ReportingRound(**{**base, **fields})


# --- reporting days: no database ------------------------------------------------------------

def test_a_daily_round_reports_every_day_up_to_a_date():
    round_ = _round(first_day=date(2026, 2, 26), last_day=date(2026, 3, 2))
    assert selectors.reporting_days(round_) == [
        date(2026, 2, 26), date(2026, 2, 27), date(2026, 2, 28), date(2026, 3, 1),
        date(2026, 3, 2)]
    assert selectors.reporting_days(round_, up_to=date(2026, 2, 27)) == [
        date(2026, 2, 26), date(2026, 2, 27)]
    assert selectors.reporting_days(round_, up_to=date(2026, 2, 25)) == []
    assert selectors.is_reporting_day(round_, date(2026, 3, 1))
    assert not selectors.is_reporting_day(round_, date(2026, 3, 3))
    assert not selectors.is_reporting_day(round_, date(2026, 2, 25))


def test_a_round_on_set_days_reports_on_those_days_of_the_month():
    round_ = _round(schedule="set_days", days_of_month=SEED_DAYS)
    # February has no 30th
    assert [d.day for d in selectors.reporting_days(round_)] == [4, 7, 10, 14, 17, 20, 24, 27]
    assert [d.day for d in selectors.reporting_days(round_, up_to=date(2026, 2, 16))] == [
        4, 7, 10, 14]
    assert selectors.is_reporting_day(round_, date(2026, 2, 7))
    assert not selectors.is_reporting_day(round_, date(2026, 2, 8))
    across = _round(schedule="set_days", days_of_month=[31], first_day=date(2026, 4, 1),
                    last_day=date(2026, 5, 31))
    assert selectors.reporting_days(across) == [date(2026, 5, 31)]


def test_a_closed_round_ends_on_the_day_it_was_closed():
    closed = timezone.make_aware(datetime(2026, 2, 10, 23, 30))  # Asia/Shanghai
    round_ = _round(closed_at=closed)
    assert round_.ends_on == date(2026, 2, 10)
    assert selectors.reporting_days(round_)[-1] == date(2026, 2, 10)
    assert not selectors.is_reporting_day(round_, date(2026, 2, 11))
    # closed before it began: no reporting day
    assert selectors.reporting_days(_round(first_day=date(2026, 2, 11), closed_at=closed)) == []


def test_days_covered_counts_half_open_spans():
    days = [date(2026, 2, d) for d in (1, 2, 3, 4, 5)]
    assert selectors.days_covered(date(2026, 2, 2), None, days) == 4
    assert selectors.days_covered(date(2026, 2, 2), date(2026, 2, 4), days) == 2
    assert selectors.days_covered(date(2026, 1, 1), date(2026, 2, 1), days) == 0


# --- missing and the roll-up ------------------------------------------------------------------

def _numbers(row):
    return (row.day_expected, row.day_received, row.day_missing,
            row.round_expected, row.round_received, row.round_missing)


def test_missing_reports_of_a_village(reporting):
    r, homes = reporting, reporting["homes"]
    today = timezone.localdate()
    rows = selectors.missing_reports(r["round"], "330703001001", day=today)
    assert [(m.contact.name, m.household.number, m.days) for m in rows] == [
        ("联系人甲", homes[3].number, [today]), ("联系人甲", homes[4].number, [today]),
        ("联系人乙", homes[0].number, [today])]
    whole = selectors.missing_reports(r["round"], "330703001001")
    assert [(m.household.number, m.days) for m in whole] == [
        (homes[2].number, [days_ago(2), days_ago(1)]),
        (homes[3].number, [days_ago(2), days_ago(1), today]),
        (homes[4].number, [days_ago(3), days_ago(2), days_ago(1), today]),
        (homes[0].number, [days_ago(2), today])]
    assert sum(len(m.days) for m in whole) == 11
    # the round's township at once: v11's eleven and v12's five
    township = selectors.missing_reports(r["round"], "330703001")
    assert sum(len(m.days) for m in township) == 16
    assert [m.days for m in township if m.village_code == "330703001002"] == [
        [days_ago(3), days_ago(2), days_ago(1), today], [days_ago(3)]]
    # a day that is not a reporting day, a day ahead: nothing is missing
    assert selectors.missing_reports(r["round"], "330703001001", day=days_ago(6)) == []
    assert selectors.missing_reports(r["round"], "330703001001", day=days_ago(-1)) == []
    # a village outside the round
    assert selectors.missing_reports(r["round"], "330703002001") == []


def test_the_rollup_by_township(reporting):
    r, s = reporting, reporting["staff"]
    rollup = selectors.rollup(s["township"], r["round"])
    assert rollup.day == rollup.up_to == timezone.localdate()
    assert [(row.village.code, _numbers(row)) for row in rollup.rows] == [
        ("330703001001", (4, 1, 3, 18, 7, 11)),
        ("330703001002", (1, 0, 1, 8, 3, 5))]
    assert _numbers(rollup.total) == (5, 1, 4, 26, 10, 16)
    # on day -3: the round up to it
    earlier = selectors.rollup(s["township"], r["round"], day=days_ago(3))
    assert [_numbers(row) for row in earlier.rows] == [(3, 2, 1, 6, 5, 1), (2, 0, 2, 4, 2, 2)]
    # a village's staff see their village's row only; district staff all of the round's
    mine = selectors.rollup(s["village"], r["round"])
    assert [(row.village.code, _numbers(row)) for row in mine.rows] == [
        ("330703001001", (4, 1, 3, 18, 7, 11))]
    assert _numbers(selectors.rollup(s["district"], r["round"]).total) == (5, 1, 4, 26, 10, 16)
    # a future day: nothing owed that day, the round counted up to today
    ahead = selectors.rollup(s["township"], r["round"], day=days_ago(-2))
    assert _numbers(ahead.total) == (0, 0, 0, 26, 10, 16)


def test_who_sees_which_rounds(reporting):
    s, r = reporting["staff"], reporting
    assert selectors.round_for(s["village"], r["round"].pk) == r["round"]  # its township's
    assert selectors.round_for(s["auditor"], r["round"].pk) == r["round"]
    assert selectors.round_for(s["village_other"], r["round"].pk) is None
    assert selectors.round_for(s["township_other"], r["round"].pk) is None
    family = f.user("family", r["areas"]["v11"], household=r["homes"][2])
    assert selectors.round_for(family, r["round"].pk) is None
    assert selectors.assignments_in(s["village_other"]).count() == 0
    assert selectors.assignments_in(s["township"]).count() == 6


def test_the_contacts_of_a_village(reporting):
    s, homes = reporting["staff"], reporting["homes"]
    groups, after = selectors.contacts_page(s["village"], "330703001001")
    assert after is None
    assert [(g.contact.name, [a.household.number for a in g.assignments]) for g in groups] == [
        ("联系人甲", [h.number for h in homes[2:5]]), ("联系人乙", [homes[0].number])]
    assert selectors.contact_of_household(homes[0].pk).contact.name == "联系人乙"
    assert selectors.contact_of_household(homes[1].pk) is None


# --- statistics -------------------------------------------------------------------------------

def test_contact_stats(reporting, world):
    from casework.contacts import services

    first = reporting["round"].first_day
    today = timezone.localdate()
    # another township's village round: counted for the district, not for t1
    services.open_round(actor=reporting["staff"]["village_other"], area=world["areas"]["v21"],
                        title="外镇", first_day=first, last_day=first)
    assert contact_stats(area_code="330703001", year=first.year, as_of=today) == {
        "contact_members": 3, "households_contacted": 5, "rounds": 1,
        "reports_expected": 26, "reports_received": 10}
    assert contact_stats(area_code="330703", year=first.year, as_of=today) == {
        "contact_members": 3, "households_contacted": 5, "rounds": 2,
        "reports_expected": 26, "reports_received": 10}
    # as of day -3: 乙 not yet a contact, 丙's second household still looked after
    assert contact_stats(area_code="330703001", year=first.year, as_of=days_ago(3)) == {
        "contact_members": 2, "households_contacted": 5, "rounds": 1,
        "reports_expected": 10, "reports_received": 7}
    # a village; the township of no round; another year
    assert contact_stats(area_code="330703001002", year=first.year, as_of=today) == {
        "contact_members": 1, "households_contacted": 1, "rounds": 0,
        "reports_expected": 0, "reports_received": 0}
    assert contact_stats(area_code="330703002", year=first.year, as_of=today)["rounds"] == 1
    assert contact_stats(area_code="330703001", year=first.year - 1,
                         as_of=today)["rounds"] == 0
    # before the round started
    assert contact_stats(area_code="330703001", year=first.year,
                         as_of=first - timedelta(days=1))["rounds"] == 0


def test_contact_stats_read_a_constant_number_of_statements(reporting,
                                                            django_assert_num_queries):
    with django_assert_num_queries(4):
        contact_stats(area_code="330703", year=reporting["round"].first_day.year,
                      as_of=timezone.localdate())
