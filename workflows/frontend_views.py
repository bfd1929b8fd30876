"""viewflow's frontend views, scoped to the user's area (see ``frontend_access``).

Each class keeps viewflow's page and template and replaces only what reads
rows or checks permission: the querysets go through ``frontend_access``
instead of viewflow's model-permission filters, and the detail pages answer
404 for a process or task outside the user's area.

The list pages (inbox, queue, archive, all tasks, applications) page by keyset
(``KeysetListMixin``): newest first on the indexed id, ``?after=<id>`` for the
next page, ``page_size + 1`` rows read to know whether there is one; no COUNT,
no OFFSET, no sortable columns. Their filters offer fixed choices (the flow's
steps, dates, statuses) so that no filter reads the database. The board reads
all its columns in one statement. A list page therefore runs the same few
statements whatever the number of rows: session, user, the rows (related rows
joined), the two menu badges (``MenuCount``: ids up to a limit, no COUNT), and
the session write that pins the list for "back".
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views import generic
from django_filters import ChoiceFilter, DateRangeFilter, FilterSet, MultipleChoiceFilter
from viewflow.workflow import chart
from viewflow.workflow.fields import get_task_ref
from viewflow.workflow.flow import views as vf_views
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from casework import selectors

from . import frontend_access as scope
from . import steps
from .documents import document_rows

# step names as staff read them (templates: workflows/staff/_step_label.html)
STEP_LABELS = {
    steps.VILLAGE_REVIEW: _("Village review"),
    steps.OBJECTION_REVIEW: _("Objection review"),
    steps.TOWNSHIP_REVIEW: _("Township review"),
    steps.DISTRICT_REVIEW: _("District review"),
    steps.FAMILY_REVISION: _("Family revision"),
    "start": _("Submitted"),
    "public_notice": _("Public notice"),
    "end": _("Closed"),
}


def program_name(program) -> str:
    return program.display_name(get_language() or settings.LANGUAGE_CODE)


def step_label(flow_task) -> str:
    if flow_task is None:
        return ""
    return str(STEP_LABELS.get(flow_task.name, flow_task.task_title or flow_task.name))


def step_choices(flow_class, task_types=None):
    """The flow's steps as filter choices, in flow order; no query."""
    sorted_nodes, _ = chart.topsort(flow_class)
    return [(get_task_ref(node), step_label(node)) for node in sorted_nodes
            if task_types is None or node.task_type in task_types]


# --- keyset pagination ---------------------------------------------------------

PAGE_SIZE = 25
MENU_COUNT_LIMIT = 99
MAX_ID = 2**63  # a cursor beyond bigint is no cursor (the first page), not a database error


class KeysetPage:
    """One page of a newest-first list: its rows, whether older rows follow, and the
    links to the next page (``?after=<last id>``) and back to the first page; the
    other query parameters (filters) are kept."""

    def __init__(self, rows, *, has_next, after, query, page_kwarg):
        self.object_list = rows
        self.has_next = has_next
        self.after = after
        self.next_after = rows[-1].pk if has_next and rows else None
        self._query, self._page_kwarg = query, page_kwarg

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    def has_previous(self):
        return self.after is not None

    def _url(self, after):
        query = self._query.copy()
        query.pop(self._page_kwarg, None)
        if after is not None:
            query[self._page_kwarg] = str(after)
        return f"?{query.urlencode()}" if query else "?"

    @property
    def next_url(self):
        return self._url(self.next_after) if self.has_next else ""

    @property
    def first_url(self):
        return self._url(None) if self.has_previous() else ""


class KeysetListMixin:
    """Keyset pagination for viewflow's ``ListModelView``, newest first on ``id``.

    Replaces Django's ``Paginator`` (a COUNT over every matching row, then OFFSET):
    ``?after=<id>`` reads ``id < after``, ``page_size + 1`` rows show whether a next
    page exists. Ordering is fixed to ``-id`` (``?_orderby`` is ignored, no column
    is sortable) so every page is one index range. The page's links are in
    ``workflows/staff/_keyset_pagination.html``.
    """

    paginate_by = PAGE_SIZE
    page_kwarg = "after"
    ordering = ("-id",)
    template_name = "workflows/staff/list.html"

    def get_ordering(self):
        return list(self.ordering)

    @property
    def columns_order(self):
        return {}  # no column shows a sort indicator

    def get_after(self):
        """The cursor: an id, or None (the first page) for anything else."""
        value = self.request.GET.get(self.page_kwarg, "")
        if not (value.isascii() and value.isdigit()) or not 0 < int(value) < MAX_ID:
            return None
        return int(value)

    def paginate_queryset(self, queryset, page_size):
        after = self.get_after()
        queryset = queryset.order_by(*self.get_ordering())
        if after is not None:
            queryset = queryset.filter(id__lt=after)
        rows = list(queryset[: page_size + 1])
        page = KeysetPage(rows[:page_size], has_next=len(rows) > page_size, after=after,
                          query=self.request.GET, page_kwarg=self.page_kwarg)
        return None, page, page.object_list, page.has_next

    def get_filterset(self, filterset_class, queryset):
        filterset = super().get_filterset(filterset_class, queryset)
        if "flow_task" in filterset.filters:
            filterset.filters["flow_task"].field.choices = step_choices(
                self.flow_class, getattr(filterset, "step_types", None))
        return filterset


