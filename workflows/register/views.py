"""The member roster (会员花名册) in the staff UI (/workflow/register/): the village
secretary's pages for households, association membership and yearly dues, the
membership drive (many people of a village enrolled at once), applying on a family's
behalf, and the roster in and out of Excel. (The URL keeps its old name, "register";
户籍 is the police's household registration, not the association's roster.)

Who: every staff role reads the households of its area (``casework.access.area_q``: a
village reviewer their village, township and district staff theirs, auditors the
district, read-only); the village's own staff (village reviewer) and the program
administrators of the area change it (``casework.register.dues.may_keep_register``). A household
outside the user's area is a 404; a page that writes, opened by a reader, a 403.
Families never get here (the staff site's guard sends them to /family/).

The views translate HTTP into the services (``casework.register.dues``, ``casework.register.excel``,
``workflows.applications.services.submit_application``) and back. The dues campaigns' pages, also in
the roster, are ``workflows.duescampaigns.views``. Lists read a constant number of
statements per page: keyset pages (``?after=``), members, memberships and payments
prefetched for the page's rows.
"""

from __future__ import annotations

import csv
import io
import json
import os
import secrets
import time
from dataclasses import dataclass
from functools import wraps
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from casework import access
from casework.contacts import selectors as contact_selectors
from casework.errors import DomainError
from casework.models import AccessRecord, Area, DuesPayment, Household, Membership, Person
from casework.personal.identity import mask_resident_id
from casework.personal.phones import mask_phone
from casework.privacy.access_log import record_access
from casework.register import dues
from casework.register import excel as register_io

from ..applications import services
from ..frontend_access import staff_only
from ..staff_pages import base_context, domain_error, pager
from .forms import (
    AddMembershipForm,
    ArrearsFilterForm,
    DriveForm,
    DriveVillageForm,
    DuesPaymentForm,
    EndMembershipForm,
    ExportForm,
    ImportForm,
    OnBehalfForm,
)

PAGE_SIZE = 50
ERRORS_SHOWN = 500  # on the dry-run page; the downloadable list has them all
UPLOAD_TTL = 6 * 3600  # a clean dry run's file is kept this long for its confirmation
SESSION_KEY = "register_imports"


# --- access ---------------------------------------------------------------------------------



def keepers_only(view):
    """The register's keepers of the user's area (village staff, administrators)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not register_io.may_import(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def scoped_household(user, pk: int) -> Household:
    """The household if ``user`` may see it, else 404 (whether it exists or not)."""
    household = (Household.objects.filter(access.area_q(user, household_field=""))
                 .select_related("area").filter(pk=pk).first())
    if household is None:
        raise Http404(_("No such household among those you may see."))
    return household


def _kept_household(user, pk: int) -> Household:
    """The household if ``user`` may see it (else 404) and keep its register (else 403)."""
    household = scoped_household(user, pk)
    if not dues.may_keep_register(user, household.area_id):
        raise PermissionDenied
    return household


def _areas(user) -> list[tuple[str, str]]:
    """The townships and villages of the user's area, for the filters."""
    rows = (Area.objects.filter(code__startswith=user.area_id or "-")
            .exclude(level=Area.Level.DISTRICT).order_by("code")
            .values_list("code", "name", "level"))
    indent = {Area.Level.VILLAGE: "\u2003"}
    return [(code, f"{indent.get(level, '')}{name} ({code})") for code, name, level in rows]


# --- households ---------------------------------------------------------------------------

MEMBERS_WITH_DUES = (Prefetch("members", queryset=Person.objects.select_related("membership")
                              .order_by("id")),
                     Prefetch("members__membership__dues_payments",
                              queryset=DuesPayment.objects.order_by("year")))


@dataclass
class MemberRow:
    person: Person
    membership: Membership | None
    payments: list[DuesPayment]
    owed: dues.Arrears | None

    @property
    def masked_id(self) -> str:
        return mask_resident_id(self.person.id_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.person.phone)

    @property
    def active(self) -> bool:
        return self.membership is not None and self.membership.left is None


