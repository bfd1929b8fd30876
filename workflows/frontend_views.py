"""viewflow's frontend views, scoped to the user's area (see ``frontend_access``).

Each class keeps viewflow's page and template and replaces only what reads
rows or checks permission: the querysets go through ``frontend_access``
instead of viewflow's model-permission filters, and the detail pages answer
404 for a process or task outside the user's area.

The list pages (inbox, queue, archive, all tasks, applications) page by keyset
(``KeysetListMixin``): newest first on the indexed id, ``?after=<id>`` for the
next page, ``page_size + 1`` rows read to know whether there is one; no COUNT,
no OFFSET, no sortable columns. The inbox and queue instead show the most urgent
first (``DueOrderMixin``, ``workflows.due_order``: overdue, then by due date, untimed
last), keyset on (due, id), and offer bulk approval (``workflows.bulk.services``). Their filters
offer fixed choices (the flow's steps, dates, statuses) so that no filter reads the
database. The board reads all its columns in one statement. A list page therefore runs the same few
statements whatever the number of rows: session, user, the page's rows, their
cases (program, applicant and village joined), the menu's two badges in one
statement (``MenuBadges``: ids up to a limit, no COUNT), and the session write
that pins the list for "back" when the pinned list changes.

The rows are drawn in one pass in the view (``KeysetListMixin.table``): each
cell is formatted once, the links come from one ``reverse`` per step and page
(``RowFormatter``), and the rows are joined in the view too (``list_body``), instead of
viewflow's per-cell template work and per-row ``reverse``. What does not depend on
the rows is drawn once and kept: the menu (``frontend.StaffMenu``, the badges put in
on each page) and the filter drawer while no filter is set (``filter_drawer``).
"""

from collections import Counter
from html import escape as html_escape
from types import MappingProxyType

from django.contrib import messages
from django.core.exceptions import EmptyResultSet, PermissionDenied
from django.db import connections
from django.db.models import IntegerField, Q, Value
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.template.loader import render_to_string
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django.views import generic
from django_filters import ChoiceFilter, DateRangeFilter, FilterSet, MultipleChoiceFilter
from viewflow.views.list import DataSourceColumn
from viewflow.workflow import chart
from viewflow.workflow.fields import get_task_ref
from viewflow.workflow.flow import views as vf_views
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from casework import access

from . import frontend_access as scope
from .bulk import services as bulk
from .case_file import case_file_context
from .due_order import DueCursor, area_scope, deadline_scope, due_page
from .models import Deadline
from .recertification.flow import case_of_process
from .task_rows import (
    PROCESS_ROW_FIELDS,
    TASK_ROW_FIELDS,
    RowFormatter,
    cases_by_process,
    due_cell,
    link,
    step_label,
    with_empty,
)


def step_choices(flow_class, task_types=None):
    """The flow's steps as filter choices, in flow order; no query."""
    sorted_nodes, _ = chart.topsort(flow_class)
    return [(get_task_ref(node), step_label(node)) for node in sorted_nodes
            if task_types is None or node.task_type in task_types]


# --- keyset pagination ---------------------------------------------------------

PAGE_SIZE = 25
MENU_COUNT_LIMIT = 99
MAX_ID = 2**63  # a cursor beyond bigint is no cursor (the first page), not a database error
PIN_KEY = "vf-pin-location"  # viewflow's "back to the list" (StoreRequestPathMixin)
FILTER_DRAWERS: dict = {}  # KeysetListMixin.filter_drawer, by list, flow, language, state
BOARD_QUERIES: dict = {}  # ScopedDashboardView.board_ids, by flow and scope
BADGE_QUERIES: dict = {}  # MenuBadges.statement, by flow and scope


class PinListMixin:
    """viewflow's ``StoreRequestPathMixin`` pins the page's path in the session on every
    request, which marks the session modified: an UPDATE and a commit per page view. When
    the path was pinned already and the view changed nothing else in the session (its
    values compared before and after), the session is left unmodified and not saved."""

    def dispatch(self, request, *args, **kwargs):
        session = request.session
        before = None
        if not session.modified and session.get(PIN_KEY) == request.get_full_path():
            before = dict(session.items())
        response = super().dispatch(request, *args, **kwargs)
        if before is not None and session.modified and dict(session.items()) == before:
            session.modified = False  # the same path pinned again, nothing else changed
        return response


