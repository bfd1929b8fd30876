"""What the staff site's task and case rows share: how a step, a program, a date and a
deadline are shown, the cases of a page's processes, and ``RowFormatter``, which looks
up once per page what every row needs.

Not views: the staff lists (``frontend_views``), bulk approval (``bulk_views``) and the
appeal review page use them, and no feature imports another's views.
"""

from datetime import datetime
from functools import cache, lru_cache
from html import escape as html_escape

from django.conf import settings
from django.utils import dateformat, timezone
from django.utils.dateformat import re_escaped, re_formatchars
from django.utils.formats import date_format, get_format
from django.utils.functional import cached_property
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeData, mark_safe
from django.utils.timezone import get_current_timezone, is_naive
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from viewflow.views.list import BaseColumn

from casework.models import Case
from eligibility.models import Program

from . import steps
from .deadlines.services import is_overdue
from .models import Appeal, Recertification

# step names as staff read them (templates: workflows/staff/_step_label.html)
STEP_LABELS = {
    steps.VILLAGE_REVIEW: _("Village review"),
    steps.OBJECTION_REVIEW: _("Objection review"),
    steps.TOWNSHIP_REVIEW: _("Township review"),
    steps.DISTRICT_REVIEW: _("District review"),
    steps.FAMILY_REVISION: _("Family revision"),
    steps.RECERTIFICATION_REVIEW: _("Re-certification review"),
    steps.APPEAL_REVIEW: _("Appeal review"),
    "resume": _("Resumed after an appeal"),
    "start": _("Submitted"),
    "public_notice": _("Public notice"),
    "end": _("Closed"),
}


def program_name(program) -> str:
    return program.display_name(get_language() or settings.LANGUAGE_CODE)


def step_label(flow_task) -> str:
    if flow_task is None:
        return ""
    return str(STEP_LABELS.get(flow_task.name, flow_task.task_title or flow_task.name))


# --- rows: the cases of a page, and what its cells share --------------------------

# what a list row or board card reads of its task or process (never viewflow's JSON data)
TASK_ROW_FIELDS = ("id", "flow_task", "flow_task_type", "status", "process_id", "owner_id",
                   "created", "finished")
PROCESS_ROW_FIELDS = ("id", "flow_class", "status", "created", "finished")


class CaseRow:
    """What a list row or board card shows of a case: its id and status, the program (a
    ``Program``), the applicant's and the village's names. Read with ``values_list``:
    a page's cases with their applicants and villages are no model instances to build."""

    __slots__ = ("pk", "status", "program", "applicant_name", "village_name")

    def __init__(self, pk, status, program, applicant_name, village_name):
        self.pk, self.status, self.program = pk, status, program
        self.applicant_name, self.village_name = applicant_name, village_name

    def get_status_display(self) -> str:
        return str(case_status_labels().get(self.status, self.status))


@cache
def case_status_labels() -> dict:
    return dict(Case._meta.get_field("status").flatchoices)


@cache
def _program_fields() -> tuple:
    return tuple(field.attname for field in Program._meta.concrete_fields)


def cases_by_process(process_ids) -> dict:
    """The cases of these processes (already scoped: the ids come from a scoped page) as
    ``CaseRow``, by process id: an application's own case, a re-certification review's
    granting case, an appeal's appealed case. One statement per kind of process on the
    page (none if no id),
    joining program, applicant and village."""
    process_ids = set(process_ids)
    if not process_ids:
        return {}
    program_fields = _program_fields()
    program_pk = program_fields.index(Program._meta.pk.attname)
    programs, cases = {}, {}
    related = tuple(f"case__program__{name}" for name in program_fields)
    kinds = (  # each read only while ids are left: most pages hold one kind of process
        lambda ids: Case.objects.filter(process__in=ids).order_by().values_list(
            "process__id", "id", "status", "applicant__name", "area__name",
            *(f"program__{name}" for name in program_fields)),
        lambda ids: Recertification.objects.filter(process_id__in=ids).order_by().values_list(
            "process_id", "case_id", "case__status", "case__applicant__name",
            "case__area__name", *related),
        lambda ids: Appeal.objects.filter(process_id__in=ids).order_by().values_list(
            "process_id", "case_id", "case__status", "case__applicant__name",
            "case__area__name", *related),
    )
    for rows_of in kinds:
        process_ids -= cases.keys()
        if not process_ids:
            break
        queryset = rows_of(process_ids)
        for process_id, pk, status, applicant_name, village_name, *values in queryset:
            program = programs.get(values[program_pk])
            if program is None:
                program = programs[values[program_pk]] = Program.from_db(
                    queryset.db, program_fields, values)
            cases[process_id] = CaseRow(pk, status, program, applicant_name, village_name)
    return cases


