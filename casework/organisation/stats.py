"""The organisation's figures for the statistics report to the city association.

``organisation_stats`` counts, for an area (the district or a township; a village works
too) and a year, as of a date: the roster's members by role, the live units, the
full-time vice-presidents in office by sex, the year's training and activity days up to
that date, and the year's model-association assessments made by then. Exact numbers,
a handful of aggregate statements whatever the size of the area.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, Sum

from casework.models import Membership

from .models import (
    ActivityDay,
    Assessment,
    OfficeHolder,
    OrgUnit,
    TrainingAttendance,
    TrainingSession,
)
from .selectors import live_q

KEYS = ("members", "volunteers", "outreach_workers", "council_members", "units_township",
        "units_village", "enterprise_associations", "migrant_groups",
        "enterprise_association_members", "migrant_group_members",
        "vice_presidents_fulltime_township", "vice_presidents_fulltime_male",
        "vice_presidents_fulltime_female", "trainings",
        "trained", "activity_days", "activity_sessions", "people_examined",
        "activity_spending_yuan", "assessed_villages", "model_villages")


def _int(value) -> int:
    return int(value or 0)


def organisation_stats(*, area_code: str, year: int, as_of: date) -> dict:
    """The organisation's figures of ``area_code`` (a prefix of area codes) for ``year``
    as of ``as_of``:

    - ``members``: people of the area's roster with a membership active on ``as_of``;
      ``volunteers``, ``outreach_workers`` (宣传员), ``council_members`` (理事): those
      of them in that role;
    - ``units_township``, ``units_village``, ``enterprise_associations``,
      ``migrant_groups``: units live on ``as_of``; ``enterprise_association_members``,
      ``migrant_group_members``: the members those units count (not on the roster);
    - ``vice_presidents_fulltime_township``: full-time vice-presidents of township
      associations in office on ``as_of`` (the seed: all 11 townships staffed, line 23);
      ``vice_presidents_fulltime_male`` / ``_female``: those of village associations, by
      sex, as the seed counts them ("245人中有男性166人,女性79人", lines 24-25: the
      villages' alone);
    - ``trainings``: sessions organised in the area that began in ``year`` by ``as_of``;
      ``trained``: their attendees recorded by name plus those counted;
    - ``activity_days``, ``activity_sessions``, ``people_examined``,
      ``activity_spending_yuan`` (Decimal): activity days held in ``year`` by ``as_of``;
    - ``assessed_villages``, ``model_villages``: villages assessed for ``year`` by
      ``as_of``, and those rated model associations.
    """
    prefix = area_code or ""
    start = date(year, 1, 1)
    end = min(date(year, 12, 31), as_of)

    roles = Membership.Role
    roster = Membership.objects.filter(
        live_q(as_of, start="joined", end="left"),
        person__household__area__code__startswith=prefix).aggregate(
        members=Count("id"),
        volunteers=Count("id", filter=Q(role=roles.VOLUNTEER)),
        outreach_workers=Count("id", filter=Q(role=roles.OUTREACH)),
        council_members=Count("id", filter=Q(role=roles.COUNCIL)))

    kind = OrgUnit.Kind
    units = OrgUnit.objects.filter(live_q(as_of), area__code__startswith=prefix).aggregate(
        units_township=Count("id", filter=Q(kind=kind.TOWNSHIP)),
        units_village=Count("id", filter=Q(kind=kind.VILLAGE)),
        enterprise_associations=Count("id", filter=Q(kind=kind.ENTERPRISE)),
        migrant_groups=Count("id", filter=Q(kind=kind.MIGRANT)),
        enterprise_association_members=Sum("member_count", filter=Q(kind=kind.ENTERPRISE)),
        migrant_group_members=Sum("member_count", filter=Q(kind=kind.MIGRANT)))

    holders = OfficeHolder.objects.filter(
        live_q(as_of, start="since", end="until"), area__code__startswith=prefix,
        office=OfficeHolder.Office.FULLTIME_VICE_PRESIDENT).aggregate(
        vice_presidents_fulltime_township=Count("id", filter=Q(unit__kind=kind.TOWNSHIP)),
        vice_presidents_fulltime_male=Count("id", filter=Q(sex="M", unit__kind=kind.VILLAGE)),
        vice_presidents_fulltime_female=Count("id", filter=Q(sex="F",
                                                             unit__kind=kind.VILLAGE)))

    sessions = TrainingSession.objects.filter(area__code__startswith=prefix,
                                              first_day__gte=start, first_day__lte=end)
    training = sessions.aggregate(trainings=Count("id"), others=Sum("other_attendees"))
    named = TrainingAttendance.objects.filter(
        session__in=sessions.values("id")).aggregate(n=Count("id"))["n"]

    activity = ActivityDay.objects.filter(
        area__code__startswith=prefix, held_on__gte=start, held_on__lte=end).aggregate(
        activity_days=Count("id"), activity_sessions=Sum("sessions_held"),
        people_examined=Sum("people_examined"),
        activity_spending_yuan=Sum("spending_yuan"))

    assessed = Assessment.objects.filter(
        area__code__startswith=prefix, year=year, assessed_on__lte=as_of).aggregate(
        assessed_villages=Count("id"),
        model_villages=Count("id", filter=Q(rating=Assessment.Rating.MODEL)))

    result = {
        **{k: _int(v) for k, v in roster.items()},
        **{k: _int(v) for k, v in units.items()},
        **{k: _int(v) for k, v in holders.items()},
        "trainings": _int(training["trainings"]),
        "trained": _int(named) + _int(training["others"]),
        "activity_days": _int(activity["activity_days"]),
        "activity_sessions": _int(activity["activity_sessions"]),
        "people_examined": _int(activity["people_examined"]),
        "activity_spending_yuan": Decimal(activity["activity_spending_yuan"] or 0).quantize(
            Decimal("0.01")),
        **{k: _int(v) for k, v in assessed.items()},
    }
    return {key: result[key] for key in KEYS}
