"""The report pages in the staff site: who may open them, the tables and charts they show
(the same numbers as ``build_report``), and the Excel export (the same cells again)."""

import io
import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook

from casework.models import AccessRecord
from workflows.reports import views as report_views

from .conftest import PERIOD

URL = "/workflow/reports/"
EXPORT = "/workflow/reports/export.xlsx"


class Tables(HTMLParser):
    """{table key: {row key: {column key: text}}} of the page's report tables."""

    def __init__(self):
        super().__init__()
        self.tables: dict = {}
        self._table = self._row = self._column = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "data-report" in attrs:
            self._table = self.tables.setdefault(attrs["data-report"], {})
        elif tag == "tr" and self._table is not None and "data-row" in attrs:
            self._row = self._table.setdefault(attrs["data-row"], {})
        elif tag == "td" and self._row is not None and "data-column" in attrs:
            self._column, self._text = attrs["data-column"], ""

    def handle_data(self, data):
        if self._column is not None:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "td" and self._column is not None:
            self._row[self._column] = self._text.strip()
            self._column = None
        elif tag == "tr":
            self._row = None
        elif tag == "table":
            self._table = None


def page(client, user, **params):
    client.force_login(user)
    response = client.get(URL, {**PERIOD, **params})
    assert response.status_code == 200, response.status_code
    return response


def page_tables(response) -> dict:
    parser = Tables()
    parser.feed(response.content.decode())
    return parser.tables


def shown(value) -> str:
    return report_views.display(value)


@pytest.mark.parametrize("who", ["t1", "district", "auditor", "admin"])
def test_staff_above_the_village_open_the_reports(client, world, who):
    response = page(client, world.users[who])
    assert world.users[who].area.name in response.content.decode()


def test_village_reviewers_families_and_strangers_are_refused(client, world):
    client.force_login(world.users["village"])
    assert client.get(URL).status_code == 403
    assert client.get(EXPORT).status_code == 403
    client.force_login(world.users["family"])
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"] == "/family/"
    client.logout()
    response = client.get(EXPORT)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_nothing_is_written_here(client, world):
    client.force_login(world.users["district"])
    assert client.post(URL, PERIOD).status_code == 403
    assert client.post(EXPORT, PERIOD).status_code == 403


def test_the_page_shows_the_reports_numbers(client, world):
    report = report_views.build_report(world.users["district"], report_views.Query(
        *(__import__("datetime").date.fromisoformat(PERIOD[k]) for k in ("date_from",
                                                                          "date_to"))))
    tables = page_tables(page(client, world.users["district"]))
    assert list(tables) == [t.key for t in report.tables]
    for table in report.tables:
        expected = {row: {col: shown(v) for col, v in cells.items()}
                    for row, cells in table.as_dict().items()}
        assert tables[table.key] == expected, table.key
    wg = str(world.programs["welfare_grant"].pk)
    assert tables["budget"][wg] == {"budget": "497000.00", "grants": "2",
                                    "granted": "8000.00", "remaining": "489000.00",
                                    "used": "1.6", "area_grants": "2",
                                    "area_granted": "8000.00"}
    assert tables["step_days"]["village_review"]["p90"] == "10.0"
    assert tables["step_days"]["family_revision"]["median"] == "—"


def test_a_township_page_shows_its_villages(client, world):
    tables = page_tables(page(client, world.users["t1"]))
    assert set(tables["status_area"]) == {"330703001001", "330703001002", "total"}
    assert tables["status_area"]["total"]["total"] == "10"
    content = page(client, world.users["t1"]).content.decode()
    assert "镇2" not in content and "村2-1" not in content


def test_charts_are_drawn_on_the_page_and_accessible(client, world):
    content = page(client, world.users["district"]).content.decode()
    charts = re.findall(r"<svg[^>]*>.*?</svg>", content, re.S)
    assert [re.search(r'data-table="(\w+)"', c).group(1) for c in charts] == [
        "status_program", "status_area", "approval_program", "approval_step", "step_days",
        "overdue_area", "overdue_step", "budget"]
    for chart in charts:
        assert 'role="img"' in chart and "<title" in chart and "<desc" in chart
        assert "aria-labelledby" in chart
    assert "<script" not in "".join(charts) and "http://" not in content.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")
    # the bars carry the table's numbers
    budget = next(c for c in charts if 'data-table="budget"' in c)
    wg = world.programs["welfare_grant"].pk
    assert f'data-row="{wg}" data-column="used" data-value="1.6"' in budget
    days = next(c for c in charts if 'data-table="step_days"' in c)
    assert 'data-row="village_review" data-column="p90" data-value="10.0"' in days


