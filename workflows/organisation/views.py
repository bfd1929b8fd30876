"""The association's organisation in the staff site (/workflow/organisation/): units and
their office holders, volunteers and 宣传员 (from the roster's roles), training sessions
and their attendance, activity days, and the model-association assessments.

Who: every staff role reads its area's records (``casework.organisation.selectors``);
the keepers the services name change them (``casework.organisation.services``). A record
outside the user's area is a 404; a page that writes, opened by someone who may read but
not keep, a 403. Lists are keyset pages (``?after=``), never a COUNT, with a constant
number of statements whatever the rows.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from casework import access
from casework.errors import DomainError
from casework.history.record_events import history, subject_of
from casework.models import Area, Membership, Person, RecordEvent
from casework.organisation import selectors, services
from casework.organisation.models import (
    Assessment,
    OfficeHolder,
    OrgUnit,
    TrainingAttendance,
)
from casework.organisation.selectors import live_q

from ..frontend_access import staff_only
from .forms import (
    ActivityForm,
    AssessForm,
    AttendanceForm,
    EndHolderForm,
    EndUnitForm,
    HolderForm,
    TrainingForm,
    UnitEditForm,
    UnitForm,
)

PAGE_SIZE = 50
TEMPLATES = "workflows/organisation"


# --- access and helpers ---------------------------------------------------------------------



def _page(request, template: str, context: dict) -> TemplateResponse:
    return TemplateResponse(request, f"{TEMPLATES}/{template}", context)


def _domain_error(form, exc: DomainError) -> None:
    field = exc.field if exc.field in form.fields else None
    if field is None and exc.field == "person" and "member_number" in form.fields:
        field = "member_number"
    form.add_error(field, exc.message)


def _label(code: str, name: str) -> str:
    indent = "\u2003" * {9: 1, 12: 2}.get(len(code), 0)
    return f"{indent}{name} ({code})"


def _subtree(user) -> list[tuple[str, str]]:
    """The user's own area and the areas under it, as (code, name), one statement."""
    return list(Area.objects.filter(code__startswith=user.area_id or "-").order_by("code")
                .values_list("code", "name"))


def _filter_areas(user) -> list[tuple[str, str]]:
    """Townships and villages under the user's area, for the list filters."""
    return [(code, _label(code, name)) for code, name in _subtree(user) if len(code) > 6]


def _kept_areas(user, rule) -> list[tuple[str, str]]:
    return [(code, _label(code, name)) for code, name in _subtree(user) if rule(code)]


def _may_keep_any_unit(user, code: str) -> bool:
    kinds = {6: (OrgUnit.Kind.DISTRICT,),
             9: (OrgUnit.Kind.TOWNSHIP, OrgUnit.Kind.ENTERPRISE, OrgUnit.Kind.MIGRANT),
             12: (OrgUnit.Kind.VILLAGE, OrgUnit.Kind.ENTERPRISE, OrgUnit.Kind.MIGRANT)}
    return any(services.may_keep_unit(user, kind, code) for kind in kinds.get(len(code), ()))


def _area_in_scope(user, code: str) -> str:
    """``code`` if it lies in the user's area (a filter), else ""."""
    return code if code and code.startswith(user.area_id or "-") else ""


def _pager(request, next_after) -> dict[str, str]:
    """The keyset pager's links, keeping the other filters."""
    keep = request.GET.copy()
    keep.pop("after", None)
    first = ""
    if request.GET.get("after"):
        first_query = request.GET.copy()
        first_query.pop("after", None)
        first = f"?{first_query.urlencode()}"
    if next_after is not None:
        keep["after"] = next_after
    return {"next_url": f"?{keep.urlencode()}" if next_after is not None else "",
            "first_url": first}


def _keyset_page(rows, request, *, key: str = "pk", descending: bool = False):
    """One page of ``rows`` after ``?after=`` on an integer key; (page, next cursor)."""
    after = request.GET.get("after", "")
    if after.isdigit():
        rows = rows.filter(**{f"{key}__{'lt' if descending else 'gt'}": int(after)})
    page = list(rows[:PAGE_SIZE + 1])
    has_next, page = len(page) > PAGE_SIZE, page[:PAGE_SIZE]
    return page, (getattr(page[-1], key) if has_next else None)


