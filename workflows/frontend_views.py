"""viewflow's frontend views, scoped to the user's area (see ``frontend_access``).

Each class keeps viewflow's page and template and replaces only what reads
rows or checks permission: the querysets go through ``frontend_access``
instead of viewflow's model-permission filters, and the detail pages answer
404 for a process or task outside the user's area.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views import generic
from viewflow.workflow import chart
from viewflow.workflow.flow import views as vf_views
from viewflow.workflow.status import STATUS

from casework import selectors

from . import frontend_access as scope
from . import steps

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
    created.orderby_column = "created"

    def finished(self, task):
        return task.finished

    finished.short_description = _("Finished")
    finished.orderby_column = "finished"

    def owner(self, task):
        return (task.owner.get_full_name() or task.owner.get_username()) if task.owner else ""

    owner.short_description = _("Assigned to")


class ScopedInboxView(TaskRowColumns, vf_views.FlowInboxListView):
    """Tasks assigned to me, in my area."""

    title = _("Inbox")

    @property
    def queryset(self):
        return scope.inbox_for(self.request.user, self.flow_class)


class ScopedQueueView(TaskRowColumns, vf_views.FlowQueueListView):
    """Unassigned tasks I may take; for an auditor, every open task in the district."""

    title = _("Queue")

    @property
    def queryset(self):
        return scope.queue_for(self.request.user, self.flow_class)


class ScopedArchiveView(TaskRowColumns, vf_views.FlowArchiveListView):
    """Tasks I completed, in my area."""

    columns = TaskRowColumns.columns + ("finished",)
    title = _("Archive")

    @property
    def queryset(self):
        return scope.archive_for(self.request.user, self.flow_class)


class ScopedTaskListView(TaskRowColumns, vf_views.DashboardTaskListView):
    """Every task of the flow in my area (the dashboard's "show all")."""

    columns = TaskRowColumns.columns + ("owner",)
    title = _("Tasks")

    @property
    def queryset(self):
        return (scope.visible_tasks(self.request.user, self.flow_class)
                .select_related(*scope.TASK_ROW_RELATED).order_by("-id"))


class ScopedProcessListView(vf_views.DashboardProcessListView):
    """Every application of the flow in my area, newest first."""

    columns = ("process_id", "case_id", "program", "applicant", "village", "status",
               "created", "active_tasks")
    object_link_columns = ("process_id",)
    title = _("Applications")

    @property
    def queryset(self):
        return scope.processes_for(self.request.user, self.flow_class)

    def get_queryset(self):
        # skip viewflow's unscoped filter(flow_class=...) on the model manager
        queryset = super(vf_views.DashboardProcessListView, self).get_queryset()
        return queryset.annotate(
            active_tasks_count=Count("task", filter=Q(task__finished__isnull=True)))

    def _case(self, process):
        return getattr(process, "case", None)

    def process_id(self, process):
        url = self.request.resolver_match.flow_viewset.reverse(
            "process_detail", args=[process.pk])
        return format_html('<a href="{}">{}</a>', url, process.pk)

    process_id.short_description = _("Process")
    process_id.orderby_column = "id"

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
    created.orderby_column = "created"

    def active_tasks(self, process):
        return process.active_tasks_count

    active_tasks.short_description = _("Open tasks")


class ScopedDashboardView(vf_views.DashboardView):
    """viewflow's per-step board, with the cards of my area only."""

    template_name = "workflows/staff/process_dashboard.html"

    def get_context_data(self, **kwargs):
        sorted_nodes, _ = chart.topsort(self.flow_class)
        nodes = [node for node in sorted_nodes if node.task_type in ("HUMAN", "JOB", "SUBPROCESS")]
        end_nodes = [node for node in sorted_nodes if node.task_type == "END"]
        visible = (scope.visible_tasks(self.request.user, self.flow_class)
                   .select_related(*scope.TASK_ROW_RELATED).order_by("-id"))
        columns = [
            {"node": node, "label": step_label(node),
             "tasks": list(visible.filter(Q(finished__isnull=True) | Q(status=STATUS.ERROR),
                                          flow_task=node)[: self.MAX_ROWS])}
            for node in nodes
        ]
        finished = list(visible.filter(finished__isnull=False,
                                       flow_task__in=end_nodes)[: self.MAX_ROWS])
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
            ctx.update(selectors.case_context(
                selectors.case_detail(user=self.request.user, case_id=case.pk),
                self.request.user))
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


class CaseFileMixin:
    """Adds the task's case file (``casework.selectors.case_context``) to the page."""

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        case = getattr(self.request.activation.task.process, "case", None)
        if case is not None:
            ctx.update(selectors.case_context(
                selectors.case_detail(user=self.request.user, case_id=case.pk),
                self.request.user))
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