class KeysetPage:
    """One page of a newest-first list: its rows, whether older rows follow, and the
    links to the next page (``?after=<last id>``) and back to the first page; the
    other query parameters (filters) are kept."""

    def __init__(self, rows, *, has_next, after, query, page_kwarg, cursor=None):
        self.object_list = rows
        self.has_next = has_next
        self.after = after
        # the last row's id, or what ``cursor`` makes of it (``DueOrderMixin``)
        self.next_after = ((cursor(rows[-1]) if cursor else rows[-1].pk)
                           if has_next and rows else None)
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


class KeysetListMixin(PinListMixin):
    """Keyset pagination for viewflow's ``ListModelView``, newest first on ``id``.

    Replaces Django's ``Paginator`` (a COUNT over every matching row, then OFFSET):
    ``?after=<id>`` reads ``id < after``, ``page_size + 1`` rows show whether a next
    page exists. Ordering is fixed to ``-id`` (``?_orderby`` is ignored, no column
    is sortable) so every page is one index range. The page's links are in
    ``workflows/staff/_keyset_pagination.html``.

    The page's rows are read without joins (``row_related`` only), and
    ``prepare_rows`` reads what the columns show of them (their cases) in one more
    statement: two small statements plan in a fraction of the time of one seven-table
    join. ``table`` then formats every cell in one pass (``list_headers`` and the joined
    rows ``list_body`` in the context, drawn by ``workflows/staff/_list_table.html``).
    """

    paginate_by = PAGE_SIZE
    page_kwarg = "after"
    ordering = ("-id",)
    template_name = "workflows/staff/list.html"
    row_fields = TASK_ROW_FIELDS  # what is read of the page's own rows ...
    row_related = ()  # ... and of their related rows (select_related)

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
        queryset = queryset.select_related(None)
        if self.row_related:  # (select_related() without names would join every FK)
            queryset = queryset.select_related(*self.row_related)
        queryset = queryset.only(*self.row_fields, *self.row_related).order_by(
            *self.get_ordering())
        if after is not None:
            queryset = queryset.filter(id__lt=after)
        rows = list(queryset[: page_size + 1])
        page = KeysetPage(rows[:page_size], has_next=len(rows) > page_size, after=after,
                          query=self.request.GET, page_kwarg=self.page_kwarg)
        self.prepare_rows(page.object_list)
        return None, page, page.object_list, page.has_next

    def prepare_rows(self, rows):
        """Read what the columns show of ``rows`` (the page's rows, in order)."""

    def get_filterset(self, filterset_class, queryset):
        filterset = super().get_filterset(filterset_class, queryset)
        if "flow_task" in filterset.filters:
            filterset.filters["flow_task"].field.choices = step_choices(
                self.flow_class, getattr(filterset, "step_types", None))
        return filterset

    @cached_property
    def rows_format(self):
        return RowFormatter()

    def table(self, objects):
        """The table's headers ``(column type, label)`` and rows ``(pk, cells HTML)``,
        each cell as viewflow's list draws it (``BaseListModelView.get_page_data``)."""
        fmt = self.rows_format
        linked = set(self.get_object_link_columns)
        headers, columns = [], []
        for column in self.list_columns.values():
            kind = column.column_type()
            headers.append((kind, column.header()))
            get = column.get_value
            if type(column) is DataSourceColumn and column.data_source is self:
                method = getattr(self, column.attr_name)
                if callable(method):  # the view's own column method: called directly
                    get = with_empty(method, column._get_attr_empty_value())
            columns.append((get, column, kind, column.attr_name in linked))
        rows = []
        for obj in objects:
            cells = []
            for get, column, kind, object_link in columns:
                value = get(obj)
                html = column.format_value(obj, value) if kind == "boolean" else fmt.cell(value)
                if object_link:
                    url = self.get_object_url(obj)
                    if url:
                        html = link(url, html)
                cells.append(f'<td class="vf-list__table-cell-{kind}">{html}</td>')
            rows.append((obj.pk, mark_safe("".join(cells))))
        return headers, rows

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["list_headers"], rows = self.table(ctx["object_list"])
        # the rows joined here: the template's loop over them cost more than the cells
        ctx["list_body"] = mark_safe("".join(
            f'\n        <tr data-row-id="{html_escape(str(pk))}">{cells}</tr>'
            for pk, cells in rows))
        ctx["filter_drawer"] = self.filter_drawer()
        ctx["filter_active"] = self.filter_active()
        return ctx

    def filter_active(self) -> bool:
        """Whether the list is filtered (the filter trigger is drawn active): only a query
        with more than the page's cursor binds and compares the filter form."""
        query = self.request.GET
        if self.filterset is None or all(key == self.page_kwarg for key in query):
            return False
        return self.filterset.form.has_changed()

    def filter_drawer(self):
        """viewflow's filter drawer (``viewflow/includes/list_filter.html``) while no filter
        is set: the same for every page of the list (its fixed choices in the active
        language), drawn once and kept. None when a filter is set: the template draws it."""
        query = self.request.GET
        if self.filterset is None or any(key != self.page_kwarg for key in query):
            return None
        key = (type(self), self.flow_class, get_language(), bool(query))
        html = FILTER_DRAWERS.get(key)
        if html is None:
            html = FILTER_DRAWERS[key] = render_to_string(
                "viewflow/includes/list_filter.html", {"view": self}, self.request)
        return html


