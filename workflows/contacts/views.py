"""Contact households (会员联系户) in the staff site (/workflow/contacts/): who looks after
which households in a village, reporting rounds (每日一报, or on set days) and their
reports, what is missing, and the roll-up by township.

Who: every staff role reads what lies in its area (``casework.contacts.selectors``); a
village's reviewer keeps its assignments and files its contact members' reports; a
township's approver opens and closes the township's rounds (``access.may_keep``), and
administrators of the area do both. Auditors and district staff read. Anything outside
the user's area is a 404 (whether it exists or not); a page that writes, opened by a
reader, a 403. Families never get here (the staff site's guard sends them to /family/).

Views translate HTTP into ``casework.contacts.services`` and back; lists read a constant
number of statements (keyset pages, ``?after=``).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from casework import access
from casework.contacts import selectors, services
from casework.contacts.models import ReportingRound
from casework.errors import DomainError
from casework.models import Area

from ..frontend_access import staff_only
from ..notifications import notify
from .forms import (
    AssignForm,
    ContactReportForm,
    DayForm,
    EndAssignmentForm,
    RoundForm,
    reporting_date,
)

PAGE_SIZE = selectors.PAGE_SIZE


# --- access ---------------------------------------------------------------------------------



def _village(user, code: str) -> Area:
    village = selectors.village_for(user, code)
    if village is None:
        raise Http404(_("No such village among those you may see."))
    return village


def _round(user, pk: int) -> ReportingRound:
    round_ = selectors.round_for(user, pk)
    if round_ is None:
        raise Http404(_("No such reporting round among those you may see."))
    return round_


def _require_keeper(user, code: str) -> None:
    if not access.may_keep(user, code):
        raise PermissionDenied


def _base_context(request) -> dict:
    unread = notify.unread_count(request.user)
    return {"user_messages": notify.unread_label(unread) if unread else ""}


def _domain_error(form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _pager(request, next_after) -> dict[str, str]:
    keep = request.GET.copy()
    keep.pop("after", None)
    first = f"?{keep.urlencode()}" if request.GET.get("after") else ""
    if next_after is not None:
        keep["after"] = next_after
    return {"next_url": f"?{keep.urlencode()}" if next_after is not None else "",
            "first_url": first}


def _after_int(request) -> int:
    after = request.GET.get("after", "")
    return int(after) if after.isdigit() else 0


# --- assignments ------------------------------------------------------------------------------

@require_http_methods(["GET", "HEAD"])
@staff_only
def index(request):
    """The village's contact members (village staff), or the villages of the area."""
    user = request.user
    if access.level_of(user.area_id) == "village":
        return _village_page(request, _village(user, user.area_id))
    rows, next_after = selectors.villages_page(user, after=request.GET.get("after", "")[:12])
    return TemplateResponse(request, "workflows/contacts/villages.html", {
        **_base_context(request), "rows": rows, **_pager(request, next_after),
    })


@require_http_methods(["GET", "HEAD"])
@staff_only
def village(request, code: str):
    return _village_page(request, _village(request.user, code))


def _village_page(request, village: Area):
    user = request.user
    groups, next_after = selectors.contacts_page(user, village.code, after=_after_int(request))
    return TemplateResponse(request, "workflows/contacts/village.html", {
        **_base_context(request), "village": village, "groups": groups,
        "may_keep": access.may_keep(user, village.code), "today": timezone.localdate(),
        **_pager(request, next_after),
    })


@require_http_methods(["GET", "POST"])
@staff_only
def assign(request, code: str):
    """Give a contact member households of the village (check boxes), all at once."""
    user = request.user
    village = _village(user, code)
    _require_keeper(user, village.code)
    today = timezone.localdate()
    form = AssignForm(request.POST or None,
                      candidates=selectors.contact_candidates(village.code, today),
                      households=selectors.unassigned_households(village.code))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            rows = services.assign_contact(actor=user, contact=data["contact"],
                                           households=list(data["households"]),
                                           since=data["since"])
        except DomainError as exc:
            _domain_error(form, exc)
        else:
            messages.success(request, _("%(name)s now looks after %(n)s households.") % {
                "name": data["contact"].name, "n": len(rows)})
            return HttpResponseRedirect(reverse("contacts:village", args=[village.code]))
    return TemplateResponse(request, "workflows/contacts/assign.html", {
        **_base_context(request), "village": village, "form": form,
    })