def member_rows(household: Household, up_to: int) -> list[MemberRow]:
    """The household's members (prefetched with ``MEMBERS_WITH_DUES``) with their dues."""
    rows = []
    for person in household.members.all():
        membership = getattr(person, "membership", None)
        payments = list(membership.dues_payments.all()) if membership else []
        owed = (dues.arrears(membership, [p.year for p in payments], up_to)
                if membership else None)
        rows.append(MemberRow(person, membership, payments, owed))
    return rows


def households_in(user, *, query: str = "", area: str = ""):
    rows = Household.objects.filter(access.area_q(user, household_field=""))
    if area:
        rows = rows.filter(area__code__startswith=area)
    query = query.strip()
    if query:
        rows = rows.filter(Q(number__startswith=query) | Exists(
            Person.objects.filter(household_id=OuterRef("pk"), name__contains=query)))
    return rows.order_by("number")


@require_http_methods(["GET", "HEAD"])
@staff_only
def household_list(request):
    user = request.user
    query = request.GET.get("q", "")[:60]
    area = request.GET.get("area", "")
    if area and not area.startswith(user.area_id):
        area = ""
    after = request.GET.get("after", "")
    rows = households_in(user, query=query, area=area).select_related("area")
    if after:
        rows = rows.filter(number__gt=after)
    page = list(rows.prefetch_related(*MEMBERS_WITH_DUES)[:PAGE_SIZE + 1])
    has_next, page = len(page) > PAGE_SIZE, page[:PAGE_SIZE]
    year = timezone.localdate().year
    listed = []
    for household in page:
        members = member_rows(household, year)
        head = next((m.person for m in members
                     if m.person.relationship == Person.Relationship.HEAD),
                    members[0].person if members else None)
        listed.append({"household": household, "head": head, "size": len(members),
                       "members": sum(1 for m in members if m.active),
                       "in_arrears": sum(1 for m in members if m.owed)})
    return TemplateResponse(request, "workflows/register/households.html", {
        **base_context(request),
        "rows": listed, "query": query, "area": area, "areas": _areas(user), "year": year,
        **pager(request, page[-1].number if has_next else None),
        "export_form": ExportForm(areas=_areas(user)),
    })


@require_http_methods(["GET", "HEAD"])
@staff_only
def household_detail(request, pk: int):
    user = request.user
    household = scoped_household(user, pk)
    household = Household.objects.prefetch_related(*MEMBERS_WITH_DUES).get(pk=household.pk)
    year = timezone.localdate().year
    rows = member_rows(household, year)
    return TemplateResponse(request, "workflows/register/household.html", {
        **base_context(request),
        "household": household, "rows": rows, "year": year,
        "may_write": dues.may_keep_register(user, household.area_id),
        "dues_amount": dues.amount_for(year),
    })


# --- dues -------------------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
@staff_only
def dues_record(request, pk: int):
    user = request.user
    household = _kept_household(user, pk)
    form = DuesPaymentForm(request.POST or None, household=household)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            payment = dues.record_payment(
                actor=user, membership=data["person"].membership, year=data["year"],
                amount_yuan=data["amount_yuan"], paid_on=data["paid_on"],
                receipt_number=data["receipt_number"])
        except DomainError as exc:
            domain_error(form, exc)
        else:
            messages.success(request, _("Dues for %(year)s recorded: receipt %(receipt)s.") % {
                "year": payment.year, "receipt": payment.receipt_number})
            return HttpResponseRedirect(reverse("register:household", args=[household.pk]))
    return TemplateResponse(request, "workflows/register/dues_form.html", {
        **base_context(request), "household": household, "form": form,
    })


