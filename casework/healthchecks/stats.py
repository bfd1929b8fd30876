"""Health-check numbers for the statistics report to the city association.

``health_check_stats`` counts, for a year, the campaigns of the villages under an area
(a village, a township or the district: a prefix of the village code) as the real-world
dates say they stood on ``as_of``: the campaign's days and the days of the checks, not
when someone typed them in (a village that enters its paper list in January counts in
the year it held its check):

- ``campaigns``: campaigns of the year whose first day is on or before ``as_of`` (held,
  or under way);
- ``funding_yuan``: their village collectives' funding;
- ``members_listed``: the members on those campaigns' lists;
- ``checked``: of them, those checked (done or referred) on a day up to ``as_of``;
- ``referred``: of the checked, those referred on for a further look;
- ``not_done``: those recorded as not checked;
- ``coverage_percent``: ``checked`` / ``members_listed`` in per cent, one decimal place
  (half up); 0.0 when nobody is listed.

A record counts with its current result (a corrected result counts as corrected; each
change is in the record events). Two statements.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, Sum

from .models import HealthCheckCampaign, HealthCheckRecord
from .selectors import percent

Result = HealthCheckRecord.Result


def health_check_stats(*, area_code: str, year: int, as_of: date) -> dict:
    """The year's health-check numbers under ``area_code`` as of ``as_of`` (see above)."""
    campaigns = HealthCheckCampaign.objects.filter(
        area__code__startswith=area_code, year=year, first_day__lte=as_of)
    opened = campaigns.aggregate(n=Count("id"), funding=Sum("funding_yuan"))
    records = HealthCheckRecord.objects.filter(campaign__in=campaigns.values("id"))
    checked_by = Q(result__in=HealthCheckRecord.CHECKED, checked_on__lte=as_of)
    numbers = records.aggregate(
        listed=Count("id"),
        checked=Count("id", filter=checked_by),
        referred=Count("id", filter=checked_by & Q(result=Result.REFERRED)),
        not_done=Count("id", filter=Q(result=Result.NOT_DONE)))
    listed = numbers["listed"] or 0
    checked = numbers["checked"] or 0
    return {
        "campaigns": opened["n"] or 0,
        "funding_yuan": (opened["funding"] or Decimal("0")).quantize(Decimal("0.01")),
        "members_listed": listed,
        "checked": checked,
        "referred": numbers["referred"] or 0,
        "not_done": numbers["not_done"] or 0,
        "coverage_percent": percent(checked, listed) or Decimal("0.0"),
    }
