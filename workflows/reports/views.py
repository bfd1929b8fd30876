"""The reports' pages in the staff site (/workflow/reports/): filters, tables, charts and
the Excel export of the same tables.

``ReportsApp`` is an ``Application`` of the staff site (``workflows.frontend.site``), like
the auditor's workspace: its URLs go through the site's guard (anonymous users to the
login page, families to /family/, other non-staff 404), which then asks
``has_view_permission``: township approvers, district approvers, auditors and
administrators with an area (``reports.may_view_reports``); village reviewers get 403 and
no menu entry. The views check the same again and answer only GET and HEAD: nothing here
writes.

The numbers come from ``workflows.reports.report.build_report``, scoped to the user's area by
``casework.access``; the views only read the filters and lay the tables out. The Excel
file holds aggregate counts, rates and sums, no one's personal data, so unlike the case
history exports it asks no purpose and leaves no access record (``casework.privacy.access_log``
records views and exports of personal data).

URL names (namespace ``reports``): ``index`` (the page), ``export_xlsx``.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import wraps

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application

from eligibility.models import Program

from ..statistics import urls as statistics
from .charts import bar_chart
from .report import DEFINITIONS, Query, Report, Table, build_report, may_view_reports

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NO_VALUE = "—"
MAX_DAYS = 366 * 10  # a period longer than ten years is a typing error


def reporting_only(view):
    """GET and HEAD for ``may_view_reports`` users; anything else is refused (403)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or not may_view_reports(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


class ReportFilterForm(forms.Form):
    """The period (submission dates, inclusive; this year when left empty) and a program."""

    date_from = forms.DateField(label=_("From (submission date)"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To (submission date, inclusive)"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))
    program = forms.TypedChoiceField(label=_("Program"), required=False, coerce=int,
                                     empty_value=None)

    def __init__(self, data=None, *, programs, language: str):
        super().__init__(data)
        self.fields["program"].choices = [("", _("All programs"))] + [
            (p.pk, p.display_name(language)) for p in programs]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        elif start and end and (end - start).days > MAX_DAYS:
            self.add_error("date_to", _("Choose a period of at most ten years."))
        return data

    def query(self, today: date) -> Query:
        """The report asked for: an empty start is the 1st of January of the end's year
        (this year's when both are empty), an empty end the 31st of December of the
        start's year."""
        data = self.cleaned_data if self.is_bound else {}
        start, end = data.get("date_from"), data.get("date_to")
        default = Query.this_year(today)
        if start is None and end is None:
            start, end = default.start, default.end
        elif start is None:
            start = date(end.year, 1, 1)
        elif end is None:
            end = date(start.year, 12, 31)
        return Query(start, end, data.get("program"))


def display(value) -> str:
    """A value as the page and the chart show it: no thousands separator, Decimals as
    stored (one decimal for rates and days, two for yuan), "—" for nothing."""
    if value is None:
        return NO_VALUE
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


@dataclass(frozen=True)
class ShownTable:
    table: Table
    chart: str
    rows: list[tuple[str, str, list[tuple[str, str]]]]  # (key, label, [(column, shown)])


def _shown(table: Table) -> ShownTable:
    rows = [(row.key, row.label, [(c.key, display(v)) for c, v in
                                  zip(table.columns, row.values, strict=True)])
            for row in (*table.rows, *((table.total,) if table.total else ()))]
    return ShownTable(table=table, chart=bar_chart(table, chart_id=f"chart-{table.key}"),
                      rows=rows)


def _language() -> str:
    return get_language() or settings.LANGUAGE_CODE


def _report(request) -> tuple[ReportFilterForm, Report | None]:
    programs = list(Program.objects.order_by("id"))
    form = ReportFilterForm(request.GET or None, programs=programs, language=_language())
    if form.is_bound and not form.is_valid():
        return form, None
    query = form.query(timezone.localdate())
    return form, build_report(request.user, query, language=_language())


@reporting_only
def report_page(request):
    form, report = _report(request)
    return TemplateResponse(request, "workflows/reports/index.html", {
        "form": form,
        "report": report,
        "program_name": (report.program.display_name(_language())
                         if report and report.program else ""),
        "tables": [_shown(t) for t in report.tables] if report else [],
        "definitions": [str(d) for d in DEFINITIONS],
        "export_query": request.GET.urlencode(),
    })


_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_title(title: str, taken: set[str]) -> str:
    """An Excel sheet name: at most 31 characters, none of []:*?/\\, unique in the book."""
    base = _SHEET_FORBIDDEN.sub(" ", title).strip()[:31] or "Sheet"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def cell(value):
    """A value as the Excel sheet holds it: numbers as numbers, nothing as "—"."""
    return NO_VALUE if value is None else value


def workbook_file(report: Report):
    """The report as an .xlsx in a temporary file: a sheet about the report (scope,
    period, program, time, definitions), then one sheet per table with its header row,
    its rows and its total, the same values as the page."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    taken: set[str] = set()
    about = book.create_sheet(title=sheet_title(gettext("About this report"), taken))
    program = (report.program.display_name(_language()) if report.program
               else gettext("All programs"))
    about.append([gettext("Area"), f"{report.scope.name} ({report.scope.code})"])
    about.append([gettext("Period (submission date)"),
                  f"{report.query.start.isoformat()} – {report.query.end.isoformat()}"])
    about.append([gettext("Program"), program])
    about.append([gettext("Generated at"),
                  timezone.localtime(report.generated_at).strftime("%Y-%m-%d %H:%M:%S")])
    about.append([])
    about.append([gettext("Definitions")])
    for definition in DEFINITIONS:
        about.append([str(definition)])
    for table in report.tables:
        sheet = book.create_sheet(title=sheet_title(table.title, taken))
        sheet.append([table.row_header, *(c.label for c in table.columns)])
        for row in (*table.rows, *((table.total,) if table.total else ())):
            sheet.append([row.label, *(cell(v) for v in row.values)])
        if table.note:
            sheet.append([])
            sheet.append([table.note])
    handle = tempfile.TemporaryFile()
    book.save(handle)
    handle.seek(0)
    return handle


@reporting_only
def export_xlsx(request):
    form, report = _report(request)
    if report is None:
        return TemplateResponse(request, "workflows/reports/index.html", {
            "form": form, "report": None, "tables": [],
            "definitions": [str(d) for d in DEFINITIONS],
            "export_query": request.GET.urlencode()})
    name = (f"reports-{report.scope.code}-{report.query.start:%Y%m%d}-"
            f"{report.query.end:%Y%m%d}.xlsx")
    response = FileResponse(workbook_file(report), as_attachment=True, filename=name,
                            content_type=XLSX_TYPE)
    response["X-Content-Type-Options"] = "nosniff"
    add_never_cache_headers(response)
    return response


app_name = "reports"

urlpatterns = [
    path("", report_page, name="index"),
    path("export.xlsx", export_xlsx, name="export_xlsx"),
    # the statistics report to the city association (workflows.statistics)
    *statistics.urlpatterns,
]


class ReportsApp(Application):
    """The site's "Reports" entry."""

    title = _("Reports")
    icon = "bar_chart"
    app_name = app_name
    base_template_name = "workflows/staff/base_page.html"
    menu_template_name = "workflows/reports/menu.html"
    urlpatterns = urlpatterns
    index_path = None  # "index" is the report page, in ``urlpatterns``

    def has_view_permission(self, user, obj=None):
        return may_view_reports(user)
