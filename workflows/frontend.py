"""Staff UI: viewflow's Material frontend at /workflow/, scoped to the user's area.

viewflow shows every process to anyone with the model's view permission, and
our users hold no model permissions (the role is a field). So this module
builds the usual ``Site`` > ``FlowAppViewset`` and then scopes it:

- the viewset's list and detail views are the ``frontend_views`` subclasses,
  whose querysets go through ``frontend_access`` (``casework.access`` rules);
- every URL of the site is wrapped by ``_guard``: anonymous users go to the
  login page, families to /family/, other non-staff get a 404; it then does
  the site/app part of ``viewflow.middleware.SiteMiddleware`` (which viewflow
  installs by itself but which would answer 403 before the guard could);
- the flow's own task URLs are also wrapped by ``_scope_task_urls``: a process
  or task outside the user's area is a 404 before any viewflow code runs, the
  task detail page checks that scope instead of the model permission, and
  only the task's owner opens its form (execute). The assign or execute page
  of a task already decided or cancelled (a colleague decided it, the family
  withdrew) redirects to the task's page with "This task has already been
  decided." instead of viewflow's 403 (``TransitionNotAllowed``, in English).

Auditors are read-only: ``ScopedView.can_assign``/``can_execute`` refuse
their role, so they get no assign or execute action (403 if they try).
"""

from functools import update_wrapper

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, get_script_prefix, path
from django.utils.functional import SimpleLazyObject, empty
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from viewflow.middleware import SiteMiddleware
from viewflow.urls import Site
from viewflow.utils import viewprop
from viewflow.workflow.flow import FlowAppViewset
from viewflow.workflow.flow import nodes as flow_nodes
from viewflow.workflow.flow.utils import wrap_task_view
from viewflow.workflow.status import STATUS

from casework.models import User

from . import frontend_access as scope
from . import frontend_views as views
from .appeals.flow import AppealFlow
from .applications.flow import BenefitApplicationFlow
from .auditor.urls import AuditorApp
from .bulk.views import ScopedBulkApproveView
from .contacts.urls import ContactsApp
from .fund.urls import FundApp
from .healthchecks.urls import HealthChecksApp
from .notifications.views import MessagesApp, UnreadBadge, unread_messages
from .organisation.urls import OrganisationApp
from .pairings.urls import PairingsApp
from .projects.urls import ProjectsApp
from .recertification.flow import RecertificationFlow
from .register.urls import RegisterApp
from .reports.views import ReportsApp
from .viewflow_adapter import URLResolver as URLResolver_

FAMILY_HOME = "/family/"
# a task in these states has no form any more: its form pages (take it, decide it) say so
# and show the task
CLOSED_TASK = (STATUS.DONE, STATUS.CANCELED)
TASK_FORMS = ("assign", "execute")
SITE_MIDDLEWARE = "viewflow.middleware.SiteMiddleware"


class ScopedFlowAppViewset(FlowAppViewset):
    """A flow's inbox, queue, archive, board, process and task pages, scoped by area."""

    base_template_name = "workflows/staff/base_page.html"
    menu_template_name = "workflows/staff/flow_menu.html"

    inbox_view_class = views.ScopedInboxView
    queue_view_class = views.ScopedQueueView
    archive_view_class = views.ScopedArchiveView
    dashboard_view_class = views.ScopedDashboardView
    process_list_view_class = views.ScopedProcessListView
    process_detail_view_class = views.ScopedProcessDetailView
    process_cancel_view_class = views.ScopedCancelProcessView
    task_list_view_class = views.ScopedTaskListView
    chart_view_class = views.ScopedChartView
    tasks_assign_view_class = views.ScopedBulkAssignView
    tasks_unassign_view_class = views.ScopedBulkUnassignView
    tasks_approve_view_class = ScopedBulkApproveView

    @viewprop
    def tasks_approve_view(self):
        return self.tasks_approve_view_class.as_view(
            **self.filter_kwargs(self.tasks_approve_view_class))

    @property
    def tasks_approve_path(self):
        """Approve several inbox or queue tasks at once (``workflows.bulk.services``)."""
        return path("inbox/approve/", self.tasks_approve_view, name="tasks_approve")

    def has_view_permission(self, user, obj=None):
        if not scope.is_staff(user):
            return False
        return obj is None or scope.may_view_process(user, obj.pk)

    def get_context_data(self, request):
        # the menu's badges, with the same scoping as the pages; bounded, no COUNT, both
        # in one statement when the menu is drawn
        if not scope.is_staff(request.user):
            return {}
        user, flow_class = request.user, self._flow_class
        badges = views.MenuBadges(
            lambda: {"inbox": scope.inbox_for(user, flow_class),
                     "queue": scope.queue_for(user, flow_class),
                     "messages": unread_messages(user)},
            ("inbox", "queue", "messages"), key=(flow_class, scope.scope_key(user)))
        messages_badge = UnreadBadge(badges["messages"])
        return {"user_inbox": badges["inbox"], "user_queue": badges["queue"],
                "staff_menu": StaffMenu(request, {"user_inbox": badges["inbox"],
                                                  "user_queue": badges["queue"],
                                                  "user_messages": messages_badge})}

    def _get_urls(self):
        own_patterns = super(FlowAppViewset, self)._get_urls()
        flow_patterns, _, _ = self._flow_class.instance.urls
        self._flow_class.parent = self
        self._flow_class.app_name = None
        return own_patterns + _scope_task_urls(flow_patterns, self._flow_class)


