"""Who may see what: the one place that scopes querysets by geography and role.

Every selector, API view and UI page, viewflow's built-in pages included, asks
here. Scoping is a prefix match on the village code stored on the row:
village staff see their village, township staff their township, district
staff and auditors the district. Families see their own household.
"""

from django.db.models import Q, QuerySet

from .models import User

Role = User.Role

STAFF_ROLES = frozenset({Role.VILLAGE_REVIEWER, Role.TOWNSHIP_APPROVER, Role.DISTRICT_APPROVER,
                         Role.AUDITOR, Role.ADMIN})
# roles that see full resident identity numbers (their work needs them)
FULL_ID_ROLES = frozenset({Role.VILLAGE_REVIEWER, Role.TOWNSHIP_APPROVER,
                           Role.DISTRICT_APPROVER, Role.ADMIN})
READ_ONLY_ROLES = frozenset({Role.AUDITOR})


def _nothing() -> Q:
    return Q(pk__in=[])


def area_q(user: User, *, area_field: str = "area", household_field: str | None = "household"
           ) -> Q:
    """The filter that limits rows to ``user``'s scope.

    ``area_field`` names the row's village FK (indexed, prefix-searchable);
    ``household_field`` the household FK used for family accounts ("" when the
    row *is* a household, i.e. match on its own pk).
    """
    if not user.is_authenticated or not user.is_active:
        return _nothing()
    if user.role == Role.FAMILY:
        if user.household_id is None or household_field is None:
            return _nothing()
        key = f"{household_field}_id" if household_field else "pk"
        return Q(**{key: user.household_id})
    if user.role in STAFF_ROLES:
        if user.area_id is None:
            return _nothing()
        return Q(**{f"{area_field}__code__startswith": user.area_id})
    return _nothing()


def scope(qs: QuerySet, user: User, *, area_field: str = "area",
          household_field: str | None = "household") -> QuerySet:
    return qs.filter(area_q(user, area_field=area_field, household_field=household_field))


def in_scope(user: User, area_code: str, household_id: int | None) -> bool:
    """The same rule as ``area_q``, on ids already in hand (no query)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.role == Role.FAMILY:
        return household_id is not None and user.household_id == household_id
    if user.role in STAFF_ROLES and user.area_id:
        return area_code.startswith(user.area_id)
    return False


def sees_full_id(user: User) -> bool:
    return user.is_authenticated and user.role in FULL_ID_ROLES


def can_write(user: User) -> bool:
    return user.is_authenticated and user.role not in READ_ONLY_ROLES