def _area_keyset_page(rows, request):
    """One page of ``rows`` ordered by (area, id), after ``?after=<area>:<id>``."""
    after = request.GET.get("after", "")
    area, _sep, pk = after.partition(":")
    if area.isdigit() and pk.isdigit():
        rows = rows.filter(Q(area_id__gt=area) | Q(area_id=area, pk__gt=int(pk)))
    page = list(rows[:PAGE_SIZE + 1])
    has_next, page = len(page) > PAGE_SIZE, page[:PAGE_SIZE]
    return page, (f"{page[-1].area_id}:{page[-1].pk}" if has_next else None)


ACTION_LABELS = {
    "org_unit_created": gettext_lazy("unit founded"),
    "org_unit_changed": gettext_lazy("unit changed"),
    "org_unit_ended": gettext_lazy("unit dissolved"),
    "office_holder_appointed": gettext_lazy("office holder appointed"),
    "office_holder_ended": gettext_lazy("term of office ended"),
    "training_session_created": gettext_lazy("training session added"),
    "training_session_changed": gettext_lazy("training session changed"),
    "training_attendance_recorded": gettext_lazy("attendance recorded"),
}


def _events(rows) -> list[dict]:
    return [{"event": e, "label": ACTION_LABELS.get(e.action, e.action)} for e in rows]


def _history(obj):
    return _events(history(subject_of(obj), obj.pk)[:100])


def _unit_history(unit: OrgUnit, holders: list[OfficeHolder]):
    """The unit's events and its office holders', oldest first."""
    rows = (RecordEvent.objects.filter(
        Q(subject=subject_of(unit), subject_id=str(unit.pk))
        | Q(subject=subject_of(OfficeHolder()), subject_id__in=[str(h.pk) for h in holders]))
        .select_related("actor").order_by("id")[:100])
    return _events(rows)


# --- units --------------------------------------------------------------------------------------

@require_http_methods(["GET", "HEAD"])
@staff_only
def unit_list(request):
    """The units of the user's area by area code, so a township's villages and groups
    follow it (the tree, flattened); live ones unless asked for all."""
    user, today = request.user, timezone.localdate()
    area = _area_in_scope(user, request.GET.get("area", ""))
    kind = request.GET.get("kind", "")
    show_all = request.GET.get("all") == "1"
    rows = selectors.units_for(user)
    if area:
        rows = rows.filter(area__code__startswith=area)
    if kind in OrgUnit.Kind.values:
        rows = rows.filter(kind=kind)
    if not show_all:
        rows = rows.filter(dissolved_on__isnull=True)
    rows = rows.prefetch_related(Prefetch(
        "office_holders", to_attr="current_holders",
        queryset=OfficeHolder.objects.filter(live_q(today, start="since", end="until"))
        .exclude(office=OfficeHolder.Office.COUNCIL_MEMBER).order_by("office", "id")))
    page, after = _area_keyset_page(rows, request)
    listed = [{"unit": u, "depth": {6: 0, 9: 1, 12: 2}.get(len(u.area_id), 0)
               + (0 if u.is_level else 1)} for u in page]
    return _page(request, "units.html", {
        "rows": listed, "areas": _filter_areas(user), "area": area, "kind": kind,
        "kinds": OrgUnit.Kind.choices, "show_all": show_all,
        "may_add": access.can_write(user),
        **_pager(request, after)})


@require_http_methods(["GET", "HEAD"])
@staff_only
def unit_detail(request, pk: int):
    user = request.user
    unit = selectors.unit_detail(user=user, unit_id=pk)
    holders = list(selectors.holders_of(unit))
    today = timezone.localdate()
    return _page(request, "unit.html", {
        "unit": unit, "today": today,
        "current": [h for h in holders if h.holds_on(today) or h.since > today],
        "past": [h for h in holders if h.until is not None and h.until <= today],
        "children": list(selectors.unit_children(unit)[:300]),
        "may_keep": services.may_keep_unit(user, unit.kind, unit.area_id),
        "events": _unit_history(unit, holders)})


def _kept_unit(user, pk: int) -> OrgUnit:
    unit = selectors.unit_detail(user=user, unit_id=pk)
    if not services.may_keep_unit(user, unit.kind, unit.area_id):
        raise PermissionDenied
    return unit


