"""The working-day calendar: holidays, swapped workdays (调休) and missing years."""

import logging
from datetime import date

import pytest

from workflows.deadlines.calendar_data import read_calendar_file
from workflows.deadlines.workdays import WorkingCalendar, current_calendar, forget_calendar
from workflows.models import CalendarDay, CalendarYear


def calendar_2026() -> WorkingCalendar:
    entry = read_calendar_file()[2026]
    return WorkingCalendar(
        holidays=frozenset(d for d, kind, _ in entry["days"] if kind == "holiday"),
        workdays=frozenset(d for d, kind, _ in entry["days"] if kind == "workday"),
        years=frozenset({2026}))


def test_a_deadline_spanning_the_national_day_week_lands_on_the_right_working_day():
    cal = calendar_2026()
    # Tue 29 Sep + 5 working days: Wed 30 Sep (1); 1-7 Oct off; Thu 8 (2), Fri 9 (3),
    # Sat 10 Oct worked in exchange (4); Sun 11 off; Mon 12 Oct (5)
    assert cal.add_working_days(date(2026, 9, 29), 5) == date(2026, 10, 12)
    # Sun 20 Sep 2026 is a swapped working day
    assert cal.is_working_day(date(2026, 9, 20))
    assert cal.add_working_days(date(2026, 9, 18), 1) == date(2026, 9, 20)


def test_spring_festival_week_and_its_swapped_saturdays():
    cal = calendar_2026()
    # Thu 12 Feb + 5: Fri 13 (1), Sat 14 worked (2), 15-23 off, Tue 24 (3), 25 (4), 26 (5)
    assert cal.add_working_days(date(2026, 2, 12), 5) == date(2026, 2, 26)
    assert cal.working_days_between(date(2026, 2, 12), date(2026, 2, 26)) == 5
    assert cal.subtract_working_days(date(2026, 2, 24), 1) == date(2026, 2, 14)
    assert not cal.is_working_day(date(2026, 2, 23))  # a Monday, but a holiday
    assert cal.is_working_day(date(2026, 2, 28))  # a Saturday, but worked


def test_zero_days_means_the_same_or_next_working_day():
    cal = calendar_2026()
    assert cal.add_working_days(date(2026, 10, 3), 0) == date(2026, 10, 8)
    assert cal.add_working_days(date(2026, 10, 8), 0) == date(2026, 10, 8)


def test_a_missing_year_warns_loudly_and_counts_monday_to_friday(caplog):
    cal = calendar_2026()
    with caplog.at_level(logging.WARNING, logger="workflows.deadlines.workdays"):
        # 1 Jan 2029 is a Monday: with no 2029 calendar it counts as a working day,
        # and the log says the year is missing
        assert cal.add_working_days(date(2028, 12, 29), 1) == date(2029, 1, 1)
    assert any("2029" in r.getMessage() and "No working-day calendar" in r.getMessage()
               for r in caplog.records)
    assert cal.missing_years([2026, 2029]) == [2029]


@pytest.mark.django_db
def test_the_migration_loads_2026_and_2027_and_marks_2027_provisional():
    years = dict(CalendarYear.objects.values_list("year", "provisional"))
    assert years == {2026: False, 2027: True}
    assert CalendarDay.objects.filter(year_id=2026, kind="holiday").count() == 33
    assert CalendarDay.objects.filter(year_id=2026, kind="workday").count() == 6
    forget_calendar()
    cal = current_calendar()
    assert cal.is_working_day(date(2026, 10, 10)) and not cal.is_working_day(date(2026, 10, 5))
    assert cal.provisional_years == frozenset({2027})


@pytest.mark.django_db
def test_an_edit_in_the_admin_changes_the_count(admin_client):
    forget_calendar()
    assert current_calendar().is_working_day(date(2026, 12, 31))
    response = admin_client.post("/admin/workflows/calendarday/add/", {
        "day": "2026-12-31", "year": "2026", "kind": "holiday", "name": "测试"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not current_calendar().is_working_day(date(2026, 12, 31))


@pytest.mark.django_db
def test_a_swapped_workday_on_a_weekday_is_refused_with_the_field_named(admin_client):
    response = admin_client.post("/admin/workflows/calendarday/add/", {
        "day": "2026-12-30", "year": "2026", "kind": "workday", "name": "x"})
    assert response.status_code == 200
    assert "kind" in response.context["adminform"].form.errors
    assert not CalendarDay.objects.filter(day=date(2026, 12, 30)).exists()


@pytest.mark.django_db
def test_the_system_check_names_missing_and_provisional_years():
    from workflows.deadlines.checks import calendar_years

    messages = calendar_years(today=date(2027, 6, 1))
    text = " ".join(m.msg for m in messages)
    assert "2028" in text and "2027" in text
    assert all(m.level >= 30 for m in messages)  # warnings, shown by every manage.py run
    assert calendar_years(today=date(2026, 3, 1))[0].id == "workflows.W002"  # 2027 provisional