class MenuBadges:
    """The menu's badges (inbox, queue, messages), read when the menu is drawn: the ids of
    each queryset up to ``limit + 1``, all badges in one statement (UNION ALL); shown as
    "99+" beyond the limit; never a COUNT over all open tasks.

    ``querysets`` builds the badges' querysets by name. With ``key`` (what they depend
    on: the flow and ``frontend_access.scope_key(user)``), the statement is built and
    compiled once per key and kept (``BADGE_QUERIES``), as the board's is: the ORM work
    of three scoped querysets on every staff page, for a statement that only changes
    with the user's scope. (So a badge's queryset must not read the clock or anything
    else the key does not name.)"""

    def __init__(self, querysets, names, *, key=None, limit=MENU_COUNT_LIMIT):
        self.querysets, self.names, self.key, self.limit = querysets, tuple(names), key, limit

    def __getitem__(self, name):
        return MenuCount(self, name)

    def statement(self):
        """``(database alias, SQL, parameters)`` of the badges' UNION ALL; None when every
        part is empty (``none()``)."""
        querysets = self.querysets()
        parts = []
        for index, name in enumerate(self.names):
            queryset = querysets[name].order_by()
            badge = Value(index, output_field=IntegerField())
            if connections[queryset.db].features.supports_slicing_ordering_in_compound:
                part = queryset.annotate(badge=badge).values_list("badge", flat=True)
                parts.append(part[: self.limit + 1])
            else:  # SQLite: no LIMIT in a compound's parts, but one in an IN subquery
                ids = queryset.values("pk")[: self.limit + 1]
                parts.append(queryset.model._base_manager.filter(pk__in=ids).order_by()
                             .annotate(badge=badge).values_list("badge", flat=True))
        if not parts:
            return None
        union = parts[0].union(*parts[1:], all=True)
        try:
            return (union.db, *union.query.get_compiler(using=union.db).as_sql())
        except EmptyResultSet:
            return None

    @cached_property
    def values(self) -> dict:
        if self.key is None:
            statement = self.statement()
        elif self.key in BADGE_QUERIES:
            statement = BADGE_QUERIES[self.key]
        else:
            if len(BADGE_QUERIES) > 4096:
                BADGE_QUERIES.clear()
            statement = BADGE_QUERIES[self.key] = self.statement()
        found = Counter()
        if statement is not None:
            alias, sql, params = statement
            with connections[alias].cursor() as cursor:
                cursor.execute(sql, params)
                found.update(row[0] for row in cursor.fetchall())
        return {name: found[index] for index, name in enumerate(self.names)}


