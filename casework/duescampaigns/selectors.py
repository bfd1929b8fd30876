"""Reading dues campaigns, scoped to the user.

Staff see the campaigns of their own area and of the areas above it: a village's
secretary sees their township's campaign and the district-wide one (the campaign they
collect under), a township's staff their own, the district's all of them. Families see
none. A campaign outside this is "not found" (404), whether it exists or not.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from casework import access
from casework.models import Area, User

from .models import DuesCampaign


def ancestors(code: str) -> list[str]:
    """The codes of the areas above ``code`` (its district, its township)."""
    return [code[:n] for n in (6, 9) if len(code) > n]


def visible_q(user: User) -> Q:
    """The campaigns ``user`` may read."""
    if not (user.is_authenticated and user.is_active and user.role in access.STAFF_ROLES
            and user.area_id):
        return Q(pk__in=[])
    return access.area_q(user, household_field=None) | Q(area_id__in=ancestors(user.area_id))


def campaigns_for(user: User, *, year: int | None = None) -> QuerySet:
    """The campaigns ``user`` may read (with their area and opener), newest year first."""
    rows = DuesCampaign.objects.filter(visible_q(user)).select_related("area", "created_by")
    if year is not None:
        rows = rows.filter(year=year)
    return rows.order_by("-year", "area_id")


def campaign_for(user: User, pk: int) -> DuesCampaign:
    """One campaign ``user`` may read; ``DuesCampaign.DoesNotExist`` otherwise."""
    return campaigns_for(user).get(pk=pk)


def area_for(user: User, code: str | None) -> Area:
    """The area whose rates ``user`` asks for (their own when ``code`` is empty): one in
    their scope, else ``Area.DoesNotExist`` (a 404)."""
    code = code or user.area_id or ""
    if not (user.is_authenticated and user.role in access.STAFF_ROLES
            and access.in_scope(user, code, None)):
        raise Area.DoesNotExist(code)
    return Area.objects.get(code=code)
