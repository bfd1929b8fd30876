"""The inbox: open human tasks the user may act on, found on indexed task columns; and a
case's open steps. Reads only."""

from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from casework.models import User

from . import steps

OPEN_HUMAN = (STATUS.NEW, STATUS.ASSIGNED)
# a case's open steps, as its detail lists them (a started task is still open)
OPEN_STEP = ("NEW", "ASSIGNED", "STARTED")
# what an inbox row shows; the case's JSON snapshots are never decoded for a list
TASK_ROW_FIELDS = (
    "id", "flow_task", "flow_task_type", "status", "created", "scheduled", "owner_id",
    "owner_permission", "owner_permission_obj_pk", "process_id", "process__id",
    "process__flow_class", "process__case__id", "process__case__status",
    "process__case__area__code", "process__case__area__name", "process__case__program__id",
    "process__case__program__code", "process__case__program__name_zh",
    "process__case__program__name_en", "process__case__applicant__id",
    "process__case__applicant__name", "process__case__household_id",
    # a re-certification review shows the case that granted the entitlement
    "process__recertification__id", "process__recertification__process_id",
    "process__recertification__area_id", "process__recertification__case__id",
    "process__recertification__case__status", "process__recertification__case__area__code",
    "process__recertification__case__area__name",
    "process__recertification__case__program__id",
    "process__recertification__case__program__code",
    "process__recertification__case__program__name_zh",
    "process__recertification__case__program__name_en",
    "process__recertification__case__applicant__id",
    "process__recertification__case__applicant__name",
    "process__recertification__case__household_id",
    # an appeal review shows the appealed case
    "process__appeal__id", "process__appeal__process_id", "process__appeal__case__id",
    "process__appeal__case__status", "process__appeal__case__area__code",
    "process__appeal__case__area__name", "process__appeal__case__program__id",
    "process__appeal__case__program__code", "process__appeal__case__program__name_zh",
    "process__appeal__case__program__name_en", "process__appeal__case__applicant__id",
    "process__appeal__case__applicant__name", "process__appeal__case__household_id",
    # the step's working-day deadline (none for untimed steps and reviews)
    "deadline__task_id", "deadline__due_at", "deadline__escalated_at",
)


def tasks_for(user: User):
    """Open human tasks ``user`` may act on, oldest last (keyset on id desc)."""
    qs = Task.objects.filter(flow_task_type="HUMAN", status__in=OPEN_HUMAN)
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.role == User.Role.FAMILY:
        if user.household_id is None:
            return qs.none()
        # the family's own revision steps, found through its household's cases (indexed)
        qs = qs.filter(owner_permission=steps.Role.FAMILY,
                       process__case__household_id=user.household_id)
    elif user.role in (User.Role.VILLAGE_REVIEWER, User.Role.TOWNSHIP_APPROVER,
                       User.Role.DISTRICT_APPROVER) and user.area_id:
        roles = [user.role]
        if user.role == User.Role.VILLAGE_REVIEWER:
            roles.append(steps.Role.FAMILY)  # acting for offline families
        qs = qs.filter(owner_permission__in=roles,
                       owner_permission_obj_pk__startswith=user.area_id).exclude(
            # separation of duties: an appeal is not shown to whom made the appealed decision
            owner_permission_obj_pk__endswith=f"{steps.EXCLUDED}{user.pk}")
    else:
        return qs.none()
    # left joins to both: an application's task has a case, a review a re-certification
    return qs.select_related(
        "deadline", "process__case__program", "process__case__area", "process__case__applicant",
        "process__recertification__case__program", "process__recertification__case__area",
        "process__recertification__case__applicant", "process__appeal__case__program",
        "process__appeal__case__area", "process__appeal__case__applicant",
    ).only(*TASK_ROW_FIELDS).order_by("-id")


def open_tasks_of(case) -> list[dict]:
    """The case's open human steps, oldest first: ``{"id", "step", "created"}`` each (what
    the case's API detail lists; none before its process started)."""
    if not case.process_id:
        return []
    tasks = Task.objects.filter(process_id=case.process_id, flow_task_type="HUMAN",
                                status__in=OPEN_STEP).order_by("id")
    return [{"id": t.pk, "step": t.flow_task.name, "created": t.created} for t in tasks]