class MenuCount:
    """A menu badge: the rows of ``queryset``, read as ids up to ``limit + 1`` when the
    menu is drawn, shown as "99+" beyond the limit; never a COUNT over all open tasks."""

    def __init__(self, queryset, limit=MENU_COUNT_LIMIT):
        self.queryset, self.limit = queryset, limit

    @cached_property
    def value(self):
        return len(self.queryset.order_by().values_list("pk", flat=True)[: self.limit + 1])

    def __str__(self):
        return f"{self.limit}+" if self.value > self.limit else str(self.value)


# --- filters: fixed choices, no query ------------------------------------------

class TaskFilter(FilterSet):
    """Inbox and queue: step and creation date (the step choices are the flow's human
    steps, set by ``KeysetListMixin.get_filterset``)."""

    step_types = ("HUMAN",)
    flow_task = ChoiceFilter(label=_("Step"))
    created = DateRangeFilter(label=_("Created"))

    class Meta:
        model = Task
        fields = ("flow_task", "created")


class ArchiveTaskFilter(TaskFilter):
    finished = DateRangeFilter(label=_("Finished"))

    class Meta:
        model = Task
        fields = ("flow_task", "created", "finished")


class AllTaskFilter(ArchiveTaskFilter):
    step_types = None
    status = MultipleChoiceFilter(choices=STATUS.choices, label=_("Status"))

    class Meta:
        model = Task
        fields = ("flow_task", "status", "created", "finished")


# --- task lists: inbox, queue, archive ---------------------------------------

class TaskRowColumns:
    """Columns of a task row: the case, the step, program, applicant, village, times."""

    columns = ("case_id", "step", "program", "applicant", "village", "created")

    def _case(self, task):
        return getattr(task.process, "case", None)

    def case_id(self, task):
        case = self._case(task)
        url = task.flow_task.reverse("index", args=[task.process_id, task.pk])
        return format_html('<a href="{}">#{}</a>', url, case.pk if case else task.process_id)

    case_id.short_description = _("Case")

    def step(self, task):
        return step_label(task.flow_task)

    step.short_description = _("Step")

    def program(self, task):
        case = self._case(task)
        return program_name(case.program) if case else ""

    program.short_description = _("Program")

    def applicant(self, task):
        case = self._case(task)
        return case.applicant.name if case else ""

    applicant.short_description = _("Applicant")

    def village(self, task):
        case = self._case(task)
        return case.area.name if case else ""

    village.short_description = _("Village")

    def created(self, task):
        return task.created

    created.short_description = _("Created")

    def finished(self, task):
        return task.finished

    finished.short_description = _("Finished")

    def owner(self, task):
        return (task.owner.get_full_name() or task.owner.get_username()) if task.owner else ""

    owner.short_description = _("Assigned to")


class ScopedInboxView(KeysetListMixin, TaskRowColumns, vf_views.FlowInboxListView):
    """Tasks assigned to me, in my area."""

    filterset_class = TaskFilter
    title = _("Inbox")

    @property
    def queryset(self):
        return scope.inbox_for(self.request.user, self.flow_class)


class ScopedQueueView(KeysetListMixin, TaskRowColumns, vf_views.FlowQueueListView):
    """Unassigned tasks I may take; for an auditor, every open task in the district."""

    filterset_class = TaskFilter
    title = _("Queue")

    @property
    def queryset(self):
        return scope.queue_for(self.request.user, self.flow_class)