class MenuCount:
    """One badge of ``MenuBadges``."""

    def __init__(self, badges, name):
        self.badges, self.name = badges, name

    @property
    def limit(self):
        return self.badges.limit

    @property
    def value(self):
        return self.badges.values[self.name]

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

class DueOrderMixin:
    """The inbox and queue, most urgent first (``workflows.due_order``): overdue tasks,
    then by due date, untimed last; keyset pages on (due, id) with ``?after=<cursor>``.
    The rows come with their open deadline (no statement of their own for the due column).

    And the bulk approval of the listed tasks (``workflows.bulk.services``): a checkbox on each row
    that may be approved in bulk (a review step, not a cash program), for a role that
    writes, posting to the flow's ``tasks_approve`` page."""

    def get_after(self):
        return DueCursor.parse(self.request.GET.get(self.page_kwarg, ""))

    def paginate_queryset(self, queryset, page_size):
        after = self.get_after()
        queryset = queryset.select_related(None)
        if self.row_related:
            queryset = queryset.select_related(*self.row_related)
        queryset = queryset.only(*self.row_fields, *self.row_related)
        rows = due_page(queryset, after, page_size + 1, self.deadline_scope())
        page = KeysetPage(rows[:page_size], has_next=len(rows) > page_size, after=after,
                          query=self.request.GET, page_kwarg=self.page_kwarg,
                          cursor=lambda task: str(DueCursor.of(task)))
        self.prepare_rows(page.object_list)
        return None, page, page.object_list, page.has_next

    def deadline_scope(self):
        """The list's scope on the deadlines (``due_order``), for their indexes."""
        user = self.request.user
        if isinstance(self, ScopedQueueView):
            return area_scope(user) if scope.is_read_only(user) else deadline_scope(user)
        return None  # the inbox: the tasks taken by the user, found by owner

    @cached_property
    def bulk_approve_url(self):
        """Where the selected rows are posted; None where there is nothing to approve."""
        user = self.request.user
        if not access.can_write(user) or not any(
                node.name in bulk.BULK_STEPS for node in self.flow_class.instance.nodes()):
            return None
        return self.request.resolver_match.flow_viewset.reverse("tasks_approve")

    def bulk_cell(self, task):
        """The row's checkbox, or nothing for a task not approved in bulk (its step, a
        cash program, a colleague's task)."""
        case = self._case(task)
        if (case is None or not bulk.may_approve_row(self.request.user, task.flow_task.name,
                                                    case.program)
                or task.owner_id not in (None, self.request.user.pk)):
            return ""
        return mark_safe(f'<input type="checkbox" name="pk" value="{int(task.pk)}" '
                         f'form="wf-bulk-approve" class="wf-bulk-select" '
                         f'aria-label="{html_escape(gettext("Select"))} #{int(case.pk)}">')

    def table(self, objects):
        headers, rows = super().table(objects)
        if self.bulk_approve_url is None:
            return headers, rows
        headers = [("action", gettext("Select")), *headers]
        rows = [(pk, mark_safe(f'<td class="vf-list__action-cell">{self.bulk_cell(task)}</td>'
                               + cells))
                for task, (pk, cells) in zip(objects, rows, strict=True)]
        return headers, rows

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["bulk_approve_url"] = self.bulk_approve_url
        return ctx


