"""Dues campaigns in the member roster (/workflow/register/dues-campaigns/): the list of
the year's campaigns, opening and changing one (the district's keepers), and the
collection rates by township and village with the pilot townships marked.

Who: every staff member reads the campaigns of their area and of the areas above it,
and the rates of their area (``casework.duescampaigns.selectors``); only the district's
keepers (its district approver, an administrator of the district) open or change a
campaign (``casework.duescampaigns.services``). A campaign or an area outside the user's
scope is a 404; a page that writes, opened by a reader, a 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from casework import access
from casework.duescampaigns import selectors, services, stats
from casework.duescampaigns.models import DuesCampaign
from casework.errors import DomainError
from casework.models import Area

from ..frontend_access import staff_only
from ..staff_pages import base_context, domain_error, pager
from .forms import CampaignFilterForm, CampaignForm, RatesForm

PAGE_SIZE = 50


def _district(user) -> str:
    return (user.area_id or "")[:6]


def may_open(user) -> bool:
    """Whether ``user`` keeps the district's records (opens and changes campaigns)."""
    return bool(user.area_id) and access.may_keep(user, _district(user))


def _campaign_areas(user) -> list[tuple[str, str]]:
    """The district (a district-wide campaign) and its townships."""
    rows = (Area.objects.filter(code__startswith=_district(user) or "-")
            .exclude(level=Area.Level.VILLAGE).order_by("code")
            .values_list("code", "name", "level"))
    return [(code, f"{name} ({code})" if level == Area.Level.TOWNSHIP
             else _("%(name)s (district-wide)") % {"name": name})
            for code, name, level in rows]


@require_http_methods(["GET", "HEAD"])
@staff_only
def campaign_list(request):
    """The campaigns the user may read, newest year first, keyset pages
    (``?after=<year>:<area code>``)."""
    user = request.user
    form = CampaignFilterForm(request.GET or None)
    year = form.cleaned_data["year"] if form.is_bound and form.is_valid() else None
    rows = selectors.campaigns_for(user, year=year)
    after = request.GET.get("after", "")
    after_year, _sep, after_area = after.partition(":")
    if after_year.isdigit() and after_area.isdigit():
        rows = rows.filter(Q(year__lt=int(after_year))
                           | Q(year=int(after_year), area_id__gt=after_area))
    page = list(rows[:PAGE_SIZE + 1])
    has_next, page = len(page) > PAGE_SIZE, page[:PAGE_SIZE]
    last = f"{page[-1].year}:{page[-1].area_id}" if has_next else None
    return TemplateResponse(request, "workflows/register/dues_campaigns.html", {
        **base_context(request), "form": form, "rows": page, "may_open": may_open(user),
        "this_year": timezone.localdate().year, **pager(request, last),
    })


@require_http_methods(["GET", "POST"])
@staff_only
def campaign_new(request):
    user = request.user
    if not may_open(user):
        raise PermissionDenied
    areas = _campaign_areas(user)
    form = CampaignForm(request.POST or None, areas=areas)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = services.open_campaign(
                actor=user, area=Area.objects.get(code=data["area"]), year=data["year"],
                pilot=data["pilot"], starts_on=data["starts_on"], ends_on=data["ends_on"],
                target_percent=data["target_percent"], note=data["note"])
        except DomainError as exc:
            domain_error(form, exc)
        else:
            messages.success(request, _("Dues campaign %(year)s of %(area)s opened.") % {
                "year": campaign.year, "area": campaign.area.name})
            return HttpResponseRedirect(reverse("register:duescampaigns-list"))
    return TemplateResponse(request, "workflows/register/dues_campaign_form.html", {
        **base_context(request), "form": form, "campaign": None})


@require_http_methods(["GET", "POST"])
@staff_only
def campaign_edit(request, pk: int):
    user = request.user
    try:
        campaign = selectors.campaign_for(user, pk)
    except DuesCampaign.DoesNotExist:
        raise Http404(_("No such campaign among those you may see.")) from None
    if not may_open(user):
        raise PermissionDenied
    initial = {"pilot": campaign.pilot, "starts_on": campaign.starts_on,
               "ends_on": campaign.ends_on, "target_percent": campaign.target_percent,
               "note": campaign.note}
    form = CampaignForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.change_campaign(
                actor=user, campaign=campaign, pilot=data["pilot"], starts_on=data["starts_on"],
                ends_on=data["ends_on"], target_percent=data["target_percent"],
                note=data["note"])
        except DomainError as exc:
            domain_error(form, exc)
        else:
            messages.success(request, _("Dues campaign %(year)s of %(area)s changed.") % {
                "year": campaign.year, "area": campaign.area.name})
            return HttpResponseRedirect(reverse("register:duescampaigns-list"))
    return TemplateResponse(request, "workflows/register/dues_campaign_form.html", {
        **base_context(request), "form": form, "campaign": campaign})


def _rate_areas(user) -> list[tuple[str, str]]:
    """The user's area and its townships (a district) or villages (a township)."""
    code = user.area_id or "-"
    rows = (Area.objects.filter(code__startswith=code).order_by("code")
            .values_list("code", "name", "level"))
    keep = {Area.Level.DISTRICT: (Area.Level.DISTRICT, Area.Level.TOWNSHIP),
            Area.Level.TOWNSHIP: (Area.Level.TOWNSHIP, Area.Level.VILLAGE),
            Area.Level.VILLAGE: (Area.Level.VILLAGE,)}.get(access.level_of(code), ())
    indent = {Area.Level.VILLAGE: "\u2003"} if access.level_of(code) != "village" else {}
    return [(c, f"{indent.get(level, '')}{name} ({c})") for c, name, level in rows
            if level in keep]


@require_http_methods(["GET", "HEAD"])
@staff_only
def rates(request):
    """Collection rates of an area for a year (``casework.duescampaigns.stats.rates``):
    its townships with the pilots marked, its villages with their arrears lists."""
    user = request.user
    wanted = request.GET.get("area", "")
    if wanted and not (access.level_of(wanted) and access.in_scope(user, wanted, None)):
        raise Http404(_("No such area among those you may see."))
    areas = _rate_areas(user)
    if wanted and wanted not in dict(areas):  # a village of another township's list
        areas.append((wanted, wanted))
    today = timezone.localdate()
    form = RatesForm(request.GET or None, areas=areas, initial={"year": today.year})
    year, as_of, code = today.year, today, wanted or user.area_id
    if form.is_bound and form.is_valid():
        year = form.cleaned_data["year"] or year
        as_of = form.cleaned_data["as_of"] or today
    try:
        area = selectors.area_for(user, code)
    except Area.DoesNotExist:
        raise Http404(_("No such area among those you may see.")) from None
    table = stats.rates(area=area, year=year, as_of=as_of)
    return TemplateResponse(request, "workflows/register/dues_rates.html", {
        **base_context(request), "form": form, "table": table, "area": area,
        "year": year, "as_of": as_of, "show_villages": area.level != Area.Level.DISTRICT,
        "may_open": may_open(user),
    })