class StaffMenu:
    """The page's menu (the app's then the site's menu template, as viewflow's
    ``base_page.html`` includes them), drawn once per language, URL prefix, app and
    menu permissions and kept; each page then only puts in its badges (``badges``, the
    menu's variables that change from page to page)."""

    drawn: dict = {}  # the menus drawn so far, by what they depend on (a few per language)

    def __init__(self, request, badges):
        self.request, self.badges = request, badges

    def _key(self, match, site, app):
        user = self.request.user
        allowed = tuple(item.has_view_permission(user) for holder in (app, site) if holder
                        for item in holder.menu_items())
        return (get_language(), get_script_prefix(), id(site), id(app),
                id(getattr(match, "viewset", None)), id(getattr(match, "flow_viewset", None)),
                allowed)

    def _draw(self, match, site, app):
        context = {"site": site, "app": app, "viewset": getattr(match, "viewset", None),
                   **{name: _badge_mark(name) for name in self.badges}}
        parts = [render_to_string(holder.menu_template_name, context, self.request)
                 for holder in (app, site) if holder and holder.menu_template_name]
        return "\n".join(parts)

    def __html__(self):
        match = self.request.resolver_match
        site, app = getattr(match, "site", None), getattr(match, "app", None)
        key = self._key(match, site, app)
        html = self.drawn.get(key)
        if html is None:
            html = self.drawn[key] = self._draw(match, site, app)
        for name, badge in self.badges.items():
            html = html.replace(_badge_mark(name), conditional_escape(badge))
        return mark_safe(html)  # drawn from the menu templates, badges escaped

    __str__ = __html__


def _badge_mark(name):
    return f"\x00wf-badge:{name}\x00"


class StaffSite(Site):
    """The staff site; ``urls`` wraps every view in ``_guard``."""

    menu_template_name = "workflows/staff/site_menu.html"  # with the messages badge

    @property
    def urls(self):
        patterns, app_name, namespace = super().urls
        return _wrap_tree(patterns, _guard, hold=GUARDED_EXTRAS), app_name, namespace


# --- URL wrapping ------------------------------------------------------------

# viewflow's SiteMiddleware (auto-registered by the viewflow app) refuses a request
# whose URL carries a site or app the user may not view, before any view runs. The
# guard must speak first (login page, /family/), so the site's URLs keep these two
# extras off the resolver and the guard applies them after its own checks.
GUARDED_EXTRAS = ("site", "app")


def _wrap_tree(patterns, wrap, *, extras=None, hold=()):
    """A copy of ``patterns`` whose callbacks are ``wrap(callback, name, extras)``.

    ``extras`` are the viewflow resolver extras in force at the pattern (inner
    resolvers win, as in viewflow's own resolver, ``viewflow_adapter.URLResolver``); the ones
    named in ``hold`` are passed to ``wrap`` but dropped from the copied resolvers.
    """
    extras = extras or {}
    result = []
    for entry in patterns:
        if isinstance(entry, URLPattern):
            result.append(URLPattern(entry.pattern, wrap(entry.callback, entry.name, extras),
                                     entry.default_args, entry.name))
        elif isinstance(entry, URLResolver_):
            inner = {**extras, **entry.extra}
            kept = {key: value for key, value in entry.extra.items() if key not in hold}
            children = _wrap_tree(entry.url_patterns, wrap, extras=inner, hold=hold)
            result.append(URLResolver_(entry.pattern, children, entry.default_kwargs,
                                       entry.app_name, entry.namespace, extra=kept))
        elif isinstance(entry, URLResolver):
            children = _wrap_tree(entry.url_patterns, wrap, extras=extras, hold=hold)
            result.append(URLResolver(entry.pattern, children, entry.default_kwargs,
                                      entry.app_name, entry.namespace))
        else:
            result.append(entry)
    return result


