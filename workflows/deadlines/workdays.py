"""Working days in China's calendar: weekends, public holidays and swapped workdays.

``WorkingCalendar`` is plain data and pure arithmetic (tested without a
database); ``current_calendar()`` builds it from the ``CalendarDay`` rows the
admin edits, cached per process for a few minutes.

A year with no published calendar is not silently counted as calendar days: the
count falls back to Monday-to-Friday for that year only, logs a warning naming
the year, and ``manage.py check`` reports it (see ``workflows.deadlines.checks``).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta

logger = logging.getLogger("workflows.deadlines.workdays")


@dataclass(frozen=True)
class WorkingCalendar:
    """Holidays and swapped workdays of the ``years`` that have been published."""

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()  # weekend days that are worked (调休上班)
    years: frozenset[int] = frozenset()
    provisional_years: frozenset[int] = frozenset()
    _warned: set[int] = field(default_factory=set, compare=False, repr=False)

    def is_working_day(self, day: date) -> bool:
        if day.year not in self.years:
            self._warn_missing(day.year)
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def add_working_days(self, start: date, days: int) -> date:
        """The ``days``-th working day after ``start`` (``start`` itself not counted).

        With ``days`` 0 it is ``start`` if that is a working day, else the next one.
        """
        day = start
        if days <= 0:
            while not self.is_working_day(day):
                day += timedelta(days=1)
            return day
        remaining = days
        while remaining:
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def subtract_working_days(self, end: date, days: int) -> date:
        """The working day ``days`` working days before ``end``."""
        day = end
        remaining = days
        while remaining > 0:
            day -= timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end``."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count

    def missing_years(self, years) -> list[int]:
        return sorted(set(years) - self.years)

    def _warn_missing(self, year: int) -> None:
        if year not in self._warned:
            self._warned.add(year)
            logger.warning(
                "No working-day calendar is loaded for %s: counting Monday to Friday only, "
                "without public holidays. Add the year's holidays in the admin "
                "(Workflows > calendar years).", year)


_CACHE_SECONDS = 300
_cache: dict[str, tuple[float, WorkingCalendar]] = {}
_cache_lock = threading.Lock()


def current_calendar() -> WorkingCalendar:
    """The calendar from the database, cached for a few minutes per process."""
    now = time.monotonic()
    cached = _cache.get("calendar")
    if cached and now - cached[0] < _CACHE_SECONDS:
        return cached[1]
    from ..models import CalendarDay, CalendarYear

    years = dict(CalendarYear.objects.values_list("year", "provisional"))
    holidays, workdays = set(), set()
    for day, kind in CalendarDay.objects.values_list("day", "kind"):
        (workdays if kind == CalendarDay.Kind.WORKDAY else holidays).add(day)
    calendar = WorkingCalendar(
        holidays=frozenset(holidays), workdays=frozenset(workdays),
        years=frozenset(years), provisional_years=frozenset(y for y, p in years.items() if p))
    with _cache_lock:
        _cache["calendar"] = (now, calendar)
    return calendar


def forget_calendar() -> None:
    """Drop the cached calendar (after an edit in the admin, and between tests)."""
    with _cache_lock:
        _cache.clear()