@require_http_methods(["GET", "HEAD"])
@staff_only
def arrears_list(request):
    """Members of the area who owe dues for any year up to the chosen one."""
    user = request.user
    areas = _areas(user)
    form = ArrearsFilterForm(request.GET or None, areas=areas)
    year = timezone.localdate().year
    area = ""
    if form.is_bound and form.is_valid():
        year = form.cleaned_data["year"] or year
        area = form.cleaned_data["area"] or ""
    rows = Membership.objects.filter(
        access.area_q(user, area_field="person__household__area", household_field=None))
    if area:
        rows = rows.filter(person__household__area__code__startswith=area)
    rows = dues.with_arrears(rows, year).filter(arrears_years__gt=0)
    after = request.GET.get("after", "")
    if after.isdigit():
        rows = rows.filter(pk__gt=int(after))
    page = list(rows.select_related("person__household__area").order_by("pk")
                .prefetch_related(Prefetch("dues_payments",
                                           queryset=DuesPayment.objects.only(
                                               "membership_id", "year")))[:PAGE_SIZE + 1])
    has_next, page = len(page) > PAGE_SIZE, page[:PAGE_SIZE]
    listed = [{"membership": m, "person": m.person, "household": m.person.household,
               "owed": dues.arrears(m, dues.paid_years_of(m), year)} for m in page]
    return TemplateResponse(request, "workflows/register/arrears.html", {
        **base_context(request), "form": form, "rows": listed, "year": year,
        **pager(request, page[-1].pk if has_next else None),
    })


# --- membership ------------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
@staff_only
def membership(request, pk: int):
    """Enrol a person of the household in the association, or record that one leaves."""
    user = request.user
    household = _kept_household(user, pk)
    action = request.POST.get("action", "")
    add = AddMembershipForm(request.POST if action == "add" else None, household=household,
                            prefix="add")
    end = EndMembershipForm(request.POST if action == "leave" else None, household=household,
                            prefix="leave")
    form = {"add": add, "leave": end}.get(action)
    if request.method == "POST" and form is not None and form.is_valid():
        data = form.cleaned_data
        try:
            if action == "add":
                dues.add_membership(actor=user, person=data["person"], number=data["number"],
                                    joined=data["joined"], role=data["role"])
                messages.success(request, _("%(name)s is now a member.") % {
                    "name": data["person"].name})
            else:
                handed_back = contact_selectors.open_assignment_count(data["person"].pk)
                dues.end_membership(actor=user, membership=data["person"].membership,
                                    left=data["left"])
                messages.success(request, _("%(name)s has left the association.") % {
                    "name": data["person"].name})
                if handed_back:  # the leaver's contact households (ended with the membership)
                    messages.warning(request, ngettext(
                        "%(count)d household they looked after as a contact member needs a "
                        "new contact member.",
                        "%(count)d households they looked after as a contact member need a "
                        "new contact member.", handed_back) % {"count": handed_back})
        except DomainError as exc:
            domain_error(form, exc)
        else:
            return HttpResponseRedirect(reverse("register:household", args=[household.pk]))
    return TemplateResponse(request, "workflows/register/membership.html", {
        **base_context(request), "household": household, "add_form": add, "end_form": end,
    })


# --- applying on the family's behalf -----------------------------------------------------------

@require_http_methods(["GET", "POST"])
@staff_only
def apply_on_behalf(request, pk: int):
    """The village staff apply for a member of the household; the case records that it
    was filed on the family's behalf, with the family's consent to the notice."""
    user = request.user
    household = _kept_household(user, pk)
    form = OnBehalfForm(request.POST or None, household=household)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.submit_application(
                actor=user, household=household, program=data["program"],
                applicant=data["applicant"], statement=data["statement"],
                consent=data["consent"])
        except DomainError as exc:
            domain_error(form, exc)
        else:
            messages.success(request, _("Application #%(number)s filed on the family's "
                                        "behalf.") % {"number": case.pk})
            return HttpResponseRedirect(reverse("register:household", args=[household.pk]))
    return TemplateResponse(request, "workflows/register/apply.html", {
        **base_context(request), "household": household, "form": form,
        "consent_notice": services.CONSENT_NOTICE,
    })


# --- the membership drive ------------------------------------------------------------------------

def _villages_kept(user) -> list[tuple[str, str]]:
    """The villages of ``user``'s area whose roster they keep (for the drive's chooser)."""
    rows = (Area.objects.filter(code__startswith=user.area_id or "-", level=Area.Level.VILLAGE)
            .order_by("code").values_list("code", "name"))
    return [(code, f"{name} ({code})") for code, name in rows
            if dues.may_keep_register(user, code)]