@require_http_methods(["GET", "POST"])
@staff_only
def unit_create(request):
    user = request.user
    areas = _kept_areas(user, lambda code: _may_keep_any_unit(user, code))
    if not areas:
        raise PermissionDenied
    form = UnitForm(request.POST or None, areas=areas,
                    initial={"founded_on": timezone.localdate(), "member_count": 0})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        area = Area.objects.get(code=data["area"])
        try:
            unit = services.create_unit(
                actor=user, kind=data["kind"], area=area, name=data["name"],
                founded_on=data["founded_on"], enterprise_name=data["enterprise_name"],
                basis=data["basis"], leader_name=data["leader_name"],
                member_count=data["member_count"] or 0, note=data["note"])
        except DomainError as exc:
            _domain_error(form, exc)
        else:
            messages.success(request, _("Unit “%(name)s” added.") % {"name": unit.name})
            return HttpResponseRedirect(reverse("organisation:unit", args=[unit.pk]))
    return _page(request, "unit_form.html", {"form": form, "unit": None})


@require_http_methods(["GET", "POST"])
@staff_only
def unit_edit(request, pk: int):
    user = request.user
    unit = _kept_unit(user, pk)
    form = UnitEditForm(request.POST or None, unit=unit)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_unit(
                actor=user, unit=unit, name=data["name"], founded_on=data["founded_on"],
                enterprise_name=data.get("enterprise_name", ""), basis=data.get("basis", ""),
                leader_name=data["leader_name"], member_count=data.get("member_count") or 0,
                note=data["note"])
        except DomainError as exc:
            _domain_error(form, exc)
        else:
            messages.success(request, _("Unit saved."))
            return HttpResponseRedirect(reverse("organisation:unit", args=[unit.pk]))
    return _page(request, "unit_form.html", {"form": form, "unit": unit})


@require_http_methods(["GET", "POST"])
@staff_only
def unit_end(request, pk: int):
    user = request.user
    unit = _kept_unit(user, pk)
    form = EndUnitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.end_unit(actor=user, unit=unit,
                              dissolved_on=form.cleaned_data["dissolved_on"])
        except DomainError as exc:
            _domain_error(form, exc)
        else:
            messages.success(request, _("Unit dissolved."))
            return HttpResponseRedirect(reverse("organisation:unit", args=[unit.pk]))
    return _page(request, "end_form.html", {
        "form": form, "title": _("Dissolve %(name)s") % {"name": unit.name},
        "back": reverse("organisation:unit", args=[unit.pk])})


