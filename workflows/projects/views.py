"""Income projects (少生快富项目) in the staff site (/workflow/projects/): the township's
projects, each with the households it helps, and the forms that keep them.

Who (``casework.projects.selectors``, ``casework.access.may_keep``): the township approver
of a township (and administrators of the area) keep its projects: create and change them,
add households, record their support, record that they left. District staff and auditors
read every project of the district; township staff their township's; a village reviewer
reads the projects of their village's township, and of the households in them only those
of their own village. A project or household outside what the user may read is a 404;
a page that writes, opened by a reader, a 403.

The views translate HTTP into ``casework.projects.services`` and back. Lists read a
constant number of statements a page: keyset pages (``?after=``) on the list's own order.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from casework import access
from casework.errors import DomainError
from casework.models import Area, Household, Person
from casework.projects import selectors, services
from casework.projects.models import IncomeProject, ProjectHousehold

from ..frontend_access import staff_only
from ..notifications import notify
from .forms import AddHouseholdForm, LeaveForm, ProjectForm, SupportForm

PAGE_SIZE = 50
SEARCH_SHOWN = 20
HEADS = Prefetch("household__members", to_attr="heads",
                 queryset=Person.objects.filter(relationship=Person.Relationship.HEAD)
                 .only("id", "household_id", "name").order_by("id"))


# --- access -------------------------------------------------------------------------------



def kept_townships(user) -> list[tuple[str, str]]:
    """The townships whose projects ``user`` keeps, as (code, label) choices."""
    if not access.can_write(user) or not user.area_id:
        return []
    rows = (Area.objects.filter(level=Area.Level.TOWNSHIP, code__startswith=user.area_id)
            .order_by("code").values_list("code", "name"))
    return [(code, f"{name} ({code})") for code, name in rows if access.may_keep(user, code)]


def readable_townships(user) -> list[tuple[str, str]]:
    """The townships whose projects ``user`` reads, for the list's filter."""
    prefix = (selectors.township_code_of(user.area_id)
              if access.level_of(user.area_id) == "village" else user.area_id)
    rows = (Area.objects.filter(level=Area.Level.TOWNSHIP, code__startswith=prefix)
            .order_by("code").values_list("code", "name"))
    return [(code, f"{name} ({code})") for code, name in rows]


def _project(request, pk: int, *, keep: bool = False) -> IncomeProject:
    """The project if the user may read it (else 404) and, with ``keep``, keep it (else
    403)."""
    project = selectors.project_for(request.user, pk)
    if keep and not access.may_keep(request.user, project.area_id):
        raise PermissionDenied
    return project


def _context(request, **extra) -> dict:
    unread = notify.unread_count(request.user)
    return {"user_messages": notify.unread_label(unread) if unread else "", **extra}


