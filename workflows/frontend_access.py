"""Who sees which processes and tasks in the staff frontend (viewflow's Material UI).

The rules are ``casework.access`` (a case's village code starts with the
user's area code) and ``workflows.selectors.tasks_for`` (a task's role and
scope key, for the work a user may take); this module only names the joins
from viewflow's ``Process`` and ``Task`` rows to the case.
"""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from viewflow.workflow.fields import get_flow_ref
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

from casework import access
from casework.models import FINAL_STATUSES, Case, User

from . import steps, subjects
from .models import Appeal, Recertification
from .selectors import tasks_for

# what a process page shows of its case (the lists read their rows' cases separately,
# see ``task_rows.cases_by_process``: the querysets here join nothing they don't filter on)
PROCESS_ROW_RELATED = ("case__program", "case__applicant", "case__area")


def is_staff(user) -> bool:
    """Staff roles use the frontend; families and anonymous users do not."""
    return bool(user.is_authenticated and user.is_active
                and getattr(user, "role", None) in access.STAFF_ROLES)


def scope_key(user) -> tuple:
    """What every scope in this module depends on: the user's own fields, no other row.
    A statement built from these scopes alone may be kept under this key (the menu's
    badges, ``frontend_views.MenuBadges``)."""
    return (user.pk, user.is_authenticated, user.is_active, getattr(user, "role", None),
            getattr(user, "area_id", None), getattr(user, "household_id", None))


