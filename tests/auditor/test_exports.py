"""Exports of the search's events to CSV (streamed) and Excel (openpyxl, write-only):
their rows are the database's, every export is recorded with its purpose, and resident
identity and phone numbers never leave."""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from casework.models import AccessRecord, AuditEvent
from workflows.applications import services
from workflows.auditor import views as auditor

from .conftest import _open_task

URL = "/workflow/auditor/export.{kind}"
PURPOSE = "2026年度专项审计抽查"


def expected_rows(prefix="330703", **filters):
    """The events as the database holds them, newest first (computed here, not by the
    code under test)."""
    rows = []
    events = (AuditEvent.objects.filter(case__area__code__startswith=prefix, **filters)
              .select_related("actor", "case__program", "case__area", "case__applicant")
              .order_by("-id"))
    for e in events:
        actor = e.actor.username if e.actor else ""
        rows.append([e.pk, e.case_id, e.seq, timezone.localtime(e.at).isoformat(), actor,
                     actor or auditor.actor_name(None), e.action, e.from_status, e.to_status,
                     e.case.program.code, e.case.area_id, e.case.area.name,
                     e.case.applicant.name,
                     json.dumps(e.detail, ensure_ascii=False, sort_keys=True) if e.detail
                     else "", e.prev_hash, e.hash])
    return rows


def export(client, user, kind, **params):
    client.force_login(user)
    response = client.get(URL.format(kind=kind), {"purpose": PURPOSE, **params})
    assert response.status_code == 200, response.status_code
    return response


def csv_rows(response):
    assert response.streaming and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(text)))
    return header, rows


def xlsx_rows(response):
    assert response["Content-Type"] == auditor.XLSX_TYPE
    data = b"".join(response.streaming_content)
    book = load_workbook(io.BytesIO(data), read_only=True)
    sheet = book.worksheets[0]
    header, *rows = [["" if v is None else v for v in row]
                     for row in sheet.iter_rows(values_only=True)]
    return header, rows


def test_the_csv_export_is_the_database_rows(client, world, staff):
    response = export(client, staff["auditor"], "csv")
    assert "attachment" in response["Content-Disposition"] and ".csv" in (
        response["Content-Disposition"])
    header, rows = csv_rows(response)
    assert len(header) == len(auditor.EXPORT_COLUMNS)
    assert rows == [[str(v) for v in row] for row in expected_rows()]
    assert rows  # the world's events


def test_the_excel_export_is_the_database_rows(client, world, staff):
    response = export(client, staff["district"], "xlsx")
    assert "attachment" in response["Content-Disposition"] and ".xlsx" in (
        response["Content-Disposition"])
    header, rows = xlsx_rows(response)
    assert len(header) == len(auditor.EXPORT_COLUMNS)
    assert rows == expected_rows() and rows


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_an_export_follows_the_filters_and_the_scope(client, world, staff, far, kind):
    read = csv_rows if kind == "csv" else xlsx_rows
    _, rows = read(export(client, staff["auditor"], kind, program="health_check"))
    expected = expected_rows(case__program__code="health_check")
    assert rows == ([[str(v) for v in row] for row in expected] if kind == "csv" else expected)
    assert {row[1] for row in rows} == ({str(world["v21"].pk)} if kind == "csv"
                                        else {world["v21"].pk})
    # the other district's auditor exports only the other district
    _, rows = read(export(client, far["auditor"], kind))
    ids = {int(row[1]) for row in rows}
    assert ids == {world["far"].pk}


