"""Who may see what: the one place that scopes querysets by geography and role.

Every selector, API view and UI page, viewflow's built-in pages included, asks
here. Scoping is a prefix match on the village code stored on the row:
village staff see their village, township staff their township, district
staff and auditors the district. Families see their own household.
"""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from .errors import NotPermitted
from .models import User

Role = User.Role

STAFF_ROLES = frozenset({Role.VILLAGE_REVIEWER, Role.TOWNSHIP_APPROVER, Role.DISTRICT_APPROVER,
                         Role.AUDITOR, Role.ADMIN})
# roles that see full resident identity and phone numbers (their work needs them), in
# their own area: may_see_full_identity
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
    """The role half of ``may_see_full_identity``: whether the role ever needs full numbers."""
    return user.is_authenticated and user.role in FULL_ID_ROLES


def may_see_full_identity(user: User, person, *, area_code: str | None = None) -> bool:
    """The rule for a person's full resident identity number and phone number.

    Full for the roles whose work needs them (``FULL_ID_ROLES``), on people of their own
    area: the village reviewer of the person's village (who registers and reviews its
    households), the township and district approvers of the township or district that
    holds it (who approve its applications), and the program administrator of the area
    (who keeps its register). A superuser may see them anywhere (the Django admin's
    reveal). Everyone else, auditors and families included, sees them masked
    (``330703********123X``, ``138****5678``).

    Only detail views (one household, one case file, one admin record) apply this rule,
    and each full view is recorded (``casework.privacy.access_log``); lists are always masked.
    ``area_code`` is the person's village code when the caller has it in hand (saves
    reading the household).
    """
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    if not sees_full_id(user):
        return False
    if area_code is None:
        area_code = person.household.area_id
    return in_scope(user, area_code, person.household_id)


def can_write(user: User) -> bool:
    return user.is_authenticated and user.role not in READ_ONLY_ROLES


def require_writer(user: User) -> None:
    """Refuse a read-only role (or an anonymous user) any change: ``NotPermitted`` (403)."""
    if not can_write(user):
        raise NotPermitted(_("Your role is read-only."))


# --- keeping the association's own records ---------------------------------------------

#: who keeps each level's own records (a village's health-check campaign and contact
#: reports, a township's projects and training, the district's fund ledger and its
#: organisation); administrators of the area keep every level's. Area codes tell the
#: level by their length (district 6 digits, township 9, village 12).
KEEPER_ROLE = {6: Role.DISTRICT_APPROVER, 9: Role.TOWNSHIP_APPROVER, 12: Role.VILLAGE_REVIEWER}


def level_of(area_code: str) -> str:
    """"district", "township" or "village", from the code's length (no query)."""
    return {6: "district", 9: "township", 12: "village"}.get(len(area_code or ""), "")


def may_keep(user: User, area_code: str) -> bool:
    """Whether ``user`` may change the association's records of ``area_code``: the keeper
    role of that area's level (``KEEPER_ROLE``) or an administrator, within their own
    area. Everyone who may see the area (``in_scope``) may read them."""
    if not (can_write(user) and user.is_active and area_code):
        return False
    if user.role not in (KEEPER_ROLE.get(len(area_code)), Role.ADMIN):
        return False
    return in_scope(user, area_code, None)


def require_keeper(user: User, area_code: str) -> None:
    """``NotPermitted`` (403) unless ``may_keep(user, area_code)``."""
    if not may_keep(user, area_code):
        raise NotPermitted(_("Only the staff who keep this area's records may change them."))


# who may read the reports and the statistics report: township and district staff,
# auditors, administrators
REPORT_ROLES = frozenset({Role.TOWNSHIP_APPROVER, Role.DISTRICT_APPROVER, Role.AUDITOR,
                          Role.ADMIN})


def may_view_reports(user: User) -> bool:
    """Township and district staff, auditors and administrators with an area. Village
    reviewers (their village's few cases are on their inbox) and families are refused."""
    return bool(user.is_authenticated and user.is_active
                and getattr(user, "role", None) in REPORT_ROLES
                and getattr(user, "area_id", None))
