"""The inbox: open human tasks the user may act on, found on indexed task columns; and a
case's open steps. Reads only."""

from typing import NamedTuple

from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from casework.models import Case, Recertification, User

from . import steps
from .models import Appeal

OPEN_HUMAN = (STATUS.NEW, STATUS.ASSIGNED)
# a case's open steps, as its detail lists them (a started task is still open)
OPEN_STEP = ("NEW", "ASSIGNED", "STARTED")
# what an inbox row reads of the task, its process and its working-day deadline (none
# for untimed steps and reviews); the case it is about is read for the page's rows only
# (``with_cases``), so the page statement joins three tables, not eighteen
TASK_ROW_FIELDS = (
    "id", "flow_task", "flow_task_type", "status", "created", "scheduled", "owner_id",
    "owner_permission", "owner_permission_obj_pk", "process_id", "process__id",
    "process__flow_class",
    "deadline__task_id", "deadline__due_at", "deadline__escalated_at",
)


class CaseRow(NamedTuple):
    """What an inbox row shows of the case its task is about."""

    pk: int
    program_code: str
    area_id: str
    applicant_name: str


def with_cases(rows: list[Task]) -> list[Task]:
    """``rows`` (tasks read with their process), each with ``case_row``: the case it is
    about (an application's own case, a re-certification review's granting case, an
    appeal's appealed case: ``recertification.case_of_process``), read for the whole page
    in one statement whatever its length. Returns ``rows``."""
    process_ids = [task.process_id for task in rows]
    if not process_ids:
        return rows
    columns = ("program__code", "area_id", "applicant__name")
    cases = Case.objects.filter(process_id__in=process_ids).order_by().values_list(
        "process_id", "id", *columns)
    reviewed = Recertification.objects.filter(process_id__in=process_ids).order_by(
    ).values_list("process_id", "case_id", *(f"case__{c}" for c in columns))
    appealed = Appeal.objects.filter(process_id__in=process_ids).order_by().values_list(
        "process_id", "case_id", *(f"case__{c}" for c in columns))
    found = {pid: CaseRow(*rest) for pid, *rest in cases.union(reviewed, appealed, all=True)}
    for task in rows:
        task.case_row = found.get(task.process_id)
    return rows


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
    # the page's cases are read for its rows only (``with_cases``)
    return qs.select_related("deadline", "process").only(*TASK_ROW_FIELDS).order_by("-id")


def open_tasks_of(case) -> list[dict]:
    """The case's open human steps, oldest first: ``{"id", "step", "created"}`` each (what
    the case's API detail lists; none before its process started)."""
    if not case.process_id:
        return []
    tasks = Task.objects.filter(process_id=case.process_id, flow_task_type="HUMAN",
                                status__in=OPEN_STEP).order_by("id")
    return [{"id": t.pk, "step": t.flow_task.name, "created": t.created} for t in tasks]
