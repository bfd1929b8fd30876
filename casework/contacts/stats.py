"""Contact households in the statistics report to the city association: exact numbers, as
of a date, for an area prefix (a township or the district).

``contact_stats`` counts, for the area ``area_code`` (every village whose code starts
with it):

- ``contact_members``: distinct members with an assignment open on ``as_of``;
- ``households_contacted``: households with an assignment open on ``as_of``;
- ``rounds``: reporting rounds of the area (a village's or a township's) whose first day
  is in ``year`` and no later than ``as_of``;
- ``reports_expected``: over those rounds, the reports owed on their reporting days up
  to ``as_of`` (each day, each household of the round's area with an assignment open
  that day; ``casework.contacts.selectors``);
- ``reports_received``: the reports filed for those rounds on those days.

Four statements whatever the number of rows.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Count

from .models import ContactAssignment, ContactReport, ReportingRound
from .selectors import days_covered, open_on_q, reporting_days


def contact_stats(*, area_code: str, year: int, as_of: date) -> dict[str, int]:
    """The contact-household figures of ``area_code`` for ``year``, as of ``as_of``."""
    open_now = ContactAssignment.objects.filter(open_on_q(as_of),
                                                area__code__startswith=area_code)
    figures = open_now.aggregate(contact_members=Count("contact_id", distinct=True),
                                 households_contacted=Count("household_id", distinct=True))
    rounds = list(ReportingRound.objects.filter(area__code__startswith=area_code,
                                                first_day__year=year, first_day__lte=as_of)
                  .order_by("id"))
    expected = received = 0
    if rounds:
        spans = list(ContactAssignment.objects.filter(area__code__startswith=area_code)
                     .values_list("area_id", "since", "until"))
        for round_ in rounds:
            days = reporting_days(round_, up_to=as_of)
            expected += sum(days_covered(since, until, days) for village, since, until in spans
                            if village.startswith(round_.area_id))
        received = ContactReport.objects.filter(
            round_id__in=[r.pk for r in rounds], report_date__lte=as_of,
            area__code__startswith=area_code).count()
    return {
        "contact_members": figures["contact_members"] or 0,
        "households_contacted": figures["households_contacted"] or 0,
        "rounds": len(rounds),
        "reports_expected": expected,
        "reports_received": received,
    }