@require_http_methods(["GET", "HEAD"])
@staff_only
@keepers_only
def drive_start(request):
    """The drive of the user's own village; a keeper of several villages chooses one."""
    user = request.user
    if access.level_of(user.area_id) == "village":
        return HttpResponseRedirect(reverse("register:drive_village", args=[user.area_id]))
    villages = _villages_kept(user)
    form = DriveVillageForm(request.GET or None, villages=villages)
    if form.is_bound and form.is_valid():
        return HttpResponseRedirect(reverse("register:drive_village",
                                            args=[form.cleaned_data["village"]]))
    return TemplateResponse(request, "workflows/register/drive_start.html", {
        **base_context(request), "form": form})


def _kept_village(user, code: str) -> Area:
    """The village if ``user`` may see it (else 404) and keep its roster (else 403)."""
    village = None
    if access.level_of(code) == "village" and access.in_scope(user, code, None):
        village = Area.objects.filter(code=code, level=Area.Level.VILLAGE).first()
    if village is None:
        raise Http404(_("No such village among those you may see."))
    if not dues.may_keep_register(user, code):
        raise PermissionDenied
    return village


def drive_candidates(village: Area, *, query: str = ""):
    """The village's people without an active membership (never joined, or left), by id."""
    rows = (Person.objects.filter(household__area_id=village.code)
            .filter(Q(membership__isnull=True) | Q(membership__left__isnull=False)))
    query = query.strip()
    if query:
        rows = rows.filter(Q(name__contains=query) | Q(household__number__startswith=query))
    return rows.select_related("household", "membership").order_by("pk")


@dataclass
class DriveRow:
    person: Person
    checked: bool
    number: str
    problem: str

    @property
    def masked_id(self) -> str:
        return mask_resident_id(self.person.id_number)

    @property
    def former(self) -> Membership | None:
        return getattr(self.person, "membership", None)


def _selected(request) -> list[int]:
    """The ticked people, in the order posted, each once."""
    seen: dict[int, None] = {}
    for value in request.POST.getlist("person"):
        if value.isdigit():
            seen.setdefault(int(value), None)
    return list(seen)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_only
def drive(request, village: str):
    """The membership drive (吸纳会员, seed line 196): the village's people who are not
    members, with check boxes; one submit enrols every ticked person in one
    transaction (``casework.register.dues.enrol_members``), or nobody, with each bad row's
    reason shown on its row."""
    user = request.user
    area = _kept_village(user, village)
    query = request.GET.get("q", "")[:60]
    after = request.GET.get("after", "")
    form = DriveForm(request.POST or None)
    selected = _selected(request) if request.method == "POST" else []
    typed = {pk: request.POST.get(f"number-{pk}", "").strip()[:60] for pk in selected}
    problems: dict[int, str] = {}
    if request.method == "POST":
        if not selected:
            form.add_error(None, _("Select at least one person."))
        if form.is_valid() and selected:
            data = form.cleaned_data
            entries = [dues.Enrolment(person_id=pk, number=typed[pk]) for pk in selected]
            try:
                done = dues.enrol_members(
                    actor=user, village_code=area.code, entries=entries, joined=data["joined"],
                    role=data["role"], generate_numbers=data["scheme"] == DriveForm.GENERATE)
            except dues.EnrolmentRefused as exc:
                labels = {"number": _("member number"), "joined": _("joined"),
                          "role": _("role")}
                for problem in exc.problems:
                    text = (f"{labels[problem.field]}: {problem.message}"
                            if problem.field in labels else problem.message)
                    problems[problem.person_id] = (
                        f"{problems[problem.person_id]} {text}"
                        if problem.person_id in problems else text)
                form.add_error(None, exc.message)
            except DomainError as exc:
                domain_error(form, exc)
            else:
                numbers = [m.number for m in done]
                shown = ", ".join(numbers if len(numbers) <= 10
                                  else [*numbers[:3], "…", numbers[-1]])
                messages.success(request, ngettext(
                    "%(n)s person enrolled as a member of %(village)s (member number "
                    "%(numbers)s).",
                    "%(n)s people enrolled as members of %(village)s (member numbers "
                    "%(numbers)s).", len(done)) % {
                    "n": len(done), "village": area.name, "numbers": shown})
                return HttpResponseRedirect(request.get_full_path())
    rows = drive_candidates(area, query=query)
    if after.isdigit():
        rows = rows.filter(pk__gt=int(after))
    page = list(rows[:PAGE_SIZE + 1])
    has_next, page = len(page) > PAGE_SIZE, page[:PAGE_SIZE]
    chosen = set(selected)
    listed = [DriveRow(p, p.pk in chosen, typed.get(p.pk, ""), problems.pop(p.pk, ""))
              for p in page]
    # the refused people not on this page (members already, or of no such record): by
    # name when they are of this village, else by the number posted
    names = dict(Person.objects.filter(pk__in=list(problems), household__area_id=area.code)
                 .values_list("pk", "name")) if problems else {}
    return TemplateResponse(request, "workflows/register/drive.html", {
        **base_context(request), "village": area, "form": form, "rows": listed,
        "query": query,
        "unlisted_problems": [f"{names.get(pk, f'#{pk}')}: {text}"
                              for pk, text in problems.items()],
        **pager(request, page[-1].pk if has_next else None),
    })


