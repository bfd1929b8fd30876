"""The inbox: open human tasks the user may act on, found on indexed task columns; and a
case's open steps. Reads only."""

from datetime import datetime
from typing import NamedTuple

from django.db.models import CharField, ExpressionWrapper, F, Q
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from casework.models import Case, User

from . import steps
from .due_order import DueCursor, due_page
from .models import Appeal, Recertification
from .viewflow_adapter import node_name

OPEN_HUMAN = (STATUS.NEW, STATUS.ASSIGNED)
# a case's open steps, as its detail lists them (a started task is still open)
OPEN_STEP = ("NEW", "ASSIGNED", "STARTED")
# what an inbox row reads of the task, its process and its working-day deadline (none
# for untimed steps and reviews); the case it is about is read for the page's rows only
# (``cases_of``), so the page statement joins three tables, not eighteen
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


class InboxRow(NamedTuple):
    """One row of the API's inbox (``inbox_page``): a task's columns, its open deadline's
    and the case it is about; plain values, no model built."""

    id: int
    step: str
    created: datetime
    process_id: int
    due_at: datetime | None
    escalated_at: datetime | None
    case: CaseRow | None


#: the task columns an inbox row reads (``due_order.due_page(columns=...)``); ``step_ref``
#: is the stored node reference as text, not resolved to the node (an import per row)
INBOX_COLUMNS = ("id", "step_ref", "created", "process_id")


def inbox_page(tasks, after: DueCursor | None, size: int,
               scope: Q | None = None) -> tuple[list[InboxRow], bool]:
    """A page of ``tasks`` (``tasks_for``) in due order after ``after`` and whether more
    follow: at most two statements for the tasks (``due_order.due_page``, one join to
    their deadlines) and one or two for the cases they are about (``cases_of``)."""
    tasks = tasks.annotate(step_ref=ExpressionWrapper(F("flow_task"), output_field=CharField()))
    rows = due_page(tasks, after, size + 1, scope, columns=INBOX_COLUMNS)
    more, rows = len(rows) > size, rows[:size]
    cases = cases_of([row.process_id for row in rows])
    return [InboxRow(row.id, node_name(row.step_ref), row.created, row.process_id,
                     row.due_at, row.escalated_at, cases.get(row.process_id))
            for row in rows], more


def cases_of(process_ids: list[int]) -> dict[int, CaseRow]:
    """The case each process is about, by process id: an application's own case, a
    re-certification review's granting case, an appeal's appealed case
    (``recertification.case_of_process``). One statement for applications' processes
    (nearly every inbox row), a second only for those it did not find."""
    if not process_ids:
        return {}
    columns = ("program__code", "area_id", "applicant__name")
    found = {pid: CaseRow(*rest) for pid, *rest in Case.objects.filter(
        process__in=process_ids).order_by().values_list("process__id", "id", *columns)}
    rest = [pid for pid in process_ids if pid not in found]
    if rest:
        reviewed = Recertification.objects.filter(process_id__in=rest).order_by(
        ).values_list("process_id", "case_id", *(f"case__{c}" for c in columns))
        appealed = Appeal.objects.filter(process_id__in=rest).order_by().values_list(
            "process_id", "case_id", *(f"case__{c}" for c in columns))
        found |= {pid: CaseRow(*row) for pid, *row in reviewed.union(appealed, all=True)}
    return found


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
    # the page's cases are read for its rows only (``cases_of``)
    return qs.select_related("deadline", "process").only(*TASK_ROW_FIELDS).order_by("-id")


def open_tasks_of(case) -> list[dict]:
    """The case's open human steps, oldest first: ``{"id", "step", "created"}`` each (what
    the case's API detail lists; none before its process started)."""
    tasks = Task.objects.filter(process__case=case.pk, flow_task_type="HUMAN",
                                status__in=OPEN_STEP).order_by("id")
    return [{"id": t.pk, "step": t.flow_task.name, "created": t.created} for t in tasks]