@require_http_methods(["GET", "POST"])
@staff_only
def end(request, pk: int):
    """The contact member stops looking after the household."""
    user = request.user
    assignment = selectors.assignment_for(user, pk)
    if assignment is None:
        raise Http404(_("No such assignment among those you may see."))
    _require_keeper(user, assignment.area_id)
    form = EndAssignmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.end_assignment(actor=user, assignment=assignment,
                                    until=form.cleaned_data["until"])
        except DomainError as exc:
            _domain_error(form, exc)
        else:
            messages.success(request, _("%(name)s no longer looks after household "
                                        "%(number)s.") % {
                                            "name": assignment.contact.name,
                                            "number": assignment.household.number})
            return HttpResponseRedirect(reverse("contacts:village",
                                                args=[assignment.area_id]))
    return TemplateResponse(request, "workflows/contacts/end.html", {
        **_base_context(request), "assignment": assignment, "form": form,
    })


# --- rounds -----------------------------------------------------------------------------------

def _round_areas(user) -> list[tuple[str, str]]:
    """The areas whose rounds ``user`` may open: villages and townships they keep."""
    rows = (Area.objects.filter(code__startswith=user.area_id or "-",
                                level__in=[Area.Level.VILLAGE, Area.Level.TOWNSHIP])
            .order_by("code").values_list("code", "name", "level"))
    indent = {Area.Level.VILLAGE: "\u2003"}
    return [(code, f"{indent.get(level, '')}{name} ({code})") for code, name, level in rows
            if access.may_keep(user, code)]


def _may_open_rounds(user) -> bool:
    """Whether the user keeps a village or a township (no query)."""
    return access.can_write(user) and user.role in (
        access.Role.VILLAGE_REVIEWER, access.Role.TOWNSHIP_APPROVER, access.Role.ADMIN)


@require_http_methods(["GET", "HEAD"])
@staff_only
def rounds(request):
    """The rounds the user sees, newest first (keyset on id)."""
    user = request.user
    rows = selectors.rounds_for(user).select_related("area")
    after = _after_int(request)
    if after:
        rows = rows.filter(pk__lt=after)
    page = list(rows.order_by("-id")[:PAGE_SIZE + 1])
    has_next, page = len(page) > PAGE_SIZE, page[:PAGE_SIZE]
    return TemplateResponse(request, "workflows/contacts/rounds.html", {
        **_base_context(request), "rows": page, "may_open": _may_open_rounds(user),
        **_pager(request, page[-1].pk if has_next else None),
    })


@require_http_methods(["GET", "POST"])
@staff_only
def round_new(request):
    user = request.user
    if not _may_open_rounds(user):
        raise PermissionDenied
    areas = _round_areas(user)
    if not areas:
        raise PermissionDenied
    form = RoundForm(request.POST or None, areas=areas)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        area = Area.objects.get(code=data["area"])
        try:
            round_ = services.open_round(
                actor=user, area=area, title=data["title"], reason=data["reason"],
                schedule=data["schedule"], days_of_month=data["days_of_month"],
                first_day=data["first_day"], last_day=data["last_day"])
        except DomainError as exc:
            _domain_error(form, exc)
        else:
            messages.success(request, _("Reporting round opened."))
            return HttpResponseRedirect(reverse("contacts:round", args=[round_.pk]))
    return TemplateResponse(request, "workflows/contacts/round_form.html", {
        **_base_context(request), "form": form,
    })


def _chosen_village(request, round_: ReportingRound, villages: list[Area]) -> Area | None:
    """The village whose reports the page shows: the only one the user sees, or ?village=."""
    if len(villages) == 1:
        return villages[0]
    code = request.GET.get("village", "")
    return next((v for v in villages if v.code == code), None)


