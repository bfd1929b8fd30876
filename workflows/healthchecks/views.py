"""Health-check campaigns in the staff site (/workflow/healthchecks/).

Who: every staff role reads the campaigns of its area (a village reviewer their village,
township and district staff and auditors theirs); the village's reviewer and the
administrators of the area open a campaign, change it, top up its list and record
results (``casework.access.may_keep``). A campaign outside the user's area is a 404
whether it exists or not; a page that writes, opened by a reader, a 403. Families never
get here (the staff site's guard sends them to /family/).

The views parse HTTP and call ``casework.healthchecks`` (selectors to read, services to
write) and back. Lists read a constant number of statements per page: keyset pages
(``?after=``), the counts annotated on the page's campaigns, the persons joined to the
page's records.
"""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from casework import access
from casework.errors import DomainError
from casework.healthchecks import selectors, services
from casework.healthchecks.models import HealthCheckCampaign, HealthCheckRecord
from casework.history import record_events
from casework.models import Area, User
from casework.register.excel import safe_cell

from ..frontend_access import staff_only
from .forms import (
    CampaignFilterForm,
    CoverageFilterForm,
    EditCampaignForm,
    OpenCampaignForm,
    ResultFilterForm,
    ResultsForm,
    posted_person_ids,
)

PAGE_SIZE = 50
HISTORY_SHOWN = 10
Result = HealthCheckRecord.Result

ACTION_LABELS = {
    "campaign_opened": gettext_lazy("Campaign opened"),
    "members_added": gettext_lazy("Members added to the list"),
    "campaign_changed": gettext_lazy("Campaign changed"),
}


# --- access ---------------------------------------------------------------------------------



def may_open(user: User) -> bool:
    """Whether the user keeps some village's records (a village reviewer, an admin)."""
    return (access.can_write(user) and user.area_id is not None
            and user.role in (User.Role.VILLAGE_REVIEWER, User.Role.ADMIN))


def _kept_campaign(user: User, pk: int) -> HealthCheckCampaign:
    """The campaign if ``user`` may see it (else 404) and keep it (else 403)."""
    campaign = selectors.campaign_for(user, pk)
    if not access.may_keep(user, campaign.area_id):
        raise PermissionDenied
    return campaign


def _areas(user: User) -> list[tuple[str, str]]:
    """The townships and villages of the user's area, for the filters."""
    rows = (Area.objects.filter(code__startswith=user.area_id or "-")
            .exclude(level=Area.Level.DISTRICT).order_by("code")
            .values_list("code", "name", "level"))
    indent = {Area.Level.VILLAGE: "\u2003"}
    return [(code, f"{indent.get(level, '')}{name} ({code})") for code, name, level in rows]


def _kept_villages(user: User) -> list[tuple[str, str]]:
    """The villages whose campaigns ``user`` may open."""
    if not may_open(user):
        return []
    rows = (Area.objects.filter(code__startswith=user.area_id, level=Area.Level.VILLAGE)
            .select_related("parent").order_by("code"))
    return [(a.code, f"{a.parent.name if a.parent else ''} {a.name} ({a.code})".strip())
            for a in rows if access.may_keep(user, a.code)]


