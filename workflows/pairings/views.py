"""Assistance pairings in the staff site (/workflow/pairings/): partners, the hardship
households to pair, contracts with their visits, ending a contract early.

Who: every staff role reads the pairings of its area (``casework.pairings.selectors``);
the village reviewer of the household's village and the township approver of its
township (and administrators) record them (``services.may_keep_pairings``). A contract
or household outside the user's area is a 404 (whether it exists or not); a page that
writes, opened by a reader (district staff, auditors), a 403. Families never get here
(the staff site's guard sends them to /family/).

The views translate HTTP into the services and back. Lists read a constant number of
statements per page: keyset pages (``?after=``), joins and counts decided in the
selectors.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from casework import access
from casework.errors import DomainError
from casework.models import AccessRecord, Area, Case, CaseStatus, Membership, User
from casework.pairings import selectors, services
from casework.pairings.models import PairingContract
from casework.privacy.access_log import record_access, site_language

from ..documents import DOWNLOAD_TYPE, INLINE_TYPES
from ..frontend_access import staff_only
from ..notifications import notify
from .forms import STATE_CHOICES, ContractForm, EndForm, PartnerForm, VisitForm

PAGE_SIZE = 50
# why staff and families open a scanned contract (PIPL: the purpose of each access)
DOCUMENT_PURPOSE = gettext_lazy("the scanned pairing contract #%(contract)s")
KEEPER_ROLES = (User.Role.VILLAGE_REVIEWER, User.Role.TOWNSHIP_APPROVER, User.Role.ADMIN)


# --- access ----------------------------------------------------------------------------------



def may_record(user) -> bool:
    """Whether the user records pairings somewhere (shows the pages' write links); each
    write still asks ``services.may_keep_pairings`` for its own area."""
    return user.role in KEEPER_ROLES and access.can_write(user)


def _base_context(request) -> dict:
    unread = notify.unread_count(request.user)
    return {"user_messages": notify.unread_label(unread) if unread else "",
            "may_record": may_record(request.user)}


def _kept_areas(user) -> list[tuple[str, str]]:
    """The townships and villages where ``user`` may add partners."""
    rows = (Area.objects.filter(code__startswith=user.area_id or "-",
                                level__in=(Area.Level.TOWNSHIP, Area.Level.VILLAGE))
            .order_by("code").values_list("code", "name", "level"))
    return [(code, _area_label(code, name, level)) for code, name, level in rows
            if services.may_keep_pairings(user, code)]


def _areas(user) -> list[tuple[str, str]]:
    """The townships and villages of the user's area, for the filters."""
    rows = (Area.objects.filter(code__startswith=user.area_id or "-")
            .exclude(level=Area.Level.DISTRICT).order_by("code")
            .values_list("code", "name", "level"))
    return [(code, _area_label(code, name, level)) for code, name, level in rows]


def _area_label(code: str, name: str, level: str) -> str:
    indent = "\u2003" if level == Area.Level.VILLAGE else ""
    return f"{indent}{name} ({code})"


def _domain_error(form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _pager(request, next_after) -> dict[str, str]:
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


def _int(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) < 12 else None


def _area_filter(request) -> str:
    area = request.GET.get("area", "")
    user_area = request.user.area_id or ""
    return area if area.isdigit() and area.startswith(user_area) else ""


# --- contracts --------------------------------------------------------------------------------

@require_http_methods(["GET", "HEAD"])
@staff_only
def contract_list(request):
    """The contracts of the user's area, newest first, filtered by state and area."""
    user = request.user
    state = request.GET.get("state", "")
    if state not in PairingContract.State.values:
        state = ""
    area = _area_filter(request)
    rows = selectors.contracts_for(user, state=state, area=area)
    after = _int(request.GET.get("after", ""))
    if after is not None:
        rows = rows.filter(pk__lt=after)
    page = list(rows[:PAGE_SIZE + 1])
    has_next, page = len(page) > PAGE_SIZE, page[:PAGE_SIZE]
    return TemplateResponse(request, "workflows/pairings/contracts.html", {
        **_base_context(request), "rows": page, "state": state, "states": STATE_CHOICES,
        "area": area, "areas": _areas(user),
        **_pager(request, page[-1].pk if has_next else None),
    })


@require_http_methods(["GET", "HEAD", "POST"])
@staff_only
def contract_detail(request, pk: int):
    """A contract, its visits and (for its keepers) the form to record a visit."""
    user = request.user
    contract = selectors.contract_detail(user=user, contract_id=pk)
    may_keep = services.may_keep_pairings(user, contract.area_id)
    form = VisitForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not may_keep:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.record_visit(actor=user, contract=contract,
                                      visited_on=data["visited_on"],
                                      visited_by=data["visited_by"],
                                      visitor_name=data["visitor_name"], note=data["note"])
            except DomainError as exc:
                _domain_error(form, exc)
            else:
                messages.success(request, _("Visit recorded."))
                return HttpResponseRedirect(reverse("pairings:contract", args=[contract.pk]))
    return TemplateResponse(request, "workflows/pairings/contract.html", {
        **_base_context(request), "contract": contract,
        "visits": list(selectors.visits_of(contract)), "may_keep": may_keep,
        "form": form, "today": timezone.localdate(),
    })


@require_http_methods(["GET", "POST"])
@staff_only
def contract_end(request, pk: int):
    """End a contract early, with the day and the reason."""
    user = request.user
    contract = selectors.contract_detail(user=user, contract_id=pk)
    if not services.may_keep_pairings(user, contract.area_id):
        raise PermissionDenied
    form = EndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.end_contract(actor=user, contract=contract,
                                  ended_on=form.cleaned_data["ended_on"],
                                  reason=form.cleaned_data["end_reason"])
        except DomainError as exc:
            _domain_error(form, exc)
        else:
            messages.success(request, _("The contract has ended; the household is no "
                                        "longer marked as paired."))
            return HttpResponseRedirect(reverse("pairings:contract", args=[contract.pk]))
    return TemplateResponse(request, "workflows/pairings/end.html", {
        **_base_context(request), "contract": contract, "form": form,
    })


@require_http_methods(["GET", "HEAD"])
@staff_only
def contract_document(request, pk: int):
    """The scanned contract of a contract the user may read (404 otherwise); recorded as
    an access to personal data."""
    contract = selectors.contract_detail(user=request.user, contract_id=pk)
    return serve_document(request, contract)


def serve_document(request, contract: PairingContract):
    if not contract.document:
        raise Http404(_("This contract has no scanned copy."))
    name = contract.document_name or PurePosixPath(contract.document.name).name
    content_type = INLINE_TYPES.get(PurePosixPath(contract.document.name).suffix.lower())
    try:
        handle = contract.document.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404(_("This contract has no scanned copy.")) from exc
    if request.method != "HEAD":
        record_access(request.user, AccessRecord.Kind.DOCUMENT,
                      object_ref=f"pairing_contract:{contract.pk}",
                      purpose=site_language(DOCUMENT_PURPOSE, contract=contract.pk),
                      path=request.path)
    response = FileResponse(handle, as_attachment=content_type is None, filename=name,
                            content_type=content_type or DOWNLOAD_TYPE)
    response["X-Content-Type-Options"] = "nosniff"
    add_never_cache_headers(response)
    return response



# --- households and new contracts ---------------------------------------------------------

@require_http_methods(["GET", "HEAD"])
@staff_only
def household_list(request):
    """The hardship and special families of the user's area, by number, whether they are
    paired, and (for keepers) a link to record a contract."""
    user = request.user
    area = _area_filter(request)
    unpaired = request.GET.get("unpaired") == "1"
    rows = selectors.households_to_pair(user, area=area, unpaired_only=unpaired)
    after = request.GET.get("after", "")[:30]
    if after:
        rows = rows.filter(number__gt=after)
    page = list(rows[:PAGE_SIZE + 1])
    has_next, page = len(page) > PAGE_SIZE, page[:PAGE_SIZE]
    listed = [{"household": h, "may_keep": services.may_keep_pairings(user, h.area_id)}
              for h in page]
    return TemplateResponse(request, "workflows/pairings/households.html", {
        **_base_context(request), "rows": listed, "area": area, "areas": _areas(user),
        "unpaired": unpaired, **_pager(request, page[-1].number if has_next else None),
    })


def _granted_cases(household):
    return (Case.objects.filter(household_id=household.pk, status=CaseStatus.APPROVED,
                                program__code=services.PROGRAM).order_by("-id"))


@require_http_methods(["GET", "POST"])
@staff_only
def contract_new(request, pk: int):
    """Record the contract a hardship household signed with a partner."""
    user = request.user
    household = selectors.household_for(user, pk)
    if not services.may_keep_pairings(user, household.area_id):
        raise PermissionDenied
    form = ContractForm(request.POST or None, request.FILES or None,
                        partners=selectors.partners_serving(household.area_id),
                        cases=_granted_cases(household))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            contract = services.sign_contract(actor=user, household=household,
                                              data=services.ContractInput(
                                                  partner=data["partner"],
                                                  signed_on=data["signed_on"],
                                                  starts_on=data["starts_on"],
                                                  ends_on=data["ends_on"],
                                                  terms=data["terms"], case=data["case"],
                                                  document=data["document"]))
        except DomainError as exc:
            _domain_error(form, exc)
        else:
            messages.success(request, _("Contract #%(number)s recorded.") % {
                "number": contract.pk})
            return HttpResponseRedirect(reverse("pairings:contract", args=[contract.pk]))
    running = selectors.contracts_for(user, household_id=household.pk).exclude(
        state=PairingContract.State.ENDED)
    return TemplateResponse(request, "workflows/pairings/contract_form.html", {
        **_base_context(request), "household": household, "form": form,
        "open_contracts": list(running),
    })


# --- partners ---------------------------------------------------------------------------------

@require_http_methods(["GET", "HEAD"])
@staff_only
def partner_list(request):
    user = request.user
    rows = selectors.partners_for(user)
    if request.GET.get("active") in ("0", "1"):
        rows = rows.filter(active=request.GET["active"] == "1")
    after = _int(request.GET.get("after", ""))
    if after is not None:
        rows = rows.filter(pk__lt=after)
    page = list(rows[:PAGE_SIZE + 1])
    has_next, page = len(page) > PAGE_SIZE, page[:PAGE_SIZE]
    listed = [{"partner": p, "may_keep": services.may_keep_pairings(user, p.area_id)}
              for p in page]
    return TemplateResponse(request, "workflows/pairings/partners.html", {
        **_base_context(request), "rows": listed, "active": request.GET.get("active", ""),
        **_pager(request, page[-1].pk if has_next else None),
    })


@require_http_methods(["GET", "POST"])
@staff_only
def partner_add(request):
    user = request.user
    areas = _kept_areas(user)
    if not areas:
        raise PermissionDenied
    form = PartnerForm(request.POST or None, areas=areas)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = None
        if data["member_number"]:
            membership = (Membership.objects.filter(number=data["member_number"])
                          .select_related("person__household").first())
            if membership is None or not access.in_scope(
                    user, membership.person.household.area_id, None):
                form.add_error("member_number", _("No member with this number in your "
                                                  "area."))
            else:
                person = membership.person
        if not form.errors:
            try:
                partner = services.add_partner(
                    actor=user, kind=data["kind"], name=data["name"], trade=data["trade"],
                    area=Area.objects.get(code=data["area"]), person=person)
            except DomainError as exc:
                if exc.field == "person":
                    form.add_error("member_number", exc.message)
                else:
                    _domain_error(form, exc)
            else:
                messages.success(request, _("Partner %(name)s added.") % {
                    "name": partner.name})
                return HttpResponseRedirect(reverse("pairings:partners"))
    return TemplateResponse(request, "workflows/pairings/partner_form.html", {
        **_base_context(request), "form": form,
    })


@require_POST
@staff_only
def partner_active(request, pk: int):
    """Stop offering a partner for new contracts, or offer them again."""
    user = request.user
    partner = selectors.partner_detail(user=user, partner_id=pk)
    if not services.may_keep_pairings(user, partner.area_id):
        raise PermissionDenied
    active = request.POST.get("active") == "1"
    services.set_partner_active(actor=user, partner=partner, active=active)
    messages.success(request, (_("%(name)s takes new contracts again.") if active else
                               _("%(name)s takes no new contracts.")) % {"name": partner.name})
    return HttpResponseRedirect(reverse("pairings:partners"))