# --- office holders ---------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
@staff_only
def holder_create(request, pk: int):
    user = request.user
    unit = _kept_unit(user, pk)
    form = HolderForm(request.POST or None, unit=unit,
                      initial={"since": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            holder = services.appoint_office_holder(
                actor=user, unit=unit, office=data["office"], since=data["since"],
                until=data["until"], name=data["name"], sex=data["sex"],
                person=form.person, note=data["note"])
        except DomainError as exc:
            _domain_error(form, exc)
        else:
            messages.success(request, _("%(name)s appointed.") % {"name": holder.name})
            return HttpResponseRedirect(reverse("organisation:unit", args=[unit.pk]))
    return _page(request, "holder_form.html", {"form": form, "unit": unit})


@require_http_methods(["GET", "POST"])
@staff_only
def holder_end(request, pk: int):
    user = request.user
    holder = selectors.holder_detail(user=user, holder_id=pk)
    if not services.may_keep_unit(user, holder.unit.kind, holder.unit.area_id):
        raise PermissionDenied
    form = EndHolderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.end_office(actor=user, holder=holder, until=form.cleaned_data["until"])
        except DomainError as exc:
            _domain_error(form, exc)
        else:
            messages.success(request, _("Term of office ended."))
            return HttpResponseRedirect(reverse("organisation:unit", args=[holder.unit_id]))
    return _page(request, "end_form.html", {
        "form": form, "title": _("End the term of %(name)s (%(office)s)") % {
            "name": holder.name, "office": holder.get_office_display()},
        "back": reverse("organisation:unit", args=[holder.unit_id])})


@require_http_methods(["GET", "HEAD"])
@staff_only
def holder_list(request):
    """Office holders of the user's area (in office today unless asked for all), with the
    full-time vice-presidents in office counted by level and sex."""
    user, today = request.user, timezone.localdate()
    area = _area_in_scope(user, request.GET.get("area", ""))
    office = request.GET.get("office", "")
    show_all = request.GET.get("all") == "1"
    rows = selectors.office_holders_for(user)
    if area:
        rows = rows.filter(area__code__startswith=area)
    if office in OfficeHolder.Office.values:
        rows = rows.filter(office=office)
    if not show_all:
        rows = rows.filter(live_q(today, start="since", end="until"))
    page, after = _area_keyset_page(rows, request)
    counts = selectors.fulltime_vice_presidents_by_sex(user, on=today, area_code=area)
    kinds = [(kind, label) for kind, label in OrgUnit.Kind.choices
             if any(k == kind for k, _sex in counts)]
    by_sex = [{"kind": label, "male": counts.get((kind, "M"), 0),
               "female": counts.get((kind, "F"), 0)} for kind, label in kinds]
    return _page(request, "holders.html", {
        "rows": page, "areas": _filter_areas(user), "area": area, "office": office,
        "offices": OfficeHolder.Office.choices, "show_all": show_all, "today": today,
        "by_sex": by_sex, "total_male": sum(r["male"] for r in by_sex),
        "total_female": sum(r["female"] for r in by_sex), **_pager(request, after)})


# --- volunteers and 宣传员 ------------------------------------------------------------------------

ROLE_FILTERS = {"volunteer": (Membership.Role.VOLUNTEER,),
                "outreach": (Membership.Role.OUTREACH,),
                "council": (Membership.Role.COUNCIL,)}


@require_http_methods(["GET", "HEAD"])
@staff_only
def volunteer_list(request):
    """Volunteers, 宣传员 and council members of the roster, active today (their role is
    kept on the membership: the register's membership page changes it)."""
    user = request.user
    role = request.GET.get("role", "")
    area = _area_in_scope(user, request.GET.get("area", ""))
    rows = selectors.role_holders_for(user, roles=ROLE_FILTERS.get(role, selectors.ROSTER_ROLES),
                                      on=timezone.localdate())
    if area:
        rows = rows.filter(person__household__area__code__startswith=area)
    page, after = _keyset_page(rows, request)
    return _page(request, "volunteers.html", {
        "rows": page, "role": role, "areas": _filter_areas(user), "area": area,
        "roles": [(key, Membership.Role(value[0]).label) for key, value in ROLE_FILTERS.items()],
        **_pager(request, after)})


# --- training -----------------------------------------------------------------------------------

@require_http_methods(["GET", "HEAD"])
@staff_only
def training_list(request):
    user = request.user
    area = _area_in_scope(user, request.GET.get("area", ""))
    rows = selectors.sessions_for(user)
    if area:
        rows = rows.filter(area__code__startswith=area)
    page, after = _keyset_page(rows, request, descending=True)
    return _page(request, "trainings.html", {
        "rows": page, "areas": _filter_areas(user), "area": area,
        "may_add": bool(_kept_areas(user, lambda c: access.may_keep(user, c))),
        **_pager(request, after)})


@require_http_methods(["GET", "HEAD"])
@staff_only
def training_detail(request, pk: int):
    user = request.user
    session = selectors.session_detail(user=user, session_id=pk)
    attendance = list(selectors.attendance_of(session))
    return _page(request, "training.html", {
        "session": session, "attendance": attendance,
        "total": len(attendance) + session.other_attendees,
        "may_keep": access.may_keep(user, session.area_id), "events": _history(session)})


def _training_form_page(request, session=None):
    user = request.user
    areas = _kept_areas(user, lambda c: access.may_keep(user, c))
    if session is not None:
        if not access.may_keep(user, session.area_id):
            raise PermissionDenied
        areas = [(session.area_id, _label(session.area_id, session.area.name))]
        initial = {k: getattr(session, k) for k in (
            "title", "topics", "first_day", "last_day", "venue", "audience", "other_attendees")}
        initial["area"] = session.area_id
    else:
        if not areas:
            raise PermissionDenied
        initial = {"other_attendees": 0}
    form = TrainingForm(request.POST or None, areas=areas, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        area = Area.objects.get(code=data.pop("area"))
        try:
            if session is None:
                session = services.create_training_session(actor=user, area=area, **data)
            else:
                services.update_training_session(actor=user, session=session, **data)
        except DomainError as exc:
            _domain_error(form, exc)
        else:
            messages.success(request, _("Training session saved."))
            return HttpResponseRedirect(reverse("organisation:training", args=[session.pk]))
    return _page(request, "training_form.html", {"form": form, "session": session})


@require_http_methods(["GET", "POST"])
@staff_only
def training_create(request):
    return _training_form_page(request)


@require_http_methods(["GET", "POST"])
@staff_only
def training_edit(request, pk: int):
    return _training_form_page(request, selectors.session_detail(user=request.user,
                                                                 session_id=pk))


@require_http_methods(["GET", "POST"])
@staff_only
def attendance(request, pk: int):
    """Tick who attended, one village's members at a time (``?village=``), and the count
    of attendees not recorded by name."""
    user = request.user
    session = selectors.session_detail(user=user, session_id=pk)
    if not access.may_keep(user, session.area_id):
        raise PermissionDenied
    villages = list(Area.objects.filter(code__startswith=session.area_id,
                                        level=Area.Level.VILLAGE).order_by("code")
                    .values_list("code", "name"))
    wanted = request.POST.get("village") or request.GET.get("village") or ""
    village = next((c for c, _n in villages if c == wanted), villages[0][0] if villages else "")
    if not village:
        raise Http404(_("This area has no villages."))
    today = timezone.localdate()
    members = list(Person.objects.filter(
        household__area_id=village, membership__isnull=False,
        membership__joined__lte=today).filter(
        Q(membership__left__isnull=True) | Q(membership__left__gt=today))
        .select_related("membership").defer("id_number", "phone").order_by("name", "id"))
    existing = list(TrainingAttendance.objects.filter(session_id=session.pk,
                                                      area_id=village).order_by("id"))
    by_person = {row.person_id: row for row in existing if row.person_id}
    choices = [(str(p.pk), f"{p.name} · {p.membership.number} · "
                f"{p.membership.get_role_display()}") for p in members]
    form = AttendanceForm(request.POST or None, members=choices, initial={
        "people": [str(pk) for pk in by_person], "other_attendees": session.other_attendees})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = {int(pk) for pk in data["people"]}
        people = [p for p in members if p.pk in chosen]
        attendees = [services.AttendeeInput(
            person=p, role=by_person[p.pk].role if p.pk in by_person else data["role"])
            for p in people]
        attendees += [services.AttendeeInput(name=row.name, role=row.role, area=row.area)
                      for row in existing if row.person_id is None]
        try:
            services.record_attendance(
                actor=user, session=session, attendees=attendees,
                other_attendees=data["other_attendees"],
                within=Area.objects.get(code=village))
        except DomainError as exc:
            _domain_error(form, exc)
        else:
            messages.success(request, _("Attendance saved."))
            return HttpResponseRedirect(reverse("organisation:training", args=[session.pk]))
    return _page(request, "attendance.html", {
        "session": session, "form": form, "villages": villages, "village": village,
        "named_others": [row for row in existing if row.person_id is None]})


# --- activity days ------------------------------------------------------------------------------

@require_http_methods(["GET", "HEAD"])
@staff_only
def activity_list(request):
    user = request.user
    area = _area_in_scope(user, request.GET.get("area", ""))
    rows = selectors.activity_days_for(user)
    if area:
        rows = rows.filter(area__code__startswith=area)
    page, after = _keyset_page(rows, request, descending=True)
    return _page(request, "activities.html", {
        "rows": page, "areas": _filter_areas(user), "area": area,
        "may_add": bool(_kept_areas(user, lambda c: access.may_keep(user, c))),
        **_pager(request, after)})


def _activity_form_page(request, day=None):
    user = request.user
    areas = _kept_areas(user, lambda c: access.may_keep(user, c))
    if day is not None:
        if not access.may_keep(user, day.area_id):
            raise PermissionDenied
        areas = [(day.area_id, _label(day.area_id, day.area.name))]
        initial = {k: getattr(day, k) for k in (
            "kind", "held_on", "title", "sessions_held", "people_examined",
            "materials_distributed", "spending_yuan", "note")}
        initial["area"] = day.area_id
    else:
        if not areas:
            raise PermissionDenied
        initial = {"sessions_held": 0, "people_examined": 0, "materials_distributed": 0,
                   "spending_yuan": 0}
    form = ActivityForm(request.POST or None, areas=areas, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        area = Area.objects.get(code=data.pop("area"))
        try:
            if day is None:
                services.record_activity_day(actor=user, area=area, **data)
            else:
                services.update_activity_day(actor=user, day=day, **data)
        except DomainError as exc:
            _domain_error(form, exc)
        else:
            messages.success(request, _("Activity day saved."))
            return HttpResponseRedirect(reverse("organisation:activities"))
    return _page(request, "activity_form.html", {"form": form, "day": day})


@require_http_methods(["GET", "POST"])
@staff_only
def activity_create(request):
    return _activity_form_page(request)


@require_http_methods(["GET", "POST"])
@staff_only
def activity_edit(request, pk: int):
    return _activity_form_page(request, selectors.activity_day_detail(user=request.user,
                                                                      day_id=pk))


# --- assessments --------------------------------------------------------------------------------

@require_http_methods(["GET", "HEAD"])
@staff_only
def criteria_list(request):
    year = timezone.localdate().year
    rows = list(selectors.criteria())
    return _page(request, "criteria.html", {
        "rows": [{"criterion": c, "in_force": c.applies_to(year)} for c in rows],
        "year": year})


def _year(value, default: int) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        return default
    return year if 2000 <= year <= 2100 else default


@require_http_methods(["GET", "HEAD"])
@staff_only
def assessment_table(request):
    """The villages of the user's area with their scores for a year (keyset on the
    village code), the criteria of that year as columns."""
    user, today = request.user, timezone.localdate()
    latest = (Assessment.objects.filter(access.area_q(user, household_field=None))
              .order_by("-year").values_list("year", flat=True).first())
    year = _year(request.GET.get("year"), latest or today.year)
    area = _area_in_scope(user, request.GET.get("area", ""))
    rating = request.GET.get("rating", "")
    villages = Area.objects.filter(level=Area.Level.VILLAGE,
                                   code__startswith=area or user.area_id).order_by("code")
    if rating in Assessment.Rating.values:
        villages = villages.filter(code__in=Assessment.objects.filter(
            year=year, rating=rating).values("area_id"))
    after = request.GET.get("after", "")
    if after.isdigit():
        villages = villages.filter(code__gt=after)
    page = list(villages.select_related("parent")[:PAGE_SIZE + 1])
    has_next, page = len(page) > PAGE_SIZE, page[:PAGE_SIZE]
    found = {a.area_id: a for a in selectors.assessments_for(user).filter(
        year=year, area_id__in=[v.code for v in page])}
    criteria = services.criteria_for(year)
    rows = []
    for village in page:
        assessment = found.get(village.code)
        scores = {s.criterion.code: s.score for s in assessment.scores.all()} if assessment \
            else {}
        rows.append({"village": village, "assessment": assessment,
                     "scores": [scores.get(c.code, "") for c in criteria],
                     "may_assess": services.may_assess(user, village.code)})
    return _page(request, "assessments.html", {
        "rows": rows, "year": year, "criteria": criteria, "areas": _filter_areas(user),
        "area": area, "rating": rating, "ratings": Assessment.Rating.choices,
        "may_assess": any(r["may_assess"] for r in rows),
        **_pager(request, page[-1].code if has_next else None)})


@require_http_methods(["GET", "POST"])
@staff_only
def assess(request):
    """Score a village for a year (or revise its scores); the form has one field per
    criterion of the year."""
    user, today = request.user, timezone.localdate()
    villages = [(code, label) for code, label in
                _kept_areas(user, lambda c: services.may_assess(user, c))]
    if not villages:
        raise PermissionDenied
    source = request.POST if request.method == "POST" else request.GET
    year = _year(source.get("year"), today.year)
    village = source.get("village", "")
    if village and village not in {code for code, _l in villages}:
        if Area.objects.filter(code=village).filter(
                code__startswith=user.area_id).exists():
            raise PermissionDenied
        raise Http404(_("No such village among those you may assess."))
    existing = (Assessment.objects.filter(area_id=village, year=year)
                .prefetch_related("scores__criterion").first() if village else None)
    criteria = services.criteria_for(year)
    initial = {"village": village, "year": year, "assessed_on": today}
    if existing is not None:
        initial.update({"assessed_on": existing.assessed_on, "note": existing.note})
        initial.update({f"score_{s.criterion.code}": s.score for s in existing.scores.all()})
    form = AssessForm(request.POST or None, villages=villages, criteria=criteria,
                      initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_assessment(
                actor=user, village=Area.objects.get(code=data["village"]),
                year=data["year"], scores=form.scores(), assessed_on=data["assessed_on"],
                note=data["note"], revise=request.POST.get("revise") == "1")
        except DomainError as exc:
            _domain_error(form, exc)
        else:
            messages.success(request, _("Assessment saved."))
            url = reverse("organisation:assessments")
            return HttpResponseRedirect(f"{url}?year={data['year']}")
    return _page(request, "assess_form.html", {
        "form": form, "existing": existing, "year": year, "criteria": criteria,
        "village": village, "villages": villages})
