"""System checks: every ``manage.py`` run (and the web/worker start) warns about a
working-day calendar that is missing or still provisional for this year or the next,
so deadlines are never counted in an unknown year without anyone being told."""

from datetime import date

from django.core import checks
from django.db import DatabaseError
from django.utils import timezone


def calendar_years(today: date | None = None) -> list[checks.CheckMessage]:
    from ..models import CalendarYear

    today = today or timezone.localdate()
    wanted = (today.year, today.year + 1)
    try:
        loaded = dict(CalendarYear.objects.filter(year__in=wanted)
                      .values_list("year", "provisional"))
    except DatabaseError:  # before the first migrate
        return []
    messages: list[checks.CheckMessage] = []
    for year in wanted:
        if year not in loaded:
            messages.append(checks.Warning(
                f"No working-day calendar for {year}: deadlines in {year} count Monday to "
                "Friday only, without public holidays.",
                hint="Add the year's holidays and swapped working days in the admin "
                     "(Workflows > calendar years) from the State Council notice.",
                id="workflows.W001"))
        elif loaded[year]:
            messages.append(checks.Warning(
                f"The working-day calendar for {year} is provisional (derived from the "
                "holiday rules, not the published notice).",
                hint="Check its dates against the State Council notice in the admin and "
                     "clear 'provisional'.",
                id="workflows.W002"))
    return messages


@checks.register(checks.Tags.database)
def check_calendar(app_configs=None, databases=None, **kwargs):
    """Runs with the database checks (``migrate``, ``check --database default``)."""
    if not databases:
        return []
    return calendar_years()