def _scope_task_urls(patterns, flow_class):
    """The flow's node URLs, each checking the task's scope (404) before viewflow's code."""

    def may_view(user, task):
        return True  # the scope was checked by the wrapper below

    def wrap(callback, name, extras):
        node = extras.get("node")
        if node is None:
            return callback
        if name == "detail":
            callback = wrap_task_view(node, views.ScopedTaskDetailView.as_view(),
                                      permission=may_view)
        elif name == "index" and isinstance(node, flow_nodes.View):
            callback = wrap_task_view(node, views.ScopedTaskIndexView.as_view())
        elif name == "assign" and isinstance(node, flow_nodes.View):
            callback = wrap_task_view(node, views.ScopedAssignTaskView.as_view(),
                                      permission=node.can_assign)

        def view(request, *args, **kwargs):
            process_pk, task_pk = kwargs.get("process_pk"), kwargs.get("task_pk")
            if process_pk is not None and task_pk is not None:
                task = scope.scoped_task(request.user, flow_class, process_pk=process_pk,
                                         task_pk=task_pk)
                if task is None:
                    raise Http404("No task matches the given query.")
                if name in TASK_FORMS and task.status in CLOSED_TASK:
                    return _task_closed(request, node, task)
                if name == "execute" and task.owner_id != request.user.pk:
                    # viewflow's View lets anyone who may act start an assigned task;
                    # here only its owner opens the form
                    raise PermissionDenied
            elif process_pk is not None and not scope.may_view_process(request.user, process_pk):
                raise Http404("No process matches the given query.")
            try:
                return callback(request, *args, **kwargs)
            except PermissionDenied:
                # viewflow refuses (TransitionNotAllowed -> 403, in English) a task closed
                # between the check above and its locked read: the same page as above
                if name in TASK_FORMS and task_pk is not None:
                    task = scope.scoped_task(request.user, flow_class, process_pk=process_pk,
                                             task_pk=task_pk)
                    if task is not None and task.status in CLOSED_TASK:
                        return _task_closed(request, node, task)
                raise

        return update_wrapper(view, callback)

    return _wrap_tree(patterns, wrap)


def _task_closed(request, node, task):
    """A stale task form (decided by a colleague, or cancelled by a withdrawal while it
    was open): the task's read-only page, with a message instead of viewflow's 403."""
    messages.warning(request, gettext("This task has already been decided."))
    return HttpResponseRedirect(node.reverse("detail", args=[task.process_id, task.pk]))


def _guard(callback, name, extras):
    """Every staff page: anonymous users to the login page, families to /family/,
    other non-staff 404; then viewflow's site/app permission and resolver extras."""

    def view(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        # the user, read by now, without the lazy proxies (authentication's, and the second
        # factor's around it): a staff page asks it for its role and area some hundreds of
        # times (scopes, menu, rows)
        while isinstance(user, SimpleLazyObject):
            if user._wrapped is empty:
                user._setup()
            user = user._wrapped
        request.user = user
        if not scope.is_staff(user):
            if getattr(user, "role", None) == User.Role.FAMILY:
                return HttpResponseRedirect(FAMILY_HOME)
            raise Http404
        match = request.resolver_match
        for key, value in extras.items():
            if key in GUARDED_EXTRAS and not value.has_view_permission(user):
                raise PermissionDenied
            setattr(match, key, value)
        response = callback(request, *args, **kwargs)
        if (SITE_MIDDLEWARE not in settings.MIDDLEWARE and isinstance(response, TemplateResponse)
                and not response.is_rendered):
            # what SiteMiddleware.process_template_response adds: the app's menu context
            SiteMiddleware(None).process_template_response(request, response)
        return response

    return update_wrapper(view, callback)


site = StaffSite(
    title=_("Benefit casework"),
    viewsets=[ScopedFlowAppViewset(BenefitApplicationFlow, icon="assignment"),
              ScopedFlowAppViewset(RecertificationFlow, icon="event_repeat"),
              ScopedFlowAppViewset(AppealFlow, icon="gavel"),
              MessagesApp(), AuditorApp(), ReportsApp(), RegisterApp(),
              # the association's own year
              HealthChecksApp(), ContactsApp(), PairingsApp(), ProjectsApp(),
              OrganisationApp(), FundApp()],
)

urlpatterns = [path("", site.urls)]
