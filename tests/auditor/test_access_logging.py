"""Read access to documents and health data is recorded (``record_access``): each
document served (kind ``document``) and each staff case file of an annual health check
(kind ``health``), with a purpose derived from the viewer's role and the case."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import translation

from casework.models import AccessRecord
from workflows.applications import services
from workflows.documents import access_purpose

from .conftest import _open_task

PDF = b"%PDF-1.4 a medical record"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def document(world, staff):
    return services.add_document(actor=staff["village"], case=world["v11"],
                                 kind="medical_record",
                                 file=SimpleUploadedFile("record.pdf", PDF))


def records(kind):
    return list(AccessRecord.objects.filter(kind=kind).order_by("id"))


@pytest.mark.parametrize("role", ["village", "township", "district", "auditor"])
def test_every_document_view_is_recorded(client, document, staff, world, role):
    client.force_login(staff[role])
    for _ in range(2):
        response = client.get(f"/documents/{document.pk}/")
        assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    found = records(AccessRecord.Kind.DOCUMENT)
    assert len(found) == 2
    record = found[0]
    assert record.user == staff[role] and record.case == world["v11"]
    assert record.object_ref == f"document:{document.pk} medical_record"
    assert record.purpose == access_purpose(staff[role], world["v11"].pk)
    assert str(world["v11"].pk) in record.purpose
    assert record.path == f"/documents/{document.pk}/"


def test_the_purpose_follows_the_role_and_is_written_in_chinese(staff, world):
    case = world["v11"].pk
    with translation.override("en"):
        purposes = {role: access_purpose(staff[role], case)
                    for role in ("village", "township", "district", "auditor")}
    assert len(set(purposes.values())) == 4
    assert all(f"#{case}" in p for p in purposes.values())
    with override_settings(LANGUAGE_CODE="en"):
        assert access_purpose(staff["village"], case) == f"village review of case #{case}"


def test_a_refused_or_missing_document_is_not_recorded(client, document, staff, far):
    client.force_login(far["auditor"])
    assert client.get(f"/documents/{document.pk}/").status_code == 404
    client.force_login(staff["auditor"])
    assert client.get(f"/documents/{document.pk + 100}/").status_code == 404
    client.logout()
    assert client.get(f"/documents/{document.pk}/").status_code == 302
    assert records(AccessRecord.Kind.DOCUMENT) == []


def test_a_head_request_shows_nothing_and_is_not_recorded(client, document, staff):
    client.force_login(staff["village"])
    assert client.head(f"/documents/{document.pk}/").status_code == 200
    assert records(AccessRecord.Kind.DOCUMENT) == []


def test_the_family_looking_at_its_own_document_is_recorded_too(client, programs,
                                                                family_home):
    case = services.submit_application(actor=family_home["user"],
                                       household=family_home["household"],
                                       program=programs["medical_discount"],
                                       applicant=family_home["applicant"])
    doc = services.add_document(actor=family_home["user"], case=case, kind="id_card",
                                file=SimpleUploadedFile("id.pdf", PDF))
    client.force_login(family_home["user"])
    assert client.get(f"/documents/{doc.pk}/").status_code == 200
    (record,) = records(AccessRecord.Kind.DOCUMENT)
    assert record.user == family_home["user"] and record.case == case
    assert record.purpose == access_purpose(family_home["user"], case.pk)


# --- health data --------------------------------------------------------------------------

def process_url(case):
    return f"/workflow/benefitapplication/{case.process.pk}/"


def task_url(case):
    task = _open_task(case)
    return (f"/workflow/benefitapplication/{case.process.pk}/{task.flow_task.name}/{task.pk}"
            "/detail/")


@pytest.mark.parametrize("page", [process_url, task_url])
def test_a_health_check_case_file_is_recorded_as_health_data(client, world, staff, page):
    case = world["v21"]  # a health check in v21
    client.force_login(staff["district"])
    response = client.get(page(case))
    assert response.status_code == 200 and response.context["case"] == case
    (record,) = records(AccessRecord.Kind.HEALTH)
    assert record.user == staff["district"] and record.case == case
    assert record.person == case.applicant
    assert record.purpose == access_purpose(staff["district"], case.pk)
    assert record.object_ref == f"case:{case.pk} facts"


def test_the_reviewer_deciding_a_health_check_is_recorded(client, world):
    case, reviewer = world["v21"], world["v21_reviewer"]
    task = _open_task(case)
    client.force_login(reviewer)
    assign = f"/workflow/benefitapplication/{case.process.pk}/village_review/{task.pk}/assign/"
    assert client.get(assign).status_code == 200
    assert [r.user for r in records(AccessRecord.Kind.HEALTH)] == [reviewer]


def test_other_programs_case_files_are_not_health_data(client, world, staff):
    client.force_login(staff["district"])
    assert client.get(process_url(world["v11"])).status_code == 200
    assert records(AccessRecord.Kind.HEALTH) == []


def test_a_health_check_outside_the_area_is_neither_shown_nor_recorded(client, world, staff):
    client.force_login(staff["village"])  # v11's reviewer; the health check is in v21
    assert client.get(process_url(world["v21"])).status_code == 404
    assert records(AccessRecord.Kind.HEALTH) == []


def test_the_api_case_detail_of_a_health_check_is_recorded_for_staff(world, staff):
    from rest_framework.test import APIClient

    case = world["v21"]
    client = APIClient()
    client.force_authenticate(staff["district"])
    assert client.get(f"/api/v1/cases/{case.pk}/").status_code == 200
    (record,) = records(AccessRecord.Kind.HEALTH)
    assert record.user == staff["district"] and record.path == f"/api/v1/cases/{case.pk}/"
    client.force_authenticate(staff["district"])
    assert client.get(f"/api/v1/cases/{world['v11'].pk}/").status_code == 200  # not health
    assert len(records(AccessRecord.Kind.HEALTH)) == 1