def _domain_error(form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _pager(request, next_after) -> dict[str, str]:
    """The keyset pager's links, keeping the other filters."""
    keep = request.GET.copy()
    keep.pop("after", None)
    first = f"?{keep.urlencode()}" if request.GET.get("after") else ""
    if next_after is not None:
        keep["after"] = next_after
    return {"next_url": f"?{keep.urlencode()}" if next_after is not None else "",
            "first_url": first}


def _after(request) -> int | None:
    after = request.GET.get("after", "")
    return int(after) if after.isdigit() else None


# --- campaigns ----------------------------------------------------------------------------

@require_http_methods(["GET", "HEAD"])
@staff_only
def campaign_list(request):
    """The campaigns of the user's area, newest first, with their coverage."""
    user = request.user
    areas = _areas(user)
    data = request.GET.copy()
    if "year" not in data:
        data["year"] = str(timezone.localdate().year)
    form = CampaignFilterForm(data, areas=areas)
    year, area = timezone.localdate().year, ""
    if form.is_valid():
        year, area = form.cleaned_data["year"], form.cleaned_data["area"] or ""
    rows = selectors.campaigns_for(user, year=year, area_code=area)
    after = _after(request)
    if after is not None:
        rows = rows.filter(id__lt=after)
    page = list(rows[:PAGE_SIZE + 1])
    has_next, page = len(page) > PAGE_SIZE, page[:PAGE_SIZE]
    listed = [{"campaign": c, "counts": selectors.counts_of(c)} for c in page]
    return TemplateResponse(request, "workflows/healthchecks/campaigns.html", {
        "form": form, "rows": listed, "year": year, "may_open": may_open(user),
        **_pager(request, page[-1].pk if has_next else None),
    })


@require_http_methods(["GET", "POST"])
@staff_only
def campaign_open(request):
    """Open a village's campaign of a year; its member list is generated from the roster."""
    user = request.user
    villages = _kept_villages(user)
    if not villages:
        raise PermissionDenied
    form = OpenCampaignForm(request.POST or None, villages=villages)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = services.open_campaign(
                actor=user, village_code=data["area"], year=data["year"],
                first_day=data["first_day"], last_day=data["last_day"], venue=data["venue"],
                provider=data["provider"], funding_yuan=data["funding_yuan"],
                note=data["note"])
        except DomainError as exc:
            _domain_error(form, exc)
        else:
            listed = HealthCheckRecord.objects.filter(campaign_id=campaign.pk).count()
            messages.success(request, _("Campaign opened: %(count)s members listed.") % {
                "count": listed})
            return HttpResponseRedirect(reverse("healthchecks:campaign", args=[campaign.pk]))
    return TemplateResponse(request, "workflows/healthchecks/campaign_form.html", {
        "form": form, "title": _("Open a health-check campaign"),
        "submit": _("Open the campaign and list the members"),
        "cancel_url": reverse("healthchecks:index"),
    })


@require_http_methods(["GET", "POST"])
@staff_only
def campaign_edit(request, pk: int):
    """Change a campaign's days, place, provider, funding or note."""
    user = request.user
    campaign = _kept_campaign(user, pk)
    form = EditCampaignForm(request.POST or None, initial={
        name: getattr(campaign, name) for name in
        ("first_day", "last_day", "venue", "provider", "funding_yuan", "note")})
    if request.method == "POST" and form.is_valid():
        try:
            services.update_campaign(actor=user, campaign=campaign, **form.cleaned_data)
        except DomainError as exc:
            _domain_error(form, exc)
        else:
            messages.success(request, _("Campaign saved."))
            return HttpResponseRedirect(reverse("healthchecks:campaign", args=[campaign.pk]))
    return TemplateResponse(request, "workflows/healthchecks/campaign_form.html", {
        "form": form, "campaign": campaign,
        "title": _("Change the campaign of %(village)s, %(year)s") % {
            "village": campaign.area.name, "year": campaign.year},
        "submit": _("Save"),
        "cancel_url": reverse("healthchecks:campaign", args=[campaign.pk]),
    })


@require_http_methods(["POST"])
@staff_only
def campaign_refresh(request, pk: int):
    """Add the members who joined since the list was made."""
    campaign = _kept_campaign(request.user, pk)
    try:
        added = services.refresh_members(actor=request.user, campaign=campaign)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(count)s members added to the list.") % {
            "count": added})
    return HttpResponseRedirect(reverse("healthchecks:campaign", args=[campaign.pk]))


def _results_form(records, data=None) -> ResultsForm:
    initial = {}
    for record in records:
        initial[f"result_{record.person_id}"] = record.result
        initial[f"day_{record.person_id}"] = record.checked_on
    return ResultsForm(data, initial=initial,
                       rows=[(r.person_id, r.person.name) for r in records])


def _table(records, form: ResultsForm | None) -> list[dict]:
    rows = []
    for record in records:
        row = {"record": record, "person": record.person,
               "household": record.person.household}
        if form is not None:
            row["result_field"] = form[f"result_{record.person_id}"]
            row["day_field"] = form[f"day_{record.person_id}"]
        rows.append(row)
    return rows