# stand-ins for the ids of a URL reversed once per page (RowFormatter.url)
URL_MARKS = (918273645546372819, 827364554637281909)
PLAIN_COLUMN = BaseColumn("")  # viewflow's formatting of values other than text and dates


def _url_parts(url, marks):
    """``url`` cut around each of ``marks`` (each found once, in order), or None."""
    parts = []
    for mark in map(str, marks):
        if url.count(mark) != 1:
            return None
        head, _sep, url = url.partition(mark)
        parts.append(head)
    return [*parts, url]


class RowFormatter:
    """What the rows of one page share, looked up once per page instead of once per row:
    the URL of each step's pages (one ``reverse`` per step, then the ids put in), the step
    labels, the programs' names in the active language and the date format."""

    def __init__(self):
        self.language = get_language() or settings.LANGUAGE_CODE
        self._urls, self._steps, self._programs = {}, {}, {}

    @cached_property
    def _datetime_pieces(self):
        """``DATETIME_FORMAT`` cut as ``dateformat.Formatter.format`` cuts it (once per page,
        not per value): ``(True, specifier)`` or ``(False, literal text)``."""
        pieces = []
        for index, piece in enumerate(re_formatchars.split(str(get_format("DATETIME_FORMAT")))):
            if index % 2:
                pieces.append((True, piece))
            elif piece:
                pieces.append((False, re_escaped.sub(r"\1", piece)))
        return pieces

    @cached_property
    def _timezone(self):
        return get_current_timezone() if settings.USE_TZ else None

    def url(self, owner, name, *ids):
        """``owner.reverse(name, args=ids)`` (a flow node or viewset)."""
        key = (id(owner), name, len(ids))
        parts = self._urls.get(key)
        if parts is None:
            marks = URL_MARKS[: len(ids)]
            parts = self._urls[key] = _url_parts(owner.reverse(name, args=marks), marks) or ()
        if not parts:
            return owner.reverse(name, args=ids)
        out = [parts[0]]
        for value, part in zip(ids, parts[1:], strict=True):
            out += (str(value), part)
        return "".join(out)

    def step(self, node) -> str:
        label = self._steps.get(node)
        if label is None:
            label = self._steps[node] = step_label(node)
        return label

    def program(self, program) -> str:
        name = self._programs.get(program.pk)
        if name is None:
            name = self._programs[program.pk] = program.display_name(self.language)
        return name

    def datetime(self, value) -> str:
        """As viewflow's list cells and ``{{ value }}`` show it: in local time
        (``template_localtime``), formatted as ``dateformat.format(value, DATETIME_FORMAT)``."""
        if (self._timezone is not None and not is_naive(value)
                and getattr(value, "convert_to_local_time", True)):
            value = value.astimezone(self._timezone)
        formatter = dateformat.DateFormat(value)
        return "".join(str(getattr(formatter, piece)()) if specifier else piece
                       for specifier, piece in self._datetime_pieces)

    def cell(self, value) -> str:
        """A cell's HTML, as viewflow's ``BaseColumn.format_value`` then autoescape."""
        if isinstance(value, str):
            return value if isinstance(value, SafeData) else html_escape(value)
        if value is None:
            return ""
        if isinstance(value, datetime):
            return html_escape(self.datetime(value))
        return conditional_escape(PLAIN_COLUMN.format_value(None, value))


def link(url, text):
    """``<a href="url">text</a>``, both escaped (``format_html`` without its overhead)."""
    return mark_safe(f'<a href="{html_escape(url)}">{conditional_escape(text)}</a>')


def with_empty(method, empty):
    """``method``, with None read as ``empty`` (``DataSourceColumn.get_value``)."""
    if empty is None:
        return method
    return lambda obj: empty if (value := method(obj)) is None else value


@lru_cache(maxsize=4096)
def _due_cell(day, language, mark):
    """``due_cell``'s HTML for a local date, in ``language``, with ``mark`` ("", "overdue",
    "escalated"): a list shows a few dates many times over."""
    text = date_format(day, "SHORT_DATE_FORMAT")
    if not mark:
        return text
    label = _("escalated") if mark == "escalated" else _("overdue")
    return format_html('{} <strong class="overdue wf-{}">{}</strong>', text, mark, label)


def due_cell(due_at, closed_at=None, escalated_at=None):
    """A deadline as the lists show it: its local date, marked "escalated" or "overdue"
    while it is open."""
    if escalated_at and closed_at is None:
        mark = "escalated"
    elif is_overdue(due_at, closed_at):
        mark = "overdue"
    else:
        mark = ""
    return _due_cell(timezone.localtime(due_at).date(), get_language(), mark)