# --- import ------------------------------------------------------------------------------------

def _upload_dir() -> Path:
    path = Path(settings.VAR_DIR) / "register-imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _sweep_uploads(folder: Path) -> None:
    """Dry runs never confirmed are forgotten after ``UPLOAD_TTL``."""
    cutoff = time.time() - UPLOAD_TTL
    for item in folder.iterdir():
        try:
            if item.stat().st_mtime < cutoff:
                item.unlink()
        except OSError:
            pass


def _stored(request, token: str) -> tuple[Path, dict] | None:
    """The dry run ``token`` of this session and user, or None."""
    if not token or token not in request.session.get(SESSION_KEY, []):
        return None
    folder = _upload_dir()
    meta_path, file_path = folder / f"{token}.json", folder / f"{token}.xlsx"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if meta.get("user") != request.user.pk:
        return None
    return file_path, meta


def _error_rows(plan) -> list[list]:
    return [list(e.as_tuple()) for e in plan.errors]


@require_http_methods(["GET", "POST"])
@staff_only
@keepers_only
def import_upload(request):
    """Upload a workbook: the dry run lists every problem; nothing is imported."""
    form = ImportForm(request.POST or None, request.FILES or None)
    context = {**base_context(request), "form": form}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            plan = register_io.check_workbook(request.user, upload.file, size=upload.size)
        except register_io.WorkbookRefused as exc:
            form.add_error("file", str(exc))
            return TemplateResponse(request, "workflows/register/import.html", context)
        folder = _upload_dir()
        _sweep_uploads(folder)
        token = secrets.token_urlsafe(16)
        if plan.clean:  # kept (owner-only) for the confirmation; a file with problems is not
            upload.file.seek(0)
            target = folder / f"{token}.xlsx"
            with open(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
        (folder / f"{token}.json").write_text(json.dumps({
            "user": request.user.pk, "name": upload.name[:200],
            "errors": _error_rows(plan), "counts": dict(plan.counts)},
            ensure_ascii=False), encoding="utf-8")
        request.session[SESSION_KEY] = [*request.session.get(SESSION_KEY, [])[-9:], token]
        context.update({"plan": plan, "token": token, "file_name": upload.name,
                        "errors": plan.errors[:ERRORS_SHOWN],
                        "more_errors": max(0, len(plan.errors) - ERRORS_SHOWN)})
    return TemplateResponse(request, "workflows/register/import.html", context)


@require_http_methods(["POST"])
@staff_only
@keepers_only
def import_confirm(request):
    """Import the checked file: everything in one transaction, or nothing."""
    stored = _stored(request, request.POST.get("token", ""))
    if stored is None:
        messages.error(request, _("That dry run is no longer available: upload the file "
                                  "again."))
        return HttpResponseRedirect(reverse("register:import"))
    path, meta = stored
    if not path.exists():  # the dry run found problems: there is nothing to confirm
        messages.error(request, _("That dry run is no longer available: upload the file "
                                  "again."))
        return HttpResponseRedirect(reverse("register:import"))
    with open(path, "rb") as handle:
        try:
            plan = register_io.import_workbook(request.user, handle)
        except register_io.WorkbookRefused as exc:
            messages.error(request, str(exc))
            return HttpResponseRedirect(reverse("register:import"))
    if not plan.clean:  # the register changed since the dry run
        meta["errors"] = _error_rows(plan)
        (path.with_suffix(".json")).write_text(json.dumps(meta, ensure_ascii=False),
                                               encoding="utf-8")
        return TemplateResponse(request, "workflows/register/import.html", {
            **base_context(request), "form": ImportForm(), "plan": plan,
            "token": request.POST.get("token"), "file_name": meta.get("name", ""),
            "errors": plan.errors[:ERRORS_SHOWN],
            "more_errors": max(0, len(plan.errors) - ERRORS_SHOWN)})
    path.unlink(missing_ok=True)
    path.with_suffix(".json").unlink(missing_ok=True)
    c = plan.counts
    messages.success(request, _(
        "Imported: %(hc)s households added, %(hu)s updated; %(mc)s people added, %(mu)s "
        "updated; %(ec)s enrolled as members; %(pc)s dues payments recorded.") % {
        "hc": c["households_created"], "hu": c["households_updated"],
        "mc": c["members_created"], "mu": c["members_updated"], "ec": c["enrolled"],
        "pc": c["payments_created"]})
    return HttpResponseRedirect(reverse("register:index"))


@require_http_methods(["GET", "HEAD"])
@staff_only
@keepers_only
def import_errors(request):
    """A dry run's problems as CSV (sheet, row, column, reason)."""
    stored = _stored(request, request.GET.get("token", ""))
    if stored is None:
        return HttpResponseRedirect(reverse("register:import"))
    _path, meta = stored
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([_("Sheet"), _("Row"), _("Column"), _("Problem")])
    writer.writerows([register_io.safe_cell(v) for v in row] for row in meta.get("errors", []))
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="roster-import-problems.csv"'
    add_never_cache_headers(response)
    return response


@require_http_methods(["GET", "HEAD"])
@staff_only
@keepers_only
def import_template(request):
    response = FileResponse(register_io.write_template(), as_attachment=True,
                            filename="roster-template.xlsx",
                            content_type=register_io.XLSX_TYPE)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- export ------------------------------------------------------------------------------------

@require_http_methods(["GET", "HEAD"])
@staff_only
def export(request):
    """The roster of the user's area (or one of its townships or villages) as xlsx.
    Identity and phone numbers are masked unless the user states a purpose and the role
    may see them (``access.sees_full_id``); every export is recorded with its purpose."""
    user = request.user
    form = ExportForm(request.GET or None, areas=_areas(user))
    if not form.is_valid():
        return TemplateResponse(request, "workflows/register/export.html", {
            **base_context(request), "form": form})
    area = form.cleaned_data["area"] or user.area_id
    purpose = form.cleaned_data["purpose"]
    full = bool(purpose) and access.sees_full_id(user)
    record_access(user, AccessRecord.Kind.EXPORT,
                  purpose=purpose or _("member roster export (numbers masked)"),
                  object_ref=f"register xlsx {area} {'full' if full else 'masked'}",
                  path=request.get_full_path())
    handle = register_io.write_export(user, area_code=area, full=full)
    name = f"roster-{area}-{timezone.localtime():%Y%m%d-%H%M%S}.xlsx"
    response = FileResponse(handle, as_attachment=True, filename=name,
                            content_type=register_io.XLSX_TYPE)
    response["X-Content-Type-Options"] = "nosniff"
    add_never_cache_headers(response)
    return response
