"""A case's documents at /documents/<id>/: served to whoever may see the case, 404 to
everyone else, shown in the browser for photos and PDF files, downloaded otherwise.

Needs ``path("documents/", include("workflows.documents"))`` in ``config.urls``.
"""

import re
from datetime import date
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from casework.models import Document, Household
from tests import factories as f
from workflows.applications import services
from workflows.documents import DOCUMENT_KINDS, INLINE_TYPES, kind_label
from workflows.family.forms import ALLOWED_SUFFIXES, DocumentForm

JPEG = b"\xff\xd8\xff\xe0 a photo of an identity card"
PDF = b"%PDF-1.4 a certificate"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def case(programs, family_home):
    return services.submit_application(actor=family_home["user"],
                                       household=family_home["household"],
                                       program=programs["medical_discount"],
                                       applicant=family_home["applicant"])


def add(case, actor, name, content, kind="id_card"):
    return services.add_document(actor=actor, case=case, kind=kind,
                                 file=SimpleUploadedFile(name, content))


def url(document):
    return f"/documents/{document.pk}/"


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def photo(case, family_home):
    return add(case, family_home["user"], "id-front.jpg", JPEG)


def test_the_url_is_installed_at_documents(photo):
    assert reverse("documents:download", args=[photo.pk]) == url(photo)


@pytest.mark.parametrize("role", ["family", "village", "township", "district", "auditor"])
def test_who_may_see_the_case_gets_the_file(client, photo, family_home, staff, role):
    user = family_home["user"] if role == "family" else staff[role]
    client.force_login(user)
    response = client.get(url(photo))
    assert response.status_code == 200
    assert body(response) == JPEG
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == 'inline; filename="id-front.jpg"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("role", ["village_other", "township_other"])
def test_staff_of_another_area_get_404(client, photo, staff, role):
    client.force_login(staff[role])
    assert client.get(url(photo)).status_code == 404


def test_another_family_gets_404(client, photo, areas):
    other = f.household(areas["v11"], second_birth_renounced_date=date(1985, 3, 1))
    client.force_login(f.user("family", areas["v11"], household=other))
    assert client.get(url(photo)).status_code == 404


def test_a_family_account_without_household_gets_404(client, photo, areas):
    client.force_login(f.user("family", areas["v11"]))
    assert client.get(url(photo)).status_code == 404


def test_anonymous_users_are_sent_to_the_login_page(client, photo):
    response = client.get(url(photo))
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={quote(url(photo))}"


def test_a_missing_document_or_file_is_404(client, photo, family_home):
    client.force_login(family_home["user"])
    assert client.get(f"/documents/{photo.pk + 1000}/").status_code == 404
    photo.file.storage.delete(photo.file.name)
    assert client.get(url(photo)).status_code == 404


def test_only_get_and_head(client, photo, family_home):
    client.force_login(family_home["user"])
    assert client.head(url(photo)).status_code == 200
    assert client.post(url(photo)).status_code == 405


def test_pdf_opens_in_the_browser_with_a_quoted_chinese_name(client, case, family_home):
    document = add(case, family_home["user"], "独生子女 证.pdf", PDF,
                   kind="one_child_certificate")
    client.force_login(family_home["user"])
    response = client.get(url(document))
    assert body(response) == PDF
    assert response["Content-Type"] == "application/pdf"
    # offered under the name it came with; stored under a random one
    assert response["Content-Disposition"] == f"inline; filename*=utf-8''{quote('独生子女 证.pdf')}"
    assert "独生子女" not in document.file.name


@pytest.mark.parametrize("name", ["page.html", "drawing.svg", "notes.txt", "noextension"])
def test_anything_else_is_a_download_never_rendered(client, case, staff, name):
    # the API takes any file; the page must not turn one into HTML or script
    document = add(case, staff["village"], name, b"<script>alert(1)</script>", kind="other")
    client.force_login(staff["village"])
    response = client.get(url(document))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert response["X-Content-Type-Options"] == "nosniff"


# --- one list of kinds, with labels ------------------------------------------------------

def test_the_upload_form_offers_the_shared_kinds():
    assert DocumentForm().fields["kind"].choices == list(DOCUMENT_KINDS)
    assert set(ALLOWED_SUFFIXES) <= set(INLINE_TYPES)


def test_kinds_read_as_labels_in_the_active_language():
    with translation.override("en"):
        assert kind_label("id_card") == "Resident identity card"
    with translation.override("zh-hans"):
        assert kind_label("id_card") not in ("id_card", "Resident identity card")
    assert kind_label("something_else") == "something_else"  # an unknown code as it is


def test_a_township_approver_sees_every_village_of_the_township(client, staff, programs,
                                                                areas):
    # a case in the township's other village: its approver gets the file, the first
    # village's reviewer does not
    household = f.household(areas["v12"], second_birth_renounced_date=date(1985, 3, 1))
    applicant = f.person(household, name="钱六", birth=date(1955, 4, 2))
    reviewer = f.user("village_reviewer", areas["v12"])
    other = services.submit_application(actor=reviewer,
                                        household=Household.objects.get(pk=household.pk),
                                        program=programs["medical_discount"],
                                        applicant=applicant)
    document = add(other, reviewer, "x.png", b"\x89PNG\r\n\x1a\n")
    assert Document.objects.filter(case=other).count() == 1
    client.force_login(staff["township"])
    assert client.get(url(document)).status_code == 200
    client.force_login(staff["village"])
    assert client.get(url(document)).status_code == 404


def test_a_stored_document_has_a_random_name_not_the_familys(programs, family_home, settings,
                                                             tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    case = services.submit_application(
        actor=family_home["user"], household=family_home["household"],
        program=programs["medical_discount"], applicant=family_home["applicant"])
    upload = SimpleUploadedFile("王大爷 330703195504020011.JPG", b"\xff\xd8\xff\xe0" + b"0" * 64)
    document = services.add_document(actor=family_home["user"], case=case, kind="id_card",
                                     file=upload)
    stored = document.file.name
    assert "王大爷" not in stored and "330703" not in stored
    assert re.fullmatch(r"documents/\d{4}/\d{2}/[0-9a-f]{32}\.jpg", stored), stored