def _domain_error(form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _pager(request, next_after: str | int | None) -> dict[str, str]:
    """The keyset pager's links, keeping the other filters."""
    keep = request.GET.copy()
    keep.pop("after", None)
    first = ""
    if request.GET.get("after"):
        first = f"?{keep.urlencode()}" if keep else "?"
    if next_after is not None:
        keep["after"] = next_after
    return {"next_url": f"?{keep.urlencode()}" if next_after is not None else "",
            "first_url": first}


# --- projects -------------------------------------------------------------------------------

@require_http_methods(["GET", "HEAD"])
@staff_only
def project_list(request):
    """The projects the user reads, by township and name, keyset pages
    (``?after=<township code>|<name>``), filtered to one township (``?area=``)."""
    user = request.user
    townships = readable_townships(user)
    area = request.GET.get("area", "")
    if area not in dict(townships):
        area = ""
    visible = Q(households__left_on__isnull=True,
                households__area__code__startswith=user.area_id)
    rows = (selectors.projects_for(user, township=area)
            .annotate(current=Count("households", filter=visible))
            .order_by("area_id", "name"))
    after = request.GET.get("after", "")
    if "|" in after:
        after_area, after_name = after.split("|", 1)
        rows = rows.filter(Q(area_id__gt=after_area) | Q(area_id=after_area,
                                                         name__gt=after_name))
    page = list(rows[:PAGE_SIZE + 1])
    has_next, page = len(page) > PAGE_SIZE, page[:PAGE_SIZE]
    last = page[-1] if has_next else None
    return TemplateResponse(request, "workflows/projects/list.html", _context(
        request, rows=page, area=area, townships=townships,
        may_create=bool(kept_townships(user)),
        **_pager(request, f"{last.area_id}|{last.name}" if last else None)))


@require_http_methods(["GET", "POST"])
@staff_only
def project_create(request):
    user = request.user
    townships = kept_townships(user)
    if not townships:
        raise PermissionDenied
    form = ProjectForm(request.POST or None, townships=townships)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            project = services.create_project(
                actor=user, area_code=data["area"], name=data["name"], kind=data["kind"],
                started_on=data["started_on"], ended_on=data["ended_on"],
                support=data["support"], lead=data["lead"], budget_yuan=data["budget_yuan"],
                active=data["active"])
        except DomainError as exc:
            _domain_error(form, exc)
        else:
            messages.success(request, _("Project %(name)s created.") % {"name": project.name})
            return HttpResponseRedirect(reverse("projects:project", args=[project.pk]))
    return TemplateResponse(request, "workflows/projects/project_form.html", _context(
        request, form=form, project=None))


@require_http_methods(["GET", "POST"])
@staff_only
def project_edit(request, pk: int):
    user = request.user
    project = _project(request, pk, keep=True)
    initial = {f: getattr(project, f) for f in services.PROJECT_FIELDS}
    form = ProjectForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_project(actor=user, project=project, **form.cleaned_data)
        except DomainError as exc:
            _domain_error(form, exc)
        else:
            messages.success(request, _("Project %(name)s saved.") % {
                "name": form.cleaned_data["name"]})
            return HttpResponseRedirect(reverse("projects:project", args=[project.pk]))
    return TemplateResponse(request, "workflows/projects/project_form.html", _context(
        request, form=form, project=project))


@require_http_methods(["GET", "HEAD"])
@staff_only
def project_detail(request, pk: int):
    """One project and the households it helps that the user may read, in the order
    they were recorded (keyset pages, ``?after=<id>``)."""
    user = request.user
    project = _project(request, pk)
    rows = (selectors.households_of(user, project).prefetch_related(HEADS)
            .defer("household__address").order_by("id"))
    after = request.GET.get("after", "")
    if after.isdigit():
        rows = rows.filter(pk__gt=int(after))
    page = list(rows[:PAGE_SIZE + 1])
    has_next, page = len(page) > PAGE_SIZE, page[:PAGE_SIZE]
    return TemplateResponse(request, "workflows/projects/project.html", _context(
        request, project=project, rows=page,
        may_keep=access.may_keep(user, project.area_id),
        **_pager(request, page[-1].pk if has_next else None)))


# --- households -------------------------------------------------------------------------------

def _search(user, project: IncomeProject, query: str) -> list[Household]:
    """The township's households (that the user may see) whose number starts with
    ``query``, each marked whether it is in the project now."""
    if not query:
        return []
    return list(Household.objects.filter(access.area_q(user, household_field=""))
                .filter(area__code__startswith=project.area_id, number__startswith=query)
                .annotate(in_project=Exists(ProjectHousehold.objects.filter(
                    project_id=project.pk, household_id=OuterRef("pk"),
                    left_on__isnull=True)))
                .select_related("area").prefetch_related(
                    Prefetch("members", to_attr="heads", queryset=Person.objects.filter(
                        relationship=Person.Relationship.HEAD)
                        .only("id", "household_id", "name").order_by("id")))
                .order_by("number")[:SEARCH_SHOWN])


@require_http_methods(["GET", "POST"])
@staff_only
def household_add(request, pk: int):
    """Search the township's households by number (``?q=``), then add one with the date
    it joined and the support it got."""
    user = request.user
    project = _project(request, pk, keep=True)
    query = "".join(request.GET.get("q", "").split())[:30]
    initial = {"household": "".join(request.GET.get("household", "").split())[:30]}
    form = AddHouseholdForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        household = (Household.objects.filter(access.area_q(user, household_field=""))
                     .filter(number=data["household"]).first())
        if household is None:
            form.add_error("household", _("No household with this number among those you "
                                          "may see."))
        else:
            try:
                services.add_household(
                    actor=user, project=project, household=household,
                    joined_on=data["joined_on"], support_given=data["support_given"],
                    support_yuan=data["support_yuan"] or Decimal("0"))
            except DomainError as exc:
                _domain_error(form, exc)
            else:
                messages.success(request, _("Household %(number)s added to the project.") % {
                    "number": household.number})
                return HttpResponseRedirect(reverse("projects:project", args=[project.pk]))
    return TemplateResponse(request, "workflows/projects/household_add.html", _context(
        request, project=project, form=form, query=query,
        matches=_search(user, project, query)))


def _membership(request, pk: int, hid: int) -> tuple[IncomeProject, ProjectHousehold]:
    project = _project(request, pk)
    membership = selectors.membership_for(request.user, project, hid)
    if not access.may_keep(request.user, project.area_id):
        raise PermissionDenied
    membership.project = project
    return project, membership


@require_http_methods(["GET", "POST"])
@staff_only
def household_support(request, pk: int, hid: int):
    """Record what the household has been given (the text and its worth)."""
    project, membership = _membership(request, pk, hid)
    form = SupportForm(request.POST or None, initial={
        "support_given": membership.support_given, "support_yuan": membership.support_yuan})
    if request.method == "POST" and form.is_valid():
        try:
            services.record_support(actor=request.user, membership=membership,
                                    **form.cleaned_data)
        except DomainError as exc:
            _domain_error(form, exc)
        else:
            messages.success(request, _("Support recorded for household %(number)s.") % {
                "number": membership.household.number})
            return HttpResponseRedirect(reverse("projects:project", args=[project.pk]))
    return TemplateResponse(request, "workflows/projects/household_support.html", _context(
        request, project=project, membership=membership, form=form))


@require_http_methods(["GET", "POST"])
@staff_only
def household_leave(request, pk: int, hid: int):
    """Record that the household left the project."""
    project, membership = _membership(request, pk, hid)
    form = LeaveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.leave_project(actor=request.user, membership=membership,
                                   left_on=form.cleaned_data["left_on"])
        except DomainError as exc:
            _domain_error(form, exc)
        else:
            messages.success(request, _("Household %(number)s has left the project.") % {
                "number": membership.household.number})
            return HttpResponseRedirect(reverse("projects:project", args=[project.pk]))
    return TemplateResponse(request, "workflows/projects/household_leave.html", _context(
        request, project=project, membership=membership, form=form))