class TaskRowColumns(KeysetListMixin):
    """Columns of a task row: the case, the step, program, applicant, village, times."""

    columns = ("case_id", "step", "program", "applicant", "village", "created", "due")
    _cases = MappingProxyType({})
    _deadlines = MappingProxyType({})

    def prepare_rows(self, tasks):
        self._cases = cases_by_process(task.process_id for task in tasks)
        if "due" in self.columns and tasks and hasattr(tasks[0], "due_at"):
            # read with the rows (``DueOrderMixin``): open deadlines only
            self._deadlines = {task.pk: (task.due_at, None, task.escalated_at)
                               for task in tasks if task.due_at is not None}
        elif "due" in self.columns and tasks:
            self._deadlines = {
                task_id: (due_at, closed_at, escalated_at)
                for task_id, due_at, closed_at, escalated_at in Deadline.objects.filter(
                    task_id__in=[task.pk for task in tasks]).values_list(
                    "task_id", "due_at", "closed_at", "escalated_at")}

    def _case(self, task):
        return self._cases.get(task.process_id)

    def case_id(self, task):
        case = self._case(task)
        url = self.rows_format.url(task.flow_task, "index", task.process_id, task.pk)
        return link(url, f"#{case.pk if case else task.process_id}")

    case_id.short_description = _("Case")

    def step(self, task):
        return self.rows_format.step(task.flow_task)

    step.short_description = _("Step")

    def program(self, task):
        case = self._case(task)
        return self.rows_format.program(case.program) if case else ""

    program.short_description = _("Program")

    def applicant(self, task):
        case = self._case(task)
        return case.applicant_name if case else ""

    applicant.short_description = _("Applicant")

    def village(self, task):
        case = self._case(task)
        return case.village_name if case else ""

    village.short_description = _("Village")

    def created(self, task):
        return task.created

    created.short_description = _("Created")

    def due(self, task):
        """The step's deadline (local date), marked when overdue or escalated."""
        deadline = self._deadlines.get(task.pk)
        if deadline is None:
            return ""
        return due_cell(*deadline)

    due.short_description = _("Due")

    def finished(self, task):
        return task.finished

    finished.short_description = _("Finished")

    def owner(self, task):
        return (task.owner.get_full_name() or task.owner.get_username()) if task.owner else ""

    owner.short_description = _("Assigned to")


class ScopedInboxView(DueOrderMixin, TaskRowColumns, vf_views.FlowInboxListView):
    """Tasks assigned to me, in my area."""

    filterset_class = TaskFilter
    title = _("Inbox")

    @cached_property
    def queryset(self):
        return scope.inbox_for(self.request.user, self.flow_class)


class ScopedQueueView(DueOrderMixin, TaskRowColumns, vf_views.FlowQueueListView):
    """Unassigned tasks I may take; for an auditor, every open task in the district."""

    filterset_class = TaskFilter
    title = _("Queue")

    @cached_property
    def queryset(self):
        return scope.queue_for(self.request.user, self.flow_class)


class ScopedArchiveView(TaskRowColumns, vf_views.FlowArchiveListView):
    """Tasks I completed, in my area."""

    columns = TaskRowColumns.columns[:-1] + ("finished",)
    filterset_class = ArchiveTaskFilter
    title = _("Archive")

    @cached_property
    def queryset(self):
        return scope.archive_for(self.request.user, self.flow_class)


class ScopedTaskListView(TaskRowColumns, vf_views.DashboardTaskListView):
    """Every task of the flow in my area (the dashboard's "show all")."""

    columns = TaskRowColumns.columns + ("owner",)
    filterset_class = AllTaskFilter
    template_name = "workflows/staff/task_list.html"
    title = _("Tasks")
    row_related = ("owner",)

    @cached_property
    def queryset(self):
        return scope.visible_tasks(self.request.user, self.flow_class).order_by("-id")


class ScopedProcessListView(KeysetListMixin, vf_views.DashboardProcessListView):
    """Every application of the flow in my area, newest first. (viewflow's "open
    tasks" column is gone: a COUNT per row; the case's status says where it stands.)"""

    columns = ("process_id", "case_id", "program", "applicant", "village", "status",
               "created")
    object_link_columns = ("process_id",)
    template_name = "workflows/staff/process_list.html"
    title = _("Applications")
    row_fields = PROCESS_ROW_FIELDS
    _cases = MappingProxyType({})

    @cached_property
    def queryset(self):
        return scope.processes_for(self.request.user, self.flow_class)

    def get_queryset(self):
        # skip viewflow's unscoped filter(flow_class=...) and its COUNT annotation
        return super(vf_views.DashboardProcessListView, self).get_queryset()

    def prepare_rows(self, processes):
        self._cases = cases_by_process(process.pk for process in processes)

    def _case(self, process):
        return self._cases.get(process.pk)

    def process_id(self, process):
        url = self.rows_format.url(self.request.resolver_match.flow_viewset, "process_detail",
                                   process.pk)
        return link(url, process.pk)

    process_id.short_description = _("Process")

    def case_id(self, process):
        case = self._case(process)
        return f"#{case.pk}" if case else ""

    case_id.short_description = _("Case")

    def program(self, process):
        case = self._case(process)
        return self.rows_format.program(case.program) if case else ""

    program.short_description = _("Program")

    def applicant(self, process):
        case = self._case(process)
        return case.applicant_name if case else ""

    applicant.short_description = _("Applicant")

    def village(self, process):
        case = self._case(process)
        return case.village_name if case else ""

    village.short_description = _("Village")

    def status(self, process):
        case = self._case(process)
        return case.get_status_display() if case else process.get_status_display()

    status.short_description = _("Status")

    def created(self, process):
        return process.created

    created.short_description = _("Created")