@require_http_methods(["GET", "HEAD", "POST"])
@staff_only
def campaign_detail(request, pk: int):
    """A campaign: its numbers, its member list (filter by result, keyset pages) and, for
    its keepers, one form to record the page's results at once (all or nothing)."""
    user = request.user
    campaign = selectors.campaign_for(user, pk, counts=True)
    may_keep = access.may_keep(user, campaign.area_id)
    filter_form = ResultFilterForm(request.GET or None)
    result = ""
    if filter_form.is_bound and filter_form.is_valid():
        result = filter_form.cleaned_data["result"]
    if request.method == "POST":
        if not may_keep:
            raise PermissionDenied
        ids = posted_person_ids(request.POST, PAGE_SIZE * 4)
        records = list(selectors.records_of(campaign).filter(person_id__in=ids))
        known = {r.person_id for r in records}
        records_form = _results_form(records, request.POST)
        if records_form.is_valid():
            rows = [services.ResultInput(pid, res, day)
                    for pid, res, day in records_form.results()]
            rows += [services.ResultInput(pid, "", None) for pid in ids if pid not in known]
            try:
                changed = services.record_results(actor=user, campaign=campaign, rows=rows)
            except services.BatchRejected as exc:
                for error in exc.errors:
                    field = records_form.field_of(error.person_id, error.field)
                    records_form.add_error(field, error.message if field else _(
                        "Row %(row)s: %(message)s") % {"row": error.row,
                                                         "message": error.message})
            except DomainError as exc:
                records_form.add_error(None, exc.message)
            else:
                messages.success(request, _("%(count)s results recorded.") % {
                    "count": len(changed)})
                target = reverse("healthchecks:campaign", args=[campaign.pk])
                query = request.GET.urlencode()
                return HttpResponseRedirect(f"{target}?{query}" if query else target)
        page, has_next = records, False
        form = records_form
    else:
        rows = selectors.records_of(campaign, result=result)
        after = _after(request)
        if after is not None:
            rows = rows.filter(id__gt=after)
        page = list(rows[:PAGE_SIZE + 1])
        has_next, page = len(page) > PAGE_SIZE, page[:PAGE_SIZE]
        form = _results_form(page) if may_keep else None
    history = list(record_events.history(record_events.subject_of(campaign), campaign.pk)
                   .order_by("-id")[:HISTORY_SHOWN])
    return TemplateResponse(request, "workflows/healthchecks/campaign.html", {
        "campaign": campaign, "counts": selectors.counts_of(campaign), "may_keep": may_keep,
        "filter_form": filter_form, "result": result, "form": form,
        "rows": _table(page, form), "today": timezone.localdate(),
        "history": [{"event": e, "label": ACTION_LABELS.get(e.action, e.action)}
                    for e in history],
        **_pager(request, page[-1].pk if has_next and page else None),
    })


@require_http_methods(["GET", "HEAD"])
@staff_only
def campaign_export(request, pk: int):
    """The member list as CSV (names, household numbers, results; no identity numbers)."""
    campaign = selectors.campaign_for(request.user, pk)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([_("household number"), _("Name"), _("sex"), _("Result"),
                     _("checked on")])
    for record in selectors.records_of(campaign).iterator(chunk_size=500):
        person = record.person
        writer.writerow([safe_cell(v) for v in (
            person.household.number, person.name, person.get_sex_display(),
            record.get_result_display(),
            record.checked_on.isoformat() if record.checked_on else "")])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="health-check-{campaign.area_id}-{campaign.year}.csv"')
    add_never_cache_headers(response)
    return response


# --- coverage -----------------------------------------------------------------------------

@require_http_methods(["GET", "HEAD"])
@staff_only
def coverage(request):
    """Coverage of a year per village, with township subtotals and the total."""
    user = request.user
    areas = _areas(user)
    data = request.GET.copy()
    if "year" not in data:
        data["year"] = str(timezone.localdate().year)
    form = CoverageFilterForm(data, areas=areas)
    year, area = timezone.localdate().year, ""
    if form.is_valid():
        year, area = form.cleaned_data["year"], form.cleaned_data["area"] or ""
    report = selectors.coverage(user, year=year, area_code=area)
    return TemplateResponse(request, "workflows/healthchecks/coverage.html", {
        "form": form, "report": report, "year": year,
    })
