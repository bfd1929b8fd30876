"""The human steps of an application and who may act on them.

A human task row carries its scope in viewflow's own columns, set when the
task is created: ``owner_permission`` holds the role that acts on it and
``owner_permission_obj_pk`` the case's village code (or ``hh:<id>`` for the
family's own step, prefixed by the village code so the village
staff can act for families who are offline). Checking a user against a task, and listing a user's
inbox, then needs no join: a role match and a prefix match on indexed columns.
An appeal's task also names who may not act on it (``excluding``: the scope key ends in
``/not<user id>``), still one column.
"""

from casework.models import CaseStatus, User

Role = User.Role

VILLAGE_REVIEW = "village_review"
TOWNSHIP_REVIEW = "township_review"
DISTRICT_REVIEW = "district_review"
OBJECTION_REVIEW = "objection_review"
FAMILY_REVISION = "family_revision"

STEP_ROLE = {
    VILLAGE_REVIEW: Role.VILLAGE_REVIEWER,
    OBJECTION_REVIEW: Role.VILLAGE_REVIEWER,
    TOWNSHIP_REVIEW: Role.TOWNSHIP_APPROVER,
    DISTRICT_REVIEW: Role.DISTRICT_APPROVER,
    FAMILY_REVISION: Role.FAMILY,
}
STEP_STATUS = {
    VILLAGE_REVIEW: CaseStatus.VILLAGE_REVIEW,
    OBJECTION_REVIEW: CaseStatus.PUBLIC_NOTICE,
    TOWNSHIP_REVIEW: CaseStatus.TOWNSHIP_REVIEW,
    DISTRICT_REVIEW: CaseStatus.DISTRICT_REVIEW,
    FAMILY_REVISION: CaseStatus.RETURNED,
}
DECISION_STEPS = (VILLAGE_REVIEW, OBJECTION_REVIEW, TOWNSHIP_REVIEW, DISTRICT_REVIEW)
STEP_LEVEL = {VILLAGE_REVIEW: "village", OBJECTION_REVIEW: "village",
              TOWNSHIP_REVIEW: "township", DISTRICT_REVIEW: "district"}
LEVEL_ORDER = ("village", "township", "district")

# the appeal of a rejection (``workflows.appeals``): reviewed one level above the level
# that rejected; the district, the top of the association, reviews its own rejections
# (by another approver: the task's scope key excludes the one who rejected)
APPEAL_REVIEW = "appeal_review"
APPEAL_ROLE = {"village": Role.TOWNSHIP_APPROVER, "township": Role.DISTRICT_APPROVER,
               "district": Role.DISTRICT_APPROVER}
# the re-certification review of an entitlement that no longer qualifies
# (``workflows.recertification``): decided by its village
RECERTIFICATION_REVIEW = "recertification_review"
RECERTIFICATION_ROLE = Role.VILLAGE_REVIEWER
# a scope key ending in EXCLUDED + a user id: that user may not act on the task
EXCLUDED = "/not"


def excluding(scope_key: str, user_id: int) -> str:
    """``scope_key`` with ``user_id`` barred from the task (separation of duties)."""
    return f"{scope_key}{EXCLUDED}{user_id}"


def is_excluded(user: User, scope_key: str) -> bool:
    """Whether the scope key bars ``user`` (an appeal's task bars the appealed decision's
    maker): checked before the role and area, so no role lets them act."""
    return scope_key.endswith(f"{EXCLUDED}{user.pk}")


def task_scope_key(step: str, case) -> str:
    """What ``owner_permission_obj_pk`` holds for a task of ``step`` on ``case``."""
    if step == FAMILY_REVISION:
        return f"{case.area_id}/hh{case.household_id}"
    return case.area_id


def user_may_act(user: User, role: str, scope_key: str) -> bool:
    """Whether ``user`` may decide a task of ``role`` scoped to ``scope_key`` (no query)."""
    if not user.is_authenticated or not user.is_active or is_excluded(user, scope_key):
        return False
    if role == Role.FAMILY:
        # the family, or the village staff acting on its behalf
        if user.role == Role.FAMILY:
            return user.household_id is not None and scope_key.endswith(
                f"/hh{user.household_id}")
        return (user.role == Role.VILLAGE_REVIEWER and bool(user.area_id)
                and scope_key.startswith(user.area_id))
    return user.role == role and bool(user.area_id) and scope_key.startswith(user.area_id)


def is_final(case, step: str) -> bool:
    """Whether approving ``step`` is the program's last level (then it grants)."""
    level = (case.eligibility.get("parameters") or {}).get("approval_level", "township")
    return step in STEP_LEVEL and step != OBJECTION_REVIEW and STEP_LEVEL[step] == level
