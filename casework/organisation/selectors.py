"""Reads of the organisation, scoped to what the user may see (``casework.access.area_q``
on each record's own area: a village's staff see their village's, a township's its
township's, the district and auditors everything), with their joins decided here once.
Families see none of it."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from casework import access
from casework.models import Membership, User

from .models import (
    ActivityDay,
    Assessment,
    AssessmentCriterion,
    AssessmentScore,
    OfficeHolder,
    OrgUnit,
    TrainingAttendance,
    TrainingSession,
)


def _q(user: User, field: str = "area") -> Q:
    return access.area_q(user, area_field=field, household_field=None)


def live_q(on: date, *, start: str = "founded_on", end: str = "dissolved_on") -> Q:
    """Rows in force on ``on``: started on or before it, not yet ended (ends exclusive)."""
    return Q(**{f"{start}__lte": on}) & (Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gt": on}))


# --- units ---------------------------------------------------------------------------------

def units_for(user: User) -> QuerySet:
    return (OrgUnit.objects.filter(_q(user)).select_related("area", "parent")
            .order_by("area_id", "id"))


def unit_detail(*, user: User, unit_id: int) -> OrgUnit:
    unit = units_for(user).filter(pk=unit_id).first()
    if unit is None:
        raise Http404(_("No such unit among those you may see."))
    return unit


def unit_children(unit: OrgUnit) -> QuerySet:
    return unit.children.select_related("area").order_by("area_id", "id")


# --- office holders -----------------------------------------------------------------------

def office_holders_for(user: User) -> QuerySet:
    return (OfficeHolder.objects.filter(_q(user)).select_related("unit", "area")
            .order_by("area_id", "id"))


def holders_of(unit: OrgUnit) -> QuerySet:
    return (OfficeHolder.objects.filter(unit_id=unit.pk).select_related("person")
            .order_by("until", "office", "since", "id"))


def holder_detail(*, user: User, holder_id: int) -> OfficeHolder:
    holder = office_holders_for(user).filter(pk=holder_id).first()
    if holder is None:
        raise Http404(_("No such office holder among those you may see."))
    return holder


def fulltime_vice_presidents_by_sex(user: User, *, on: date, area_code: str = "") -> dict:
    """Full-time vice-presidents in office on ``on`` by sex and level: ``{(level, sex):
    count}``, one statement (line 25 counts the villages': 166 men, 79 women)."""
    rows = OfficeHolder.objects.filter(
        _q(user), live_q(on, start="since", end="until"),
        office=OfficeHolder.Office.FULLTIME_VICE_PRESIDENT)
    if area_code:
        rows = rows.filter(area__code__startswith=area_code)
    counts = {}
    for kind, sex, n in (rows.order_by().values_list("unit__kind", "sex")
                         .annotate(n=Count("id"))):
        counts[(kind, sex)] = n
    return counts


# --- volunteers and 宣传员 ---------------------------------------------------------------------

ROSTER_ROLES = (Membership.Role.VOLUNTEER, Membership.Role.OUTREACH, Membership.Role.COUNCIL)


def role_holders_for(user: User, *, roles=ROSTER_ROLES, on: date) -> QuerySet:
    """Members of the roster active on ``on`` whose role is one of ``roles`` (volunteers,
    宣传员, council members), with their person and village."""
    return (Membership.objects.filter(
        _q(user, "person__household__area"), live_q(on, start="joined", end="left"),
        role__in=list(roles))
        .select_related("person__household__area")
        .defer("person__id_number", "person__phone")
        .order_by("pk"))


# --- training ---------------------------------------------------------------------------------

def sessions_for(user: User) -> QuerySet:
    return (TrainingSession.objects.filter(_q(user)).select_related("area")
            .annotate(named=Count("attendance")).order_by("-id"))


def session_detail(*, user: User, session_id: int) -> TrainingSession:
    session = sessions_for(user).select_related("created_by").filter(pk=session_id).first()
    if session is None:
        raise Http404(_("No such training session among those you may see."))
    return session


def attendance_of(session: TrainingSession) -> QuerySet:
    return (TrainingAttendance.objects.filter(session_id=session.pk).select_related("area")
            .order_by("area_id", "id"))


# --- activity days -----------------------------------------------------------------------------

def activity_days_for(user: User) -> QuerySet:
    return ActivityDay.objects.filter(_q(user)).select_related("area").order_by("-id")


def activity_day_detail(*, user: User, day_id: int) -> ActivityDay:
    day = activity_days_for(user).filter(pk=day_id).first()
    if day is None:
        raise Http404(_("No such activity day among those you may see."))
    return day


# --- assessments --------------------------------------------------------------------------------

def criteria() -> QuerySet:
    """Every criterion (policy data, read by all staff)."""
    return AssessmentCriterion.objects.order_by("position", "effective_from", "id")


def assessments_for(user: User) -> QuerySet:
    return (Assessment.objects.filter(_q(user)).select_related("area", "assessed_by")
            .prefetch_related(Prefetch("scores", queryset=AssessmentScore.objects
                                       .select_related("criterion")
                                       .order_by("criterion__position", "id")))
            .order_by("-id"))