class ScopedDashboardView(PinListMixin, vf_views.DashboardView):
    """viewflow's per-step board, with the cards of my area only.

    Every column is read in one statement: per column, the newest ``MAX_ROWS`` ids
    (an index range each), joined by UNION ALL into one ``id IN (...)``; the cards'
    cases follow in one more (``cases_by_process``). For applications, a step's column
    looks only at the cases in that step's status (``steps.STEP_STATUS``: entering a step
    moves its case there, see ``DecisionStep.enter``) and the finished column at closed
    cases: the
    ``(status, id)`` index of the cases then answers an empty column at once, where the
    task table has no index by step and would be read to its end. The columns' query is
    built and compiled once per scope (``BOARD_QUERIES``) and the cards come formatted
    (``cards``).
    """

    template_name = "workflows/staff/process_dashboard.html"

    def get_context_data(self, **kwargs):
        sorted_nodes, _ = chart.topsort(self.flow_class)
        nodes = [node for node in sorted_nodes if node.task_type in ("HUMAN", "JOB", "SUBPROCESS")]
        end_nodes = [node for node in sorted_nodes if node.task_type == "END"]
        rows = self.board_rows(nodes, end_nodes)
        cards = self.cards(rows, end_nodes)
        by_node = {}
        for task, card in zip(rows, cards, strict=True):
            by_node.setdefault(task.flow_task, []).append(card)
        columns = [{"node": node, "label": step_label(node), "tasks": by_node.get(node, [])}
                   for node in nodes]
        finished = [card for task, card in zip(rows, cards, strict=True)
                    if task.flow_task in end_nodes][: self.MAX_ROWS]
        return generic.TemplateView.get_context_data(
            self, columns=columns, start_nodes=[], end_nodes=end_nodes, finished=finished,
            **kwargs)

    def board_rows(self, nodes, end_nodes):
        """The newest ``MAX_ROWS`` tasks of each column, newest first, in one statement."""
        user = self.request.user
        if not scope.is_staff(user):
            return []
        rows = scope.scoped_rows(user, self.flow_class)
        cases_first = getattr(user, "role", None) in scope.CASES_FIRST_ROLES
        # the columns' id query depends on the user only through the scope of the rows that
        # scope the processes: built and compiled once per scope (the ORM work of six
        # subqueries), then reused
        key = (self.flow_class, self.MAX_ROWS, cases_first, rows.db,
               *rows.query.sql_with_params())
        ids = BOARD_QUERIES.get(key)
        if ids is None:
            if len(BOARD_QUERIES) > 4096:
                BOARD_QUERIES.clear()
            ids = BOARD_QUERIES[key] = self.board_ids(nodes, end_nodes, rows, cases_first)
        if ids is None:
            return []
        return list(Task.objects.filter(pk__in=RawSQL(*ids)).select_related("owner")
                    .only(*TASK_ROW_FIELDS, "owner").order_by("-id"))

    def board_ids(self, nodes, end_nodes, rows, cases_first=False):
        """The SQL and parameters of the columns' task ids: per column the newest
        ``MAX_ROWS`` of its tasks on the processes of ``rows`` (``scope.scoped_rows``),
        joined by UNION ALL; None if no column.

        ``cases_first`` (a village's few cases, ``CASES_FIRST_ROLES``): each column reads
        its cases first, then their tasks. Left to itself the planner walks the task table
        backwards until ``MAX_ROWS`` tasks of the scope turn up, which is right for a
        township or the district but reads thousands of tasks for a village; a LIMIT on
        the case subquery keeps it from being merged into that walk."""
        def process_ids(statuses):
            ids = scope.process_ids_of(rows, statuses)
            return ids[:scope.CASES_FIRST_LIMIT] if cases_first else ids

        # a task of one of the flow's nodes is a task of the flow's processes: no join with
        # the process table is needed to keep other flows out (it doubles the planning)
        tasks = Task.objects.order_by("-id")
        is_open = Q(finished__isnull=True) | Q(status=STATUS.ERROR)
        parts = [tasks.filter(is_open, flow_task=node,
                              process_id__in=process_ids(scope.step_case_statuses(node)))
                 for node in nodes]
        if end_nodes:
            parts.append(tasks.filter(finished__isnull=False, flow_task__in=end_nodes,
                                      process_id__in=process_ids(scope.FINISHED_CASE_STATUSES)))
        if not parts:
            return None
        ids = [part.values("pk")[: self.MAX_ROWS] for part in parts]
        if not connections[rows.db].features.supports_slicing_ordering_in_compound:
            # SQLite: no LIMIT/ORDER BY in a compound's parts, but in an IN subquery
            ids = [Task.objects.filter(pk__in=part).order_by().values("pk") for part in ids]
        union = ids[0].union(*ids[1:], all=True)
        return union.query.get_compiler(using=rows.db).as_sql()

    def cards(self, tasks, end_nodes):
        """What each card shows, ready to draw (``workflows/staff/process_dashboard.html``):
        links from one ``reverse`` per step, labels and dates formatted once per card."""
        fmt = RowFormatter()
        cases = cases_by_process(task.process_id for task in tasks)
        viewset = self.request.resolver_match.viewset
        title = gettext("Case #%(id)s")
        cards = []
        for task in tasks:
            case = cases.get(task.process_id)
            card = {
                "title": mark_safe(title % {"id": case.pk if case else ""}),
                "applicant": case.applicant_name if case else "",
                "village": case.village_name if case else "",
                "created": fmt.datetime(task.created),
            }
            if task.flow_task in end_nodes:  # a finished case: its process page and status
                card["process_url"] = fmt.url(viewset, "process_detail", task.process_id)
                card["status"] = case.get_status_display() if case else ""
            else:  # an open task: the task, its program and who has it
                owner = task.owner
                card["url"] = fmt.url(task.flow_task, "index", task.process_id, task.pk)
                card["program"] = fmt.program(case.program) if case else ""
                card["owner"] = (owner.get_full_name() or owner.get_username()) if owner else ""
            cards.append(card)
        return cards