class ScopedArchiveView(KeysetListMixin, TaskRowColumns, vf_views.FlowArchiveListView):
    """Tasks I completed, in my area."""

    columns = TaskRowColumns.columns + ("finished",)
    filterset_class = ArchiveTaskFilter
    title = _("Archive")

    @property
    def queryset(self):
        return scope.archive_for(self.request.user, self.flow_class)


class ScopedTaskListView(KeysetListMixin, TaskRowColumns, vf_views.DashboardTaskListView):
    """Every task of the flow in my area (the dashboard's "show all")."""

    columns = TaskRowColumns.columns + ("owner",)
    filterset_class = AllTaskFilter
    template_name = "workflows/staff/task_list.html"
    title = _("Tasks")

    @property
    def queryset(self):
        return (scope.visible_tasks(self.request.user, self.flow_class)
                .select_related(*scope.TASK_ROW_RELATED).order_by("-id"))


class ScopedProcessListView(KeysetListMixin, vf_views.DashboardProcessListView):
    """Every application of the flow in my area, newest first. (viewflow's "open
    tasks" column is gone: a COUNT per row; the case's status says where it stands.)"""

    columns = ("process_id", "case_id", "program", "applicant", "village", "status",
               "created")
    object_link_columns = ("process_id",)
    template_name = "workflows/staff/process_list.html"
    title = _("Applications")

    @property
    def queryset(self):
        return scope.processes_for(self.request.user, self.flow_class)

    def get_queryset(self):
        # skip viewflow's unscoped filter(flow_class=...) and its COUNT annotation
        return super(vf_views.DashboardProcessListView, self).get_queryset()

    def _case(self, process):
        return getattr(process, "case", None)

    def process_id(self, process):
        url = self.request.resolver_match.flow_viewset.reverse(
            "process_detail", args=[process.pk])
        return format_html('<a href="{}">{}</a>', url, process.pk)

    process_id.short_description = _("Process")

    def case_id(self, process):
        case = self._case(process)
        return f"#{case.pk}" if case else ""

    case_id.short_description = _("Case")

    def program(self, process):
        case = self._case(process)
        return program_name(case.program) if case else ""

    program.short_description = _("Program")

    def applicant(self, process):
        case = self._case(process)
        return case.applicant.name if case else ""

    applicant.short_description = _("Applicant")

    def village(self, process):
        case = self._case(process)
        return case.area.name if case else ""

    village.short_description = _("Village")

    def status(self, process):
        case = self._case(process)
        return case.get_status_display() if case else process.get_status_display()

    status.short_description = _("Status")

    def created(self, process):
        return process.created

    created.short_description = _("Created")


class ScopedDashboardView(vf_views.DashboardView):
    """viewflow's per-step board, with the cards of my area only.

    Every column is read in one statement: per column, the newest ``MAX_ROWS`` ids
    (an index range each), joined by UNION ALL into one ``id IN (...)`` that loads
    the cards with their case, program, applicant and village.
    """

    template_name = "workflows/staff/process_dashboard.html"

    def get_context_data(self, **kwargs):
        sorted_nodes, _ = chart.topsort(self.flow_class)
        nodes = [node for node in sorted_nodes if node.task_type in ("HUMAN", "JOB", "SUBPROCESS")]
        end_nodes = [node for node in sorted_nodes if node.task_type == "END"]
        visible = scope.visible_tasks(self.request.user, self.flow_class)
        open_tasks = visible.filter(Q(finished__isnull=True) | Q(status=STATUS.ERROR))
        parts = [open_tasks.filter(flow_task=node) for node in nodes]
        if end_nodes:
            parts.append(visible.filter(finished__isnull=False, flow_task__in=end_nodes))
        # each part: the newest MAX_ROWS ids, wrapped so the UNION ALL needs no
        # LIMIT/ORDER BY of its own (which SQLite refuses in compound statements)
        ids = [Task.objects.filter(pk__in=part.order_by("-id").values("pk")[: self.MAX_ROWS])
               .order_by().values("pk") for part in parts]
        rows = []
        if ids:
            rows = list(Task.objects.filter(pk__in=ids[0].union(*ids[1:], all=True))
                        .select_related(*scope.TASK_ROW_RELATED).order_by("-id"))
        by_node = {}
        for task in rows:
            by_node.setdefault(task.flow_task, []).append(task)
        columns = [{"node": node, "label": step_label(node), "tasks": by_node.get(node, [])}
                   for node in nodes]
        finished = [task for task in rows if task.flow_task in end_nodes][: self.MAX_ROWS]
        return generic.TemplateView.get_context_data(
            self, columns=columns, start_nodes=[], end_nodes=end_nodes, finished=finished,
            **kwargs)