def staff_only(view):
    """A staff page's view: staff with an area, else 403 (the site's guard has already
    sent anonymous users to the login page and families to /family/). One decorator for
    the roster's and the association's pages."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not (user.is_authenticated and user.role in access.STAFF_ROLES and user.area_id):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def is_read_only(user) -> bool:
    return not access.can_write(user)


# the cases whose process may have a finished end task: the closed ones
FINISHED_CASE_STATUSES = tuple(FINAL_STATUSES)


def scoped_cases(user: User):
    """The cases ``user`` may see: ``casework.access.scope`` on the case's own indexed
    village column. (An application's process names its case: ``process.case``.)"""
    return access.scope(Case.objects.all(), user)


def scoped_reviews(user: User):
    """The re-certification reviews with a process that ``user`` may see: the same rule on
    the review's own indexed village column (the entitlement's village)."""
    return access.scope(Recertification.objects.filter(process_id__isnull=False), user,
                        household_field="case__household")


def scoped_review_process_ids(user: User):
    """Ids of the re-certification review processes ``user`` may see, as a subquery."""
    return scoped_reviews(user).values("process_id")


def scoped_appeals(user: User):
    """The appeals with a process that ``user`` may see: the same rule on the appeal's own
    indexed village column (the case's village)."""
    return access.scope(Appeal.objects.filter(process_id__isnull=False), user,
                        household_field="case__household")


def scoped_rows(user: User, flow_class):
    """The rows that scope ``flow_class``'s processes, each with its process id: reviews
    and appeals their own row, applications their case."""
    subject = subjects.subject_of(flow_class)
    if subject == subjects.RECERTIFICATION:
        return scoped_reviews(user)
    if subject == subjects.APPEAL:
        return scoped_appeals(user)
    return scoped_cases(user)


def _process_ids(rows):
    """``rows``' process ids, as a subquery: a review's and an appeal's row holds its
    process's id, a case is named by its process (``process.case``)."""
    if rows.model is Case:
        return rows.filter(process__isnull=False).values("process__id")
    return rows.values("process_id")


#: a village's few cases are read first, then their processes (``_in_scope``, the staff
#: board): left to itself the planner walks the processes or tasks backwards until enough
#: of the scope turn up, which is right for a township or the district but reads thousands
#: of rows for a village; a LIMIT on the case subquery keeps it from being merged into that
#: walk (it is read whole, once, and looked up by hash)
CASES_FIRST_ROLES = (User.Role.VILLAGE_REVIEWER,)
CASES_FIRST_LIMIT = 10**9  # a LIMIT that keeps a subquery whole, not a bound


def _in_scope(user: User, flow_class, *, tasks: bool) -> Q:
    """Processes (or, ``tasks``, their tasks) of ``flow_class`` whose subject ``user`` may
    see. An application's process is matched on the case id it holds (its own artifact
    column) against the scoped cases' ids: the subquery reads the case table alone, one
    indexed column, however many cases the scope holds (a district: all of them). A
    review's and an appeal's row holds its process's id."""
    rows = scoped_rows(user, flow_class)
    if rows.model is Case:
        ids = rows.values("pk")
        if getattr(user, "role", None) in CASES_FIRST_ROLES:
            ids = ids[:CASES_FIRST_LIMIT]
        return Q(**{"process__case__in" if tasks else "case__in": ids})
    return Q(**{"process_id__in" if tasks else "pk__in": rows.values("process_id")})


def process_ids_of(rows, case_statuses=None):
    """The process ids of ``rows`` (``scoped_rows``) as a subquery; only cases in
    ``case_statuses`` if given and ``rows`` are cases (a review has no case status)."""
    if case_statuses is not None and rows.model is Case:
        rows = rows.filter(status__in=case_statuses)
    return _process_ids(rows)


def step_case_statuses(node):
    """The case statuses an open task of ``node`` can be on: a decision step's task exists
    while its case is in the step's status (``DecisionStep.enter`` moves the case there);
    None (any) for other nodes."""
    status = steps.STEP_STATUS.get(getattr(node, "step", None))
    return None if status is None else (status,)


def processes_for(user: User, flow_class):
    """Processes of ``flow_class`` in the user's area, newest first."""
    if not is_staff(user):
        return Process.objects.none()
    return (Process.objects.filter(flow_class=flow_class)
            .filter(_in_scope(user, flow_class, tasks=False)).order_by("-id"))


def of_flow(tasks, flow_class):
    """``tasks`` of ``flow_class``'s processes, told from the task row: a task's node
    reference is its flow's reference, a dot and the node's name (``get_task_ref``), and a
    process's tasks are nodes of its flow. For the queue, whose scope is on the task's own
    indexed columns: joining the process table costs more to plan than the rest of it.
    (Where the scope is the case's, ``visible_tasks``, the join stays: through the process
    the planner looks each task's case up by its unique process id.)"""
    return tasks.filter(flow_task__startswith=f"{get_flow_ref(flow_class)}.")


def visible_tasks(user: User, flow_class):
    """Every task of ``flow_class`` whose case ``user`` may see (read access)."""
    if not is_staff(user):
        return Task.objects.none()
    return (Task.objects.filter(process__flow_class=flow_class)
            .filter(_in_scope(user, flow_class, tasks=True)))


def inbox_for(user: User, flow_class):
    """Tasks assigned to ``user`` that are still theirs to do, in their area."""
    return (visible_tasks(user, flow_class)
            .filter(flow_task_type="HUMAN", owner=user, status=STATUS.ASSIGNED).order_by("-id"))


def queue_for(user: User, flow_class):
    """Unassigned human tasks ``user`` may take (``tasks_for``); for a read-only
    role, every unassigned human task in the area (shown, never assignable)."""
    if is_read_only(user):
        qs = visible_tasks(user, flow_class).filter(flow_task_type="HUMAN")
    else:
        qs = of_flow(tasks_for(user).select_related(None), flow_class)
    return qs.filter(status=STATUS.NEW).order_by("-id")


def archive_for(user: User, flow_class):
    """Human tasks ``user`` finished, in their area."""
    return (visible_tasks(user, flow_class)
            .filter(flow_task_type="HUMAN", owner=user, finished__isnull=False).order_by("-id"))


def may_view_process(user: User, process_pk) -> bool:
    if not is_staff(user):
        return False
    return (access.scope(Case.objects.filter(process=process_pk), user).exists()
            or access.scope(Recertification.objects.filter(process_id=process_pk), user,
                            household_field="case__household").exists()
            or scoped_appeals(user).filter(process_id=process_pk).exists())


def scoped_task(user: User, flow_class, *, process_pk, task_pk):
    """The task row if it belongs to ``process_pk`` and ``user`` may see its case, else None."""
    return (visible_tasks(user, flow_class)
            .filter(pk=task_pk, process_id=process_pk)
            .only("id", "process_id", "owner_id", "status", "flow_task", "flow_task_type")
            .first())