def test_exports_are_read_in_chunks(client, world, staff, monkeypatch):
    """The CSV is written as the chunks are read: the response starts before the events
    are read, one statement per chunk of ``EXPORT_CHUNK``."""
    monkeypatch.setattr(auditor, "EXPORT_CHUNK", 2)
    expected = expected_rows()
    response = export(client, staff["auditor"], "csv")
    with CaptureQueriesContext(connection) as queries:
        _, rows = csv_rows(response)
    assert rows == [[str(v) for v in row] for row in expected]
    chunks = [q for q in queries.captured_queries if "casework_auditevent" in q["sql"]]
    assert len(chunks) == len(expected) // 2 + 1  # one statement per chunk


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_every_export_is_recorded_with_its_purpose(client, world, staff, kind):
    before = AccessRecord.objects.count()
    export(client, staff["auditor"], kind, area="330703001", case=world["v11"].pk)
    record = AccessRecord.objects.latest("id")
    assert AccessRecord.objects.count() == before + 1
    assert record.user == staff["auditor"] and record.kind == AccessRecord.Kind.EXPORT
    assert record.purpose == PURPOSE and record.case == world["v11"]
    assert kind in record.object_ref and "area=330703001" in record.object_ref
    assert record.path.startswith(URL.format(kind=kind))


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_no_purpose_no_export(client, world, staff, kind):
    client.force_login(staff["auditor"])
    before = AccessRecord.objects.count()
    for params in ({}, {"purpose": ""}, {"purpose": "  x "}):
        response = client.get(URL.format(kind=kind), {"program": "health_check", **params})
        assert response.status_code == 200
        assert not getattr(response, "streaming", False)
        assert response.templates[0].name == "workflows/auditor/export.html"
        body = response.content.decode()
        assert 'name="purpose"' in body and 'value="health_check"' in body
    assert AccessRecord.objects.count() == before


def test_filters_that_do_not_hold_export_nothing(client, world, staff):
    client.force_login(staff["auditor"])
    response = client.get(URL.format(kind="csv"), {"purpose": PURPOSE, "area": "330704"})
    assert response.status_code == 200 and not getattr(response, "streaming", False)
    assert response.context["form"].errors["area"]
    assert not AccessRecord.objects.filter(kind=AccessRecord.Kind.EXPORT).exists()


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_resident_ids_and_phones_never_leave(client, world, staff, kind):
    case = world["v21"]
    applicant = case.applicant
    reason = f"请核实：身份证{applicant.id_number}，电话{applicant.phone}"
    services.decide(actor=world["v21_reviewer"], task_id=_open_task(case).pk,
                    decision="return", reason=reason)
    response = export(client, staff["auditor"], kind, case=case.pk)
    content = (b"".join(response.streaming_content) if kind == "csv" else
               json.dumps(xlsx_rows(response), ensure_ascii=False, default=str).encode())
    text = content.decode("utf-8-sig")
    assert applicant.id_number not in text and applicant.phone not in text
    assert auditor.mask_text(applicant.id_number) in text
    assert applicant.id_number[:6] + "*" * 8 + applicant.id_number[-4:] in text
    assert applicant.phone[:3] + "****" + applicant.phone[-4:] in text
    assert applicant.name in text  # names are kept
    # nor on the search page
    client.force_login(staff["auditor"])
    page = client.get("/workflow/auditor/", {"case": case.pk}).content.decode()
    assert applicant.id_number not in page and applicant.phone not in page


def test_masking_finds_numbers_inside_text():
    text = "身份证330703195504020011与13812345678,订单20260101123456789012不是号码"
    masked = auditor.mask_text(text)
    assert "330703********0011" in masked and "138****5678" in masked
    assert "20260101123456789012" in masked  # 20 digits: not an identity number


def test_a_cell_is_never_a_formula():
    assert auditor._cell("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    assert auditor._cell("-1") == "'-1" and auditor._cell(-1) == -1
    assert auditor._cell("王大爷") == "王大爷"


def test_the_search_page_offers_the_export_with_its_filters(client, world, staff):
    client.force_login(staff["auditor"])
    today = timezone.localdate()
    body = client.get("/workflow/auditor/", {"program": "health_check",
                                             "date_from": today - timedelta(days=1),
                                             "after": 999}).content.decode()
    assert 'action="/workflow/auditor/export.csv"' in body
    assert 'formaction="/workflow/auditor/export.xlsx"' in body
    assert '<input type="hidden" name="program" value="health_check">' in body
    assert 'name="after"' not in body.split('class="wf-export"')[1].split("</form>")[0]