class ScopedProcessDetailView(vf_views.DetailProcessView):
    """A process of my area with its case file; 404 for any other."""

    template_name = "workflows/staff/process_detail.html"

    def dispatch(self, request, *args, **kwargs):
        self.get_object()  # 404 outside the area
        return generic.DetailView.dispatch(self, request, *args, **kwargs)

    def get_queryset(self):
        return (scope.processes_for(self.request.user, self.flow_class)
                .select_related(*scope.PROCESS_ROW_RELATED))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        process = ctx["process"]
        ctx["task_list"] = (process.task_set.select_related("owner").order_by("created")
                            .defer("data"))
        for task in ctx["task_list"]:
            task.step_label = step_label(task.flow_task)
        case = case_of_process(process)
        if case is not None:
            ctx.update(case_file_context(self.request.user, case.pk, path=self.request.path))
        return ctx


class ScopedCancelProcessView(vf_views.CancelProcessView):
    """Cancelling a process: one outside my area is not found (404, as a missing one is,
    so the answer does not tell that it exists); within it viewflow's manage permission
    decides (403)."""

    def get_queryset(self):
        return scope.processes_for(self.request.user, self.flow_class)


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
    """Adds the task's case file (``case_file_context``) to the page."""

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        case = case_of_process(self.request.activation.task.process)
        if case is not None:
            ctx.update(case_file_context(self.request.user, case.pk, path=self.request.path))
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

