"""The auditor's workspace (/workflow/auditor/): every case history in the user's area,
searched, read as it stood on any date, checked against its hash chain, and exported.

Read-only, for auditors and district approvers (``may_audit``), scoped like everything
else by ``casework.access.area_q`` (a prefix match on the case's village code). Any
other method than GET/HEAD is refused (403): nothing here writes, except the access
record each export leaves (``casework.privacy.access_log.record_access``, kind ``export``, with
the purpose the user gave).

- **Event search** (``event_search``): every event of every case in scope, newest first,
  filtered by actor, area (a village, township or the district), program, action, case
  and a date range. Keyset pages (``?after=<id>``): no COUNT, no OFFSET. Each row shows
  its case's chain status, checked for the page's cases in one streaming pass over their
  events (links, the case row's head and the latest signed checkpoint: ``page_chains``);
  the case page runs the full check (``casework.history.verification.verify_case``, every
  checkpoint). The page runs the same statements whatever the number of rows.
- **Case timeline as of a date** (``case_timeline``): the events up to that moment, the
  status the case had then, its chain status (intact, or the first broken event), the
  register changes of its household, members, memberships and entitlement
  (``RegisterChange``: written by PostgreSQL triggers, empty on SQLite) and who looked at
  its personal data (``AccessRecord``).
- **Exports** (``export_csv``, ``export_xlsx``): the search's events (all pages), read in
  keyset chunks; CSV streamed as it is read, Excel written row by row by openpyxl's
  write-only mode to a temporary file that is then streamed. A purpose is required and
  every export is recorded. Resident identity and phone numbers never leave: an event's
  detail and the actor's user name are masked (``mask_personal``); names are kept.
"""

from __future__ import annotations

import csv
import json
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import wraps
from itertools import groupby

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Q
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from casework import access
from casework.history import chain
from casework.history.verification import EVENT_COLUMNS, checkpoint_valid, signing_key, verify_case
from casework.models import (
    AccessRecord,
    Area,
    AuditCheckpoint,
    AuditEvent,
    Case,
    CaseStatus,
    Entitlement,
    Membership,
    Person,
    RegisterChange,
    User,
)
from casework.privacy.access_log import record_access
from eligibility.models import Program

from ..notifications import notify

Role = User.Role
AUDIT_ROLES = frozenset({Role.AUDITOR, Role.DISTRICT_APPROVER})
PAGE_SIZE = 50
EXPORT_CHUNK = 2000  # events read per statement while exporting
TIMELINE_LIMIT = 500  # register changes and access records shown on a case page

# every action the services write, with the words staff read (the first ones as on the
# staff case file, workflows/staff/_action_label.html)
ACTIONS = {
    "submitted": _("Application submitted"),
    "eligibility_precheck": _("Eligibility pre-check recorded"),
    "enter_village_review": _("Village review started"),
    "enter_objection_review": _("Objection review started"),
    "enter_township_review": _("Township review started"),
    "enter_district_review": _("District review started"),
    "enter_family_revision": _("Returned to the family"),
    "decision_approve": _("Approved at this level"),
    "decision_return": _("Returned for more information"),
    "decision_reject": _("Rejected"),
    "public_notice_started": _("Public notice started"),
    "public_notice_ended": _("Public notice ended"),
    "objection_lodged": _("Objection lodged"),
    "resubmitted": _("Resubmitted"),
    "document_added": _("Document added"),
    "granted": _("Benefit granted"),
    "rejected": _("Application rejected"),
    "withdrawn": _("Application withdrawn"),
    "deadline_reminder": _("Deadline reminder sent"),
    "deadline_overdue": _("Step overdue"),
    "deadline_escalated": _("Step escalated to the level above"),
    "appeal_lodged": _("Appeal lodged"),
    "appeal_dismissed": _("Appeal dismissed: the rejection stands"),
    "appeal_upheld": _("Appeal upheld: the rejection is overturned"),
    "recertification_flagged": _("Re-certification review opened"),
    "recertification_continued": _("Re-certification: entitlement continued"),
    "recertification_ended": _("Re-certification: entitlement ended"),
}


