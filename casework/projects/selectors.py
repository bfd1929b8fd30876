"""Reads of income projects (少生快富项目), scoped to the user, joins decided here.

Who sees what (``casework.access``): a project is a township's record, so township staff
see their township's projects, district staff and auditors the district's; a village
reviewer sees the projects of the township their village lies in (the projects their
families may join), but of the households in them only those of their own village. A
household's membership carries the household's village (``ProjectHousehold.area``), so
that is the usual prefix match. Families read their own household's memberships and the
projects open in its township on their own page (``workflows.projects.family``).
"""

from __future__ import annotations

from datetime import date

from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from casework import access
from casework.models import Household, User

from .models import IncomeProject, ProjectHousehold

TOWNSHIP_DIGITS = 9


def township_code_of(area_code: str) -> str:
    """The township part of an area code (the first nine digits)."""
    return (area_code or "")[:TOWNSHIP_DIGITS]


def project_q(user: User) -> Q:
    """The projects ``user`` may read: a village reviewer their village's township's,
    other staff their area's (``access.area_q``), families none here."""
    if (user.is_authenticated and user.is_active and user.role in access.STAFF_ROLES
            and user.area_id and access.level_of(user.area_id) == "village"):
        return Q(area_id=township_code_of(user.area_id))
    return access.area_q(user, household_field=None)


def projects_for(user: User, *, township: str = "") -> QuerySet:
    """The projects ``user`` may read, township ``township`` only if given."""
    rows = IncomeProject.objects.filter(project_q(user)).select_related("area")
    if township:
        rows = rows.filter(area__code__startswith=township)
    return rows


def project_for(user: User, pk: int) -> IncomeProject:
    """The project if ``user`` may read it, else 404 (whether it exists or not)."""
    project = projects_for(user).filter(pk=pk).first()
    if project is None:
        raise Http404(_("No such project among those you may see."))
    return project


def households_of(user: User, project: IncomeProject) -> QuerySet:
    """The households of ``project`` that ``user`` may read (a village reviewer: their
    village's), with their household and village read in the same statement."""
    return (ProjectHousehold.objects.filter(project_id=project.pk)
            .filter(access.area_q(user, household_field="household"))
            .select_related("household", "area"))


def membership_for(user: User, project: IncomeProject, pk: int) -> ProjectHousehold:
    """One household's membership of ``project`` if ``user`` may read it, else 404."""
    row = households_of(user, project).filter(pk=pk).first()
    if row is None:
        raise Http404(_("No such household in this project among those you may see."))
    return row


def projects_open_to(household: Household, *, on: date | None = None) -> QuerySet:
    """The projects a family may apply to join: open (``active``) and running on ``on``
    (today), in the household's township; for the application forms."""
    on = on or timezone.localdate()
    return (IncomeProject.objects
            .filter(area_id=township_code_of(household.area_id), active=True,
                    started_on__lte=on)
            .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=on))
            .order_by("name"))


def memberships_of_household(household_id: int) -> QuerySet:
    """The household's times in projects, current first, then the latest."""
    return (ProjectHousehold.objects.filter(household_id=household_id)
            .select_related("project", "project__area")
            .order_by(F("left_on").asc(nulls_first=True), "-joined_on", "-id"))
