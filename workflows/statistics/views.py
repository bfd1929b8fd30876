"""The statistics report in the staff site (/workflow/reports/statistics/), in Excel and PDF,
and in the API (``GET /api/v1/statistics/``).

Who: those who see the reports (``casework.access.may_view_reports``: township and
district staff, auditors, administrators); a township approver asks for their township,
district staff for the district or any of its townships. An area outside the user's is a
404 (``casework.access.in_scope``). Reads only. The numbers are aggregate counts and sums,
no one's personal data, so nothing is recorded in the access log (as the other reports).
"""

from __future__ import annotations

import io
import tempfile
from datetime import date
from functools import wraps

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from casework import access
from casework.models import Area

from .report import Report, build_report

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_TYPE = "application/pdf"
FIRST_YEAR = 2000


class StatisticsForm(forms.Form):
    """The area (the user's township, or the district and its townships), the year and
    the date the figures are as of (the year's end when empty; not after today)."""

    area = forms.ChoiceField(label=_("Area"))
    year = forms.IntegerField(label=_("Year"), min_value=FIRST_YEAR)
    as_of = forms.DateField(label=_("As of"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}),
                            help_text=_("Empty: the end of the year (or today, this year)."))

    def __init__(self, data=None, *, user, today: date):
        super().__init__(data, initial={"year": today.year})
        self.today = today
        areas = (Area.objects.filter(code__startswith=user.area_id or "-")
                 .exclude(level=Area.Level.VILLAGE).order_by("code")
                 .values_list("code", "name", "level"))
        self.fields["area"].choices = [
            (code, f"{'' if level == Area.Level.DISTRICT else chr(0x2003)}{name} ({code})")
            for code, name, level in areas]
        self.fields["year"].max_value = today.year
        self.fields["year"].widget.attrs["max"] = today.year

    def clean(self):
        data = super().clean()
        year, as_of = data.get("year"), data.get("as_of")
        if year is not None and year > self.today.year:
            self.add_error("year", _("The year has not begun yet."))
        if as_of is not None:
            if as_of > self.today:
                self.add_error("as_of", _("The date is in the future."))
            elif year is not None and as_of.year != year:
                self.add_error("as_of", _("Choose a date in the report's year."))
        return data

    def as_of_date(self) -> date:
        year = self.cleaned_data["year"]
        return self.cleaned_data.get("as_of") or min(date(year, 12, 31), self.today)


def _language() -> str:
    return get_language() or settings.LANGUAGE_CODE


def reporting_only(view):
    """GET and HEAD for ``may_view_reports`` users; anything else is refused (403)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or not access.may_view_reports(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def scoped_area(user, code: str) -> Area:
    """The township or district ``code`` if ``user`` may see it, else 404."""
    area = Area.objects.filter(code=code).exclude(level=Area.Level.VILLAGE).first()
    if area is None or not access.in_scope(user, area.code, None):
        raise Http404(gettext("No such area among those you may see."))
    return area


def _report(request) -> tuple[StatisticsForm, Report | None]:
    today = timezone.localdate()
    data = request.GET if "year" in request.GET else None
    form = StatisticsForm(data, user=request.user, today=today)
    if data is None:
        if not form.fields["area"].choices:
            return form, None
        code = form.fields["area"].choices[0][0]
        area = scoped_area(request.user, code)
        return form, build_report(area, year=today.year, as_of=today)
    if not form.is_valid():
        return form, None
    area = scoped_area(request.user, form.cleaned_data["area"])
    return form, build_report(area, year=form.cleaned_data["year"], as_of=form.as_of_date())


def display(value) -> str:
    return "—" if value is None else str(value)


@reporting_only
def statistics_page(request):
    form, report = _report(request)
    rows = []
    if report is not None:
        section = None
        for title, label, values in report.rows(_language()):
            rows.append({"section": title if title != section else "", "label": label,
                         "values": [display(v) for v in values]})
            section = title
    return TemplateResponse(request, "workflows/reports/statistics.html", {
        "form": form, "report": report, "rows": rows,
        "query": request.GET.urlencode(),
    })


def title_of(report: Report) -> str:
    return gettext("Statistics report of %(area)s, %(year)s (as of %(date)s)") % {
        "area": report.area.name, "year": report.year, "date": report.as_of.isoformat()}


def workbook_file(report: Report):
    """The report as an .xlsx (a temporary file): a title row, a header row (the line and
    each area), then every line with its section; numbers as numbers."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=str(report.year))
    sheet.append([title_of(report)])
    sheet.append([gettext("Section"), gettext("Line"),
                  *(f"{c.name} ({c.code})" for c in report.columns)])
    for section, label, values in report.rows(_language()):
        sheet.append([section, label, *("—" if v is None else v for v in values)])
    handle = tempfile.TemporaryFile()
    book.save(handle)
    handle.seek(0)
    return handle


def pdf_bytes(report: Report) -> bytes:
    """The report as a landscape A4 PDF: the same table, in the CJK font of the cards."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    from casework.printing import _font, issuer  # the registered CJK font's name

    font = _font()
    wide = len(report.columns) > 3
    size = 6 if wide else 8.5
    cell = ParagraphStyle("cell", fontName=font, fontSize=size, leading=size * 1.25)
    head = ParagraphStyle("head", parent=cell, textColor=colors.white)
    title = ParagraphStyle("title", fontName=font, fontSize=13, leading=17, spaceAfter=4 * mm)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=10 * mm,
                                 rightMargin=10 * mm, topMargin=10 * mm, bottomMargin=10 * mm,
                                 title=title_of(report), author=issuer())
    header = [Paragraph(gettext("Line"), head),
              *(Paragraph(c.name, head) for c in report.columns)]
    data = [header]
    section_rows = []
    current = None
    for section, label, values in report.rows(_language()):
        if section != current:
            section_rows.append(len(data))
            data.append([Paragraph(f"<b>{section}</b>", cell), *([""] * len(report.columns))])
            current = section
        data.append([Paragraph(label, cell), *(Paragraph(display(v), cell) for v in values)])
    width = landscape(A4)[0] - 20 * mm
    first = 62 * mm if wide else 90 * mm
    rest = (width - first) / max(1, len(report.columns))
    table = Table(data, colWidths=[first, *([rest] * len(report.columns))], repeatRows=1)
    style = [("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#8e2453")),
             ("GRID", (0, 0), (-1, -1), 0.25, colors.lightgrey),
             ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
    style += [("BACKGROUND", (0, row), (-1, row), colors.HexColor("#f3e5ec"))
              for row in section_rows]
    table.setStyle(TableStyle(style))
    document.build([Paragraph(title_of(report), title), table])
    return buffer.getvalue()


def _download(report: Report | None, form, request, kind: str):
    if report is None:
        return TemplateResponse(request, "workflows/reports/statistics.html", {
            "form": form, "report": None, "rows": [], "query": request.GET.urlencode()},
            status=400)
    name = f"statistics-{report.area.code}-{report.year}-{report.as_of:%Y%m%d}.{kind}"
    if kind == "xlsx":
        response = FileResponse(workbook_file(report), as_attachment=True, filename=name,
                                content_type=XLSX_TYPE)
    else:
        response = FileResponse(io.BytesIO(pdf_bytes(report)), as_attachment=True,
                                filename=name, content_type=PDF_TYPE)
    response["X-Content-Type-Options"] = "nosniff"
    add_never_cache_headers(response)
    return response


@reporting_only
def statistics_xlsx(request):
    form, report = _report(request)
    return _download(report, form, request, "xlsx")


@reporting_only
def statistics_pdf(request):
    form, report = _report(request)
    return _download(report, form, request, "pdf")