def action_label(action: str) -> str:
    return str(ACTIONS.get(action, action))


def status_label(status: str) -> str:
    try:
        return str(CaseStatus(status).label)
    except ValueError:
        return status


def program_label(program) -> str:
    return program.display_name(get_language() or settings.LANGUAGE_CODE)


# --- who may use it ------------------------------------------------------------------

def may_audit(user) -> bool:
    """Auditors and district approvers with an area; everyone else is refused."""
    return bool(user.is_authenticated and user.is_active
                and getattr(user, "role", None) in AUDIT_ROLES
                and getattr(user, "area_id", None))


def read_only(view):
    """GET and HEAD for ``may_audit`` users; anything else is refused (403), whoever asks:
    the workspace writes nothing."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or not may_audit(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


# --- personal data kept out ----------------------------------------------------------

_RESIDENT_ID = re.compile(r"(?<![0-9])([0-9]{6})[0-9]{8}([0-9]{3}[0-9Xx])(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9])(1[3-9][0-9])[0-9]{4}([0-9]{4})(?![0-9])")


def mask_text(text: str) -> str:
    """Resident identity numbers as 330703********123X, mobile numbers as 138****5678,
    wherever they stand in the text."""
    text = _RESIDENT_ID.sub(lambda m: f"{m.group(1)}{'*' * 8}{m.group(2)}", text)
    return _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)


def mask_personal(value):
    """``value`` (an event's detail) with every string masked (``mask_text``)."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {key: mask_personal(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [mask_personal(item) for item in value]
    return value


def detail_text(detail) -> str:
    """An event's detail as one line of JSON, keys sorted, personal numbers masked."""
    if not detail:
        return ""
    return json.dumps(mask_personal(detail), ensure_ascii=False, sort_keys=True)


def actor_name(user) -> str:
    if user is None:
        return gettext("system")
    return mask_text(user.get_full_name() or user.display_name or user.get_username())


# --- the filters ---------------------------------------------------------------------

def _local_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class EventFilterForm(forms.Form):
    """The search's filters (GET); its choices are the user's areas and the programs."""

    actor = forms.CharField(label=_("Actor (user name)"), required=False, max_length=150)
    area = forms.ChoiceField(label=_("Area"), required=False)
    program = forms.ChoiceField(label=_("Program"), required=False)
    action = forms.ChoiceField(label=_("Action"), required=False)
    case = forms.IntegerField(label=_("Case number"), required=False, min_value=1)
    date_from = forms.DateField(label=_("From (date)"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To (date, inclusive)"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data=None, *, user):
        super().__init__(data)
        areas = (Area.objects.filter(code__startswith=user.area_id or "-")
                 .order_by("code").values_list("code", "name", "level"))
        indent = {Area.Level.DISTRICT: "", Area.Level.TOWNSHIP: "\u2003",
                  Area.Level.VILLAGE: "\u2003\u2003"}
        self.fields["area"].choices = [("", _("All my areas"))] + [
            (code, f"{indent.get(level, '')}{name} ({code})") for code, name, level in areas]
        self.fields["program"].choices = [("", _("All programs"))] + [
            (p.code, program_label(p)) for p in Program.objects.order_by("id")]
        self.fields["action"].choices = [("", _("All actions"))] + [
            (code, label) for code, label in ACTIONS.items()]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def filters(self) -> dict:
        """The filters set, for links and for the export's record."""
        return {name: value for name, value in self.cleaned_data.items()
                if value not in (None, "")}


def events_for(user, filters: dict):
    """The events ``user`` may see that match ``filters`` (``EventFilterForm`` data),
    newest first: scoped by the case's village (``casework.access.area_q``)."""
    rows = AuditEvent.objects.filter(
        access.area_q(user, area_field="case__area", household_field=None))
    if filters.get("area"):
        rows = rows.filter(case__area__code__startswith=filters["area"])
    if filters.get("program"):
        rows = rows.filter(case__program__code=filters["program"])
    if filters.get("action"):
        rows = rows.filter(action=filters["action"])
    if filters.get("case"):
        rows = rows.filter(case_id=filters["case"])
    if filters.get("actor"):
        rows = rows.filter(actor__username=filters["actor"])
    if filters.get("date_from"):
        rows = rows.filter(at__gte=_local_start(filters["date_from"]))
    if filters.get("date_to"):
        rows = rows.filter(at__lt=_local_start(filters["date_to"] + timedelta(days=1)))
    return rows.order_by("-id")


EVENT_ROW_RELATED = ("actor", "case__program", "case__applicant", "case__area")
EVENT_ROW_DEFERRED = ("case__facts", "case__eligibility", "case__statement")


def _rows(queryset):
    return queryset.select_related(*EVENT_ROW_RELATED).defer(*EVENT_ROW_DEFERRED)


# --- chain status of a page's cases ----------------------------------------------------

@dataclass(frozen=True)
class ChainStatus:
    """A case's chain: intact, or where it first breaks and why."""

    case_id: int
    events: int
    broken_seq: int | None = None
    reason: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_seq is None

    def row_state(self, seq: int) -> str:
        """An event's place in the chain: "ok" before the break, "broken" at it,
        "unverified" after it (nothing after a break can be trusted)."""
        if self.broken_seq is None or seq < self.broken_seq:
            return "ok"
        return "broken" if seq == self.broken_seq else "unverified"


_sealed_cache: dict = {}


def latest_sealed() -> tuple[AuditCheckpoint | None, str | None, dict[int, dict[int, str]]]:
    """The latest checkpoint, why it cannot be trusted (or None), and the heads it seals
    ({case: {seq: hash}}; empty if it cannot be trusted). Its leaves are read and checked
    once per process while it stays the latest and unchanged; then only its row's small
    columns are read."""
    latest = (AuditCheckpoint.objects.order_by("-sealed_at", "-pk")
              .only("pk", "sealed_at", "root", "signature", "size").first())
    if latest is None:
        return None, None, {}
    key = (latest.pk, latest.sealed_at, latest.root, latest.signature, latest.size)
    cached = _sealed_cache.get(key)
    if cached is None:
        full = AuditCheckpoint.objects.get(pk=latest.pk)
        problem = checkpoint_valid(full, chain.public_key_b64(signing_key()))
        heads: dict[int, dict[int, str]] = {}
        if problem is None:
            for case_id, seq, head in full.leaves:
                heads.setdefault(case_id, {})[seq] = head
        _sealed_cache.clear()
        cached = _sealed_cache[key] = (problem, heads)
    return latest, cached[0], cached[1]


def page_chains(cases: dict[int, Case], sealed: dict[int, dict[int, str]]
                ) -> dict[int, ChainStatus]:
    """The chain status of ``cases`` (their rows carry ``version`` and ``audit_head``): one
    statement streams all their events in (case, seq) order; each chain is checked for
    its links, its content against its hashes, its newest event's seal, the case row's
    head and ``sealed``. (The rows it describes are compared on the case's own page and
    by ``verify_audit``: ``casework.history.verification``.)"""
    found: dict[int, ChainStatus] = {}
    if not cases:
        return found
    rows = (AuditEvent.objects.filter(case_id__in=list(cases)).order_by("case_id", "seq", "id")
            .values_list(*EVENT_COLUMNS).iterator(chunk_size=EXPORT_CHUNK))
    public_key = chain.public_key_b64(signing_key())  # the newest event's seal must verify
    for case_id, group in groupby((chain.Event(*row) for row in rows), key=lambda e: e.case_id):
        case = cases[case_id]
        count, broken = chain.verify_chain(group, sealed=sealed.get(case_id),
                                           head=(case.version, case.audit_head),
                                           public_key=public_key)
        found[case_id] = ChainStatus(case_id, count, broken.seq if broken else None,
                                     broken.reason if broken else "")
    for case_id in cases:  # every event of the case gone since the page read
        if case_id not in found:
            found[case_id] = ChainStatus(case_id, 0, 1, "history is empty")
    return found


def chain_status(report) -> ChainStatus:
    """``casework.history.verification.CaseReport`` as the templates show it."""
    broken = report.broken
    return ChainStatus(report.case_id, report.events, broken.seq if broken else None,
                       broken.reason if broken else "")


# --- pages -----------------------------------------------------------------------------

def _base_context(request) -> dict:
    unread = notify.unread_count(request.user)
    return {"user_messages": notify.unread_label(unread) if unread else ""}


@dataclass
class EventRow:
    event: AuditEvent
    action: str
    actor: str
    detail: str
    chain: ChainStatus | None

    @property
    def program(self) -> str:
        return program_label(self.event.case.program)

    @property
    def status(self) -> str:
        """The status it moved the case from and to, or the one the case stayed in."""
        event = self.event
        if event.from_status and event.from_status != event.to_status:
            return f"{status_label(event.from_status)} → {status_label(event.to_status)}"
        return status_label(event.to_status or event.from_status)

    @property
    def state(self) -> str:
        return self.chain.row_state(self.event.seq) if self.chain else "ok"


def _event_rows(events, chains) -> list[EventRow]:
    return [EventRow(event=e, action=action_label(e.action), actor=actor_name(e.actor),
                     detail=detail_text(e.detail), chain=chains.get(e.case_id))
            for e in events]


def _query_without(request, *names, **extra) -> str:
    """The request's query string without ``names``, with ``extra`` set."""
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    for name, value in extra.items():
        query[name] = str(value)
    return query.urlencode()


def _hidden_filters(request) -> list[tuple[str, str]]:
    """The search's query parameters, for the export form's hidden fields."""
    return [(name, value) for name, values in request.GET.lists()
            if name not in ("after", "purpose") for value in values]


@read_only
def event_search(request):
    user = request.user
    form = EventFilterForm(request.GET or None, user=user)
    after = request.GET.get("after", "")
    rows, has_next, checkpoint, checkpoint_problem = [], False, None, None
    if form.is_bound and not form.is_valid():
        events = []
    else:
        filters = form.filters() if form.is_bound else {}
        queryset = _rows(events_for(user, filters))
        if after.isdigit():
            queryset = queryset.filter(pk__lt=int(after))
        events = list(queryset[:PAGE_SIZE + 1])
        has_next, events = len(events) > PAGE_SIZE, events[:PAGE_SIZE]
        checkpoint, checkpoint_problem, sealed = latest_sealed()
        chains = page_chains({e.case_id: e.case for e in events}, sealed)
        rows = _event_rows(events, chains)
    return TemplateResponse(request, "workflows/auditor/events.html", {
        **_base_context(request),
        "form": form,
        "rows": rows,
        "next_url": f"?{_query_without(request, after=events[-1].pk)}" if has_next else "",
        "first_url": f"?{_query_without(request, 'after')}" if after else "",
        "hidden_filters": _hidden_filters(request),
        "checkpoint": checkpoint,
        "checkpoint_problem": checkpoint_problem,
        "export_form": ExportForm(),
    })


# --- the case as of a date -----------------------------------------------------------

class AsOfForm(forms.Form):
    as_of = forms.DateTimeField(
        label=_("As of"), required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M",
                       "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("A date alone means the end of that day."))

    def moment(self) -> datetime | None:
        """The moment asked for (a date alone: the end of that day), or None for now."""
        raw = (self.data.get("as_of") or "").strip()
        value = self.cleaned_data.get("as_of")
        if value is None:
            return None
        if len(raw) == 10:  # a date: up to its last microsecond
            return value + timedelta(days=1) - timedelta(microseconds=1)
        return value


def scoped_case(user, case_id: int) -> Case:
    case = (access.scope(Case.objects.all(), user)
            .select_related("program", "area", "applicant", "household")
            .defer("facts", "eligibility").filter(pk=case_id).first())
    if case is None:
        raise Http404(gettext("No such case among those you may see."))
    return case


def register_changes(case: Case, until: datetime | None):
    """The register changes of the case's household, its members and their memberships,
    and the case's entitlement, oldest first."""
    people = Person.objects.filter(household_id=case.household_id).values_list("pk", flat=True)
    person_ids = [str(pk) for pk in people]
    membership_ids = [str(pk) for pk in Membership.objects.filter(
        person__household_id=case.household_id).values_list("pk", flat=True)]
    entitlement_ids = [str(pk) for pk in Entitlement.objects.filter(case_id=case.pk)
                       .values_list("pk", flat=True)]
    wanted = Q(table="casework_household", row_id=str(case.household_id))
    if person_ids:
        wanted |= Q(table="casework_person", row_id__in=person_ids)
    if membership_ids:
        wanted |= Q(table="casework_membership", row_id__in=membership_ids)
    if entitlement_ids:
        wanted |= Q(table="casework_entitlement", row_id__in=entitlement_ids)
    rows = RegisterChange.objects.filter(wanted).select_related("actor")
    if until is not None:
        rows = rows.filter(at__lte=until)
    return rows.order_by("id"), [int(pk) for pk in person_ids]


def _values_text(values) -> str:
    if not values:
        return ""
    return "; ".join(f"{key}: {mask_text(json.dumps(value, ensure_ascii=False))}"
                     for key, value in sorted(values.items()))


TABLE_LABELS = {
    "casework_household": _("household"),
    "casework_person": _("person"),
    "casework_membership": _("membership"),
    "casework_entitlement": _("entitlement"),
}


@read_only
def case_timeline(request, case_id: int):
    user = request.user
    case = scoped_case(user, case_id)
    form = AsOfForm(request.GET or None)
    until = form.moment() if form.is_bound and form.is_valid() else None
    history = AuditEvent.objects.filter(case_id=case.pk).select_related("actor")
    if until is not None:
        history = history.filter(at__lte=until)
    events = list(history.order_by("seq", "id"))
    status_then = None
    for event in events:
        status_then = event.to_status or event.from_status or status_then
    verified = verify_case(case)
    report = chain_status(verified)
    changes, person_ids = register_changes(case, until)
    changes = list(changes[:TIMELINE_LIMIT + 1])
    accesses = AccessRecord.objects.filter(Q(case_id=case.pk) | Q(person_id__in=person_ids))
    if until is not None:
        accesses = accesses.filter(at__lte=until)
    accesses = list(accesses.select_related("user", "person").order_by("id")
                    [:TIMELINE_LIMIT + 1])
    return TemplateResponse(request, "workflows/auditor/case.html", {
        **_base_context(request),
        "case": case,
        "program": program_label(case.program),
        "form": form,
        "until": until,
        "rows": _event_rows(events, {case.pk: report}),
        "status_then": status_label(status_then) if status_then else "",
        "status_now": status_label(case.status),
        "chain": report,
        # rows (status, decisions, entitlement...) that contradict the verified history
        "disagreements": [str(d) for d in verified.disagreements],
        "changes": [{"change": c, "table": str(TABLE_LABELS.get(c.table, c.table)),
                     "old": _values_text(c.old), "new": _values_text(c.new),
                     "actor": actor_name(c.actor) if c.actor_id else gettext("system")}
                    for c in changes[:TIMELINE_LIMIT]],
        "changes_truncated": len(changes) > TIMELINE_LIMIT,
        "accesses": [{"record": a, "user": actor_name(a.user)}
                     for a in accesses[:TIMELINE_LIMIT]],
        "accesses_truncated": len(accesses) > TIMELINE_LIMIT,
        "limit": TIMELINE_LIMIT,
        # the register change log is written by PostgreSQL triggers only
        "register_log": connection.vendor == "postgresql",
    })


# --- exports ---------------------------------------------------------------------------

class ExportForm(forms.Form):
    purpose = forms.CharField(
        label=_("Purpose of this export"), max_length=200,
        help_text=_("Required: why these case histories leave the system (recorded)."),
        widget=forms.TextInput(attrs={"size": 60}))

    def clean_purpose(self):
        purpose = " ".join(self.cleaned_data["purpose"].split())
        if len(purpose) < 4:
            raise forms.ValidationError(_("Say why, in a few words."))
        return purpose


EXPORT_COLUMNS = (
    _("Event"), _("Case"), _("Sequence"), _("Time"), _("Actor (user name)"), _("Actor"),
    _("Action"), _("From status"), _("To status"), _("Program"), _("Village code"),
    _("Village"), _("Applicant"), _("Detail"), _("Previous hash"), _("Hash"),
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    """Text a spreadsheet will not run as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def export_row(event: AuditEvent) -> list:
    """One event as the exports write it (names kept, personal numbers masked)."""
    case = event.case
    actor = event.actor
    return [_cell(v) for v in (
        event.pk, event.case_id, event.seq, timezone.localtime(event.at).isoformat(),
        mask_text(actor.get_username()) if actor else "", actor_name(actor),
        event.action, event.from_status, event.to_status, case.program.code, case.area_id,
        case.area.name, case.applicant.name, detail_text(event.detail), event.prev_hash,
        event.hash)]


def export_rows(user, filters: dict):
    """Every matching event, newest first, read in keyset chunks of ``EXPORT_CHUNK``."""
    queryset = _rows(events_for(user, filters))
    last = None
    while True:
        chunk = queryset if last is None else queryset.filter(pk__lt=last)
        events = list(chunk[:EXPORT_CHUNK])
        for event in events:
            yield export_row(event)
        if len(events) < EXPORT_CHUNK:
            return
        last = events[-1].pk


class _Echo:
    def write(self, value):
        return value


def _csv_stream(header, rows):
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header)  # the BOM: spreadsheets read UTF-8
    for row in rows:
        yield writer.writerow(row)


def _export_name(extension: str) -> str:
    return f"audit-events-{timezone.localtime():%Y%m%d-%H%M%S}.{extension}"


def _xlsx_file(header, rows):
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=gettext("Audit events")[:31])
    sheet.append(header)
    for row in rows:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v
                      for v in row])
    handle = tempfile.TemporaryFile()
    workbook.save(handle)
    handle.seek(0)
    return handle


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _export(request, kind: str):
    user = request.user
    form = EventFilterForm(request.GET, user=user)
    purpose = ExportForm(request.GET if "purpose" in request.GET else None)
    if not (form.is_valid() and purpose.is_valid()):
        return TemplateResponse(request, "workflows/auditor/export.html", {
            **_base_context(request), "form": form, "export_form": purpose, "kind": kind,
            "search_query": _query_without(request, "purpose", "after"),
            "hidden_filters": _hidden_filters(request),
        })
    filters = form.filters()
    summary = " ".join(f"{k}={v}" for k, v in sorted(filters.items()))
    case = None
    if filters.get("case"):
        case = access.scope(Case.objects.all(), user).filter(pk=filters["case"]).first()
    record_access(user, AccessRecord.Kind.EXPORT, purpose=purpose.cleaned_data["purpose"],
                  case=case, object_ref=f"audit events {kind} {summary}".strip(),
                  path=request.get_full_path())
    header = [str(label) for label in EXPORT_COLUMNS]
    rows = export_rows(user, filters)
    if kind == "csv":
        response = StreamingHttpResponse(_csv_stream(header, rows),
                                         content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{_export_name("csv")}"'
    else:
        response = FileResponse(_xlsx_file(header, rows), as_attachment=True,
                                filename=_export_name("xlsx"), content_type=XLSX_TYPE)
    response["X-Content-Type-Options"] = "nosniff"
    add_never_cache_headers(response)
    return response


@read_only
def export_csv(request):
    return _export(request, "csv")


@read_only
def export_xlsx(request):
    return _export(request, "xlsx")
