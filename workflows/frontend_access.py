"""Who sees which processes and tasks in the staff frontend (viewflow's Material UI).

The rules are ``casework.access`` (a case's village code starts with the
user's area code) and ``workflows.selectors.tasks_for`` (a task's role and
scope key, for the work a user may take); this module only names the joins
from viewflow's ``Process`` and ``Task`` rows to the case.
"""

from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

from casework import access
from casework.models import Case, User

from .selectors import tasks_for

# what a task list row shows: the case, its program, applicant and village
TASK_ROW_RELATED = ("process__case__program", "process__case__applicant",
                    "process__case__area", "owner")
PROCESS_ROW_RELATED = ("case__program", "case__applicant", "case__area")


def is_staff(user) -> bool:
    """Staff roles use the frontend; families and anonymous users do not."""
    return bool(user.is_authenticated and user.is_active
                and getattr(user, "role", None) in access.STAFF_ROLES)


def is_read_only(user) -> bool:
    return not access.can_write(user)


def scoped_process_ids(user: User):
    """Ids of the processes whose case ``user`` may see: ``casework.access.scope`` on the
    case's own indexed village column, as a subquery (no join in the outer query)."""
    return access.scope(Case.objects.all(), user).filter(
        process_id__isnull=False).values("process_id")


def processes_for(user: User, flow_class):
    """Processes of ``flow_class`` in the user's area, newest first."""
    if not is_staff(user):
        return Process.objects.none()
    return (Process.objects.filter(flow_class=flow_class).filter(pk__in=scoped_process_ids(user))
            .select_related(*PROCESS_ROW_RELATED).order_by("-id"))


def visible_tasks(user: User, flow_class):
    """Every task of ``flow_class`` whose case ``user`` may see (read access)."""
    if not is_staff(user):
        return Task.objects.none()
    return (Task.objects.filter(process__flow_class=flow_class)
            .filter(process_id__in=scoped_process_ids(user)))


def inbox_for(user: User, flow_class):
    """Tasks assigned to ``user`` that are still theirs to do, in their area."""
    return (visible_tasks(user, flow_class)
            .filter(flow_task_type="HUMAN", owner=user, status=STATUS.ASSIGNED)
            .select_related(*TASK_ROW_RELATED).order_by("-id"))


def queue_for(user: User, flow_class):
    """Unassigned human tasks ``user`` may take (``tasks_for``); for a read-only
    role, every unassigned human task in the area (shown, never assignable)."""
    if is_read_only(user):
        qs = visible_tasks(user, flow_class).filter(flow_task_type="HUMAN")
    else:
        qs = tasks_for(user).filter(process__flow_class=flow_class)
    return qs.filter(status=STATUS.NEW).select_related(*TASK_ROW_RELATED).order_by("-id")


def archive_for(user: User, flow_class):
    """Human tasks ``user`` finished, in their area."""
    return (visible_tasks(user, flow_class)
            .filter(flow_task_type="HUMAN", owner=user, finished__isnull=False)
            .select_related(*TASK_ROW_RELATED).order_by("-id"))


def may_view_process(user: User, process_pk) -> bool:
    if not is_staff(user):
        return False
    return access.scope(Case.objects.filter(process_id=process_pk), user).exists()


def scoped_task(user: User, flow_class, *, process_pk, task_pk):
    """The task row if it belongs to ``process_pk`` and ``user`` may see its case, else None."""
    return (visible_tasks(user, flow_class)
            .filter(pk=task_pk, process_id=process_pk)
            .only("id", "process_id", "owner_id", "status", "flow_task", "flow_task_type")
            .first())