class ScopedProcessDetailView(vf_views.DetailProcessView):
    """A process of my area with its case file; 404 for any other."""

    template_name = "workflows/staff/process_detail.html"

    def dispatch(self, request, *args, **kwargs):
        self.get_object()  # 404 outside the area
        return generic.DetailView.dispatch(self, request, *args, **kwargs)

    def get_queryset(self):
        return scope.processes_for(self.request.user, self.flow_class)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        process = ctx["process"]
        ctx["task_list"] = (process.task_set.select_related("owner").order_by("created")
                            .defer("data"))
        for task in ctx["task_list"]:
            task.step_label = step_label(task.flow_task)
        case = getattr(process, "case", None)
        if case is not None:
            ctx.update(case_file_context(self.request.user, case.pk))
        return ctx


class ScopedChartView(vf_views.FlowChartView):
    """The flow graph; a process's graph only for a process of my area."""

    def dispatch(self, request, *args, **kwargs):
        if not scope.is_staff(request.user):
            raise PermissionDenied
        process_pk = kwargs.get("process_pk")
        if process_pk is not None and not scope.may_view_process(request.user, process_pk):
            raise Http404
        return generic.View.dispatch(self, request, *args, **kwargs)


class ScopedBulkAssignView(vf_views.BulkAssignTasksActionView):
    """Assign several queue tasks at once: only tasks of my queue, never an auditor."""

    flow_class = None

    def dispatch(self, request, *args, **kwargs):
        if scope.is_read_only(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        self.queryset = scope.queue_for(self.request.user, self.flow_class).order_by()
        return super().get_queryset()


class ScopedBulkUnassignView(vf_views.BulkUnassignTasksActionView):
    """Give back several inbox tasks at once: only tasks of my inbox."""

    flow_class = None

    def get_queryset(self):
        self.queryset = scope.inbox_for(self.request.user, self.flow_class).order_by()
        return super().get_queryset()


# --- task pages (wrapped around the flow's own node urls) ---------------------

def task_actions(activation, user):
    """The node's actions the user may take: assign, unassign, execute (own task only)."""
    task = activation.task
    for label, url in activation.flow_task.get_available_actions(activation, user):
        if url.rstrip("/").endswith("/execute") and task.owner_id != user.pk:
            continue
        yield label, url


def case_file_context(user, case_id) -> dict:
    """The case file a staff page shows (``workflows/staff/_case_file.html``):
    ``casework.selectors.case_context``, with the documents as labelled download links."""
    ctx = selectors.case_context(selectors.case_detail(user=user, case_id=case_id), user)
    ctx["documents"] = document_rows(ctx["documents"])
    return ctx


class CaseFileMixin:
    """Adds the task's case file (``case_file_context``) to the page."""

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        case = getattr(self.request.activation.task.process, "case", None)
        if case is not None:
            ctx.update(case_file_context(self.request.user, case.pk))
        return ctx


class ScopedTaskDetailView(CaseFileMixin, vf_views.DetailTaskView):
    """A task of my area, with its case file; actions filtered to what I may do."""

    template_name = "workflows/staff/task_detail.html"

    def get_actions(self):
        return list(task_actions(self.request.activation, self.request.user))


class ScopedAssignTaskView(CaseFileMixin, vf_views.AssignTaskView):
    """Take a task from the queue, with its case file in view."""

    template_name = "workflows/staff/task_assign.html"


class ScopedTaskIndexView(generic.RedirectView):
    """Open a human task: my assigned task -> its form; a task I may take -> assign;
    anything else (a colleague's task, an auditor) -> the read-only detail."""

    def get_redirect_url(self, *args, **kwargs):
        activation = self.request.activation
        task, node, user = activation.task, activation.flow_task, self.request.user
        args = [task.process_id, task.pk]
        if (task.status == STATUS.ASSIGNED and task.owner_id == user.pk
                and node.can_execute(user, task)):
            return node.reverse("execute", args=args)
        if task.status == STATUS.NEW and node.can_assign(user, task):
            return node.reverse("assign", args=args)
        if task.status == STATUS.ASSIGNED and task.owner_id != user.pk and node.can_execute(
            user, task
        ):
            messages.info(self.request, _("This task is assigned to %(user)s.") % {
                "user": task.owner.get_full_name() or task.owner.get_username()})
        return node.reverse("detail", args=args)