@require_http_methods(["GET", "HEAD"])
@staff_only
def round_detail(request, pk: int):
    """A round: the day, the village's missing reports, the roll-up by village."""
    user = request.user
    round_ = _round(user, pk)
    today = timezone.localdate()
    day = reporting_date(request.GET.get("date", "")) or selectors.default_day(round_, today)
    villages = selectors.round_villages(user, round_)
    village = _chosen_village(request, round_, villages)
    is_day = selectors.is_reporting_day(round_, day)
    context = {
        **_base_context(request), "round": round_, "day": day, "is_day": is_day,
        "future": day > today, "villages": villages, "village": village,
        "day_form": DayForm(initial={"date": day}),
        "may_close": round_.is_open and access.may_keep(user, round_.area_id),
        "rollup": selectors.rollup(user, round_, day=day),
        "days": selectors.reporting_days(round_),
    }
    if village is not None:
        context.update({
            "may_file": (round_.is_open and is_day and day <= today
                         and access.may_keep(user, village.code)),
            "missing_day": selectors.missing_reports(round_, village.code, day=day),
            "missing_round": selectors.missing_reports(round_, village.code, up_to=day),
        })
    return TemplateResponse(request, "workflows/contacts/round.html", context)


@require_POST
@staff_only
def round_close(request, pk: int):
    user = request.user
    round_ = _round(user, pk)
    _require_keeper(user, round_.area_id)
    try:
        services.close_round(actor=user, round=round_)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Reporting round closed."))
    return HttpResponseRedirect(reverse("contacts:round", args=[round_.pk]))


@require_http_methods(["GET", "POST"])
@staff_only
def round_report(request, pk: int, code: str):
    """The village's form for a day: each contact member and their households, a status
    per household; each member's part is sent on its own (one report per member)."""
    user = request.user
    round_ = _round(user, pk)
    village = _village(user, code)
    if not round_.covers(village.code):
        raise Http404(_("This village does not report in this round."))
    _require_keeper(user, village.code)
    day = reporting_date(request.POST.get("date") or request.GET.get("date", ""))
    if day is None:
        day = selectors.default_day(round_)
    today = timezone.localdate()
    problem = ""
    if not round_.is_open:
        problem = _("This round is closed.")
    elif not selectors.is_reporting_day(round_, day):
        problem = _("%(date)s is not a reporting day of this round.") % {
            "date": day.isoformat()}
    elif day > today:
        problem = _("Reports for %(date)s can be filed on that day.") % {
            "date": day.isoformat()}
    sheets = [] if problem else selectors.day_sheet(round_, village.code, day)
    posted = request.POST.get("contact", "") if request.method == "POST" else ""
    forms_ = []
    for sheet in sheets:
        bound = posted == str(sheet.contact.pk)
        forms_.append(ContactReportForm(request.POST if bound else None, sheet=sheet))
    if request.method == "POST":
        if problem:
            messages.error(request, problem)
            return HttpResponseRedirect(reverse("contacts:round", args=[round_.pk]))
        form = next((f for f in forms_ if f.is_bound), None)
        if form is None:
            raise Http404(_("No such contact member in this village on that day."))
        if form.is_valid():
            try:
                saved = services.file_report(
                    actor=user, round=round_, contact=form.sheet.contact, report_date=day,
                    entries=[services.ReportEntry(h, s, n) for h, s, n in form.entries()])
            except DomainError as exc:
                _domain_error(form, exc)
            else:
                messages.success(request, _("%(name)s's report for %(date)s is recorded "
                                            "(%(n)s households).") % {
                                                "name": form.sheet.contact.name,
                                                "date": day.isoformat(), "n": len(saved)})
                url = reverse("contacts:round_report", args=[round_.pk, village.code])
                return HttpResponseRedirect(f"{url}?{urlencode({'date': day.isoformat()})}")
    return TemplateResponse(request, "workflows/contacts/report_form.html", {
        **_base_context(request), "round": round_, "village": village, "day": day,
        "problem": problem, "forms": forms_, "day_form": DayForm(initial={"date": day}),
    })