def test_the_definitions_are_on_the_page(client, world):
    content = page(client, world.users["district"]).content.decode()
    for definition in report_views.DEFINITIONS:
        assert str(definition).split(":")[0] in content


def xlsx(response):
    assert response["Content-Type"] == report_views.XLSX_TYPE
    data = b"".join(response.streaming_content)
    return load_workbook(io.BytesIO(data), read_only=True)


def test_the_excel_export_holds_the_pages_numbers(client, world):
    tables = page_tables(page(client, world.users["district"]))
    response = client.get(EXPORT, PERIOD)
    assert response.status_code == 200
    book = xlsx(response)
    report = report_views.build_report(world.users["district"], report_views.Query(
        *(__import__("datetime").date.fromisoformat(PERIOD[k]) for k in ("date_from",
                                                                          "date_to"))))
    assert len(book.sheetnames) == 1 + len(report.tables)
    for name, table in zip(book.sheetnames[1:], report.tables, strict=True):
        rows = [list(r) for r in book[name].iter_rows(values_only=True)]
        assert rows[0] == [table.row_header, *(c.label for c in table.columns)]
        body = rows[1:1 + len(table.rows) + (1 if table.total else 0)]
        page_rows = tables[table.key]
        assert len(body) == len(page_rows)
        for (key, cells), row in zip(page_rows.items(), body, strict=True):
            label, *values = row
            for (column, text), value in zip(cells.items(), values, strict=True):
                if text == "—":
                    assert value == "—", (table.key, key, column)
                else:
                    assert Decimal(text) == Decimal(str(value)), (table.key, key, column)
    # aggregate numbers, no one's personal data: no access record
    assert not AccessRecord.objects.exists()


def test_the_export_follows_the_filters(client, world):
    client.force_login(world.users["t1"])
    wg = world.programs["welfare_grant"]
    book = xlsx(client.get(EXPORT, {**PERIOD, "program": wg.pk}))
    cases = book[book.sheetnames[1]]
    rows = [list(r) for r in cases.iter_rows(values_only=True)]
    assert [r[0] for r in rows[1:]] == [wg.name_zh, report_views.gettext("Total")]
    assert rows[-1][-1] == 4  # t1's welfare-grant cases


def test_the_default_period_is_this_year(client, world):
    from django.utils import timezone

    client.force_login(world.users["district"])
    response = client.get(URL)
    assert response.status_code == 200
    year = timezone.localdate().year
    assert f"{year}-01-01" in response.content.decode()
    assert f"{year}-12-31" in response.content.decode()


def test_a_bad_period_is_the_forms_error(client, world):
    client.force_login(world.users["district"])
    response = client.get(URL, {"date_from": "2026-05-01", "date_to": "2026-04-01"})
    assert response.status_code == 200
    assert not page_tables(response)
    assert 'class="wf-errors"' in response.content.decode()
    response = client.get(URL, {"program": "not-a-program"})
    assert response.status_code == 200 and not page_tables(response)


def test_the_menu_shows_reports_to_those_who_may_read_them(client, world):
    client.force_login(world.users["district"])
    assert "/workflow/reports/" in client.get("/workflow/messages/").content.decode()
    client.force_login(world.users["village"])
    assert "/workflow/reports/" not in client.get("/workflow/messages/").content.decode()


def test_the_page_runs_the_same_statements_whatever_the_data(client, world,
                                                              django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from .conftest import more_data

    client.force_login(world.users["district"])
    client.get(URL, PERIOD)  # warm: the calendar, the menu
    with CaptureQueriesContext(connection) as small:
        page(client, world.users["district"])
    more_data(world, 3)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = page(client, world.users["district"])
    assert page_tables(response)["status_program"]["total"]["total"] == "64"
    with CaptureQueriesContext(connection) as small_export:
        client.get(EXPORT, PERIOD)
    more_data(world, 1)
    with django_assert_max_num_queries(len(small_export.captured_queries)):
        assert client.get(EXPORT, PERIOD).status_code == 200
