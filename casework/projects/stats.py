"""Income projects in the statistics report to the city association (项目数, 帮扶户数).

``project_stats`` counts, for an area prefix (a township or the district), as of a date:

- ``projects``: projects that run on ``as_of`` (started on or before it, not ended:
  ``ended_on`` is the first day without, so a project ending on ``as_of`` is not
  counted);
- ``households_helped``: distinct households in a running project on ``as_of`` (joined
  on or before it, not yet left);
- ``villages_with_project``: distinct villages of those households (the report: "70%以上
  村(居)也在不同程度上开展了项目", line 57; a project here is a township's, so a village
  takes part through its households);
- ``households_joined``: distinct households that joined a project in ``year``, on or
  before ``as_of``;
- ``support_yuan``: the support recorded for the memberships that began in ``year`` on
  or before ``as_of`` (``ProjectHousehold.support_yuan``, the worth of what each
  household was given), a ``Decimal`` with two places.

Projects are counted by their township's code, households by their village's, so the
district's numbers are the sum of its townships'. Three statements whatever the number
of rows.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Count, F, Q, Sum

from .models import IncomeProject, ProjectHousehold

ZERO = Decimal("0.00")


def _runs_on(as_of: date, prefix: str = "") -> Q:
    return (Q(**{f"{prefix}started_on__lte": as_of})
            & (Q(**{f"{prefix}ended_on__isnull": True}) | Q(**{f"{prefix}ended_on__gt": as_of})))


def project_stats(*, area_code: str, year: int, as_of: date) -> dict:
    """The income-project numbers of ``area_code`` (a prefix) for ``year`` as of
    ``as_of`` (see the module's docstring)."""
    projects = (IncomeProject.objects.filter(area__code__startswith=area_code)
                .filter(_runs_on(as_of)).count())
    in_area = ProjectHousehold.objects.filter(area__code__startswith=area_code)
    helped = (in_area.filter(joined_on__lte=as_of)
              .filter(Q(left_on__isnull=True) | Q(left_on__gt=as_of))
              .filter(_runs_on(as_of, "project__"))
              .aggregate(n=Count("household_id", distinct=True),
                         villages=Count("area_id", distinct=True)))
    start = date(year, 1, 1)
    end = min(as_of, date(year, 12, 31))
    joined = in_area.filter(joined_on__gte=start, joined_on__lte=end).aggregate(
        n=Count("household_id", distinct=True), yuan=Sum(F("support_yuan")))
    return {
        "projects": projects,
        "households_helped": helped["n"] or 0,
        "villages_with_project": helped["villages"] or 0,
        "households_joined": joined["n"] or 0,
        "support_yuan": (joined["yuan"] or ZERO).quantize(Decimal("0.01")),
    }
