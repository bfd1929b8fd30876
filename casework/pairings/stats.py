"""Assistance pairings in numbers, for the statistics report to the city association.

``pairing_stats`` counts, for an area prefix (a village, a township or the district), as
of a date, from the records' own dates (not from the stored ``state``, which the daily
sweep keeps for today only), so a past date gives what was true then:

- ``partners``: active partners of the area added by ``as_of`` (a partner of a township
  counts for the township and the district, one of a village for all three levels);
- ``contracts_running``: contracts running on ``as_of`` (``starts_on <= as_of <=
  ends_on``, not ended early on or before ``as_of``);
- ``households_paired``: the distinct households of those contracts;
- ``contracts_signed``: contracts signed in ``year``, up to ``as_of``;
- ``visits``: visits made in ``year``, up to ``as_of``.

Three statements whatever the number of rows.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q

from .models import PairingContract, PairingVisit, Partner


def pairing_stats(*, area_code: str, year: int, as_of: date) -> dict:
    """The pairing figures of ``area_code`` for ``year``, as of ``as_of`` (see the module)."""
    year_start, year_end = date(year, 1, 1), min(date(year, 12, 31), as_of)
    partners = Partner.objects.filter(area__code__startswith=area_code, active=True,
                                      created_at__date__lte=as_of).count()
    running = (Q(starts_on__lte=as_of, ends_on__gte=as_of)
               & (Q(ended_on__isnull=True) | Q(ended_on__gt=as_of)))
    contracts = PairingContract.objects.filter(area__code__startswith=area_code).aggregate(
        contracts_running=Count("pk", filter=running),
        households_paired=Count("household", filter=running, distinct=True),
        contracts_signed=Count("pk", filter=Q(signed_on__gte=year_start,
                                              signed_on__lte=year_end)),
    )
    visits = PairingVisit.objects.filter(area__code__startswith=area_code,
                                         visited_on__gte=year_start,
                                         visited_on__lte=year_end).count()
    return {
        "partners": partners,
        "contracts_running": contracts["contracts_running"] or 0,
        "households_paired": contracts["households_paired"] or 0,
        "contracts_signed": contracts["contracts_signed"] or 0,
        "visits": visits,
    }
