"""The family pages: phone-friendly, scoped to the family's own household, no JavaScript."""

import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

from casework.models import AuditEvent, Case, CaseStatus, Document
from tests import factories as f
from tests.support.journey import open_task, submit
from workflows.applications import services
from workflows.documents import kind_label
from workflows.family.views import home_redirect

pytestmark = pytest.mark.django_db

HOME = "/family/"
APPLY = "/family/apply/"


def case_url(case, suffix=""):
    return f"/family/cases/{case.pk}/{suffix}"


@pytest.fixture
def family_client(client, family_home):
    client.force_login(family_home["user"])
    return client


@pytest.fixture
def other_case(programs, areas):
    """A case of another household in another township's village."""
    hh = f.household(areas["v21"])
    person = f.person(hh, name="赵四")
    account = f.user("family", areas["v21"], household=hh)
    return services.submit_application(actor=account, household=hh,
                                       program=programs["medical_discount"], applicant=person)


@pytest.fixture
def returned_case(programs, family_home, staff):
    case = submit(programs, family_home)
    services.decide(actor=staff["village"], task_id=open_task(case).pk, decision="return",
                    reason="缺少证明")
    case.refresh_from_db()
    assert case.status == CaseStatus.RETURNED
    return case


def text(response) -> str:
    return response.content.decode()


def assert_phone_page(response):
    body = text(response)
    assert response.status_code == 200
    assert '<meta name="viewport"' in body
    assert "<script" not in body.lower()
    assert "http://" not in body and "https://" not in body  # no CDN assets
    assert 'action="/i18n/setlang/"' in body


# --- login and landing -------------------------------------------------------

def test_login_page_renders_phone_friendly_in_chinese(client, db):
    response = client.get("/accounts/login/?next=/family/")
    assert_phone_page(response)
    body = text(response)
    assert '<html lang="zh-hans">' in body
    assert 'name="language" value="en"' in body
    assert 'name="next" value="/family/"' in body
    assert 'type="password"' in body


def test_login_with_next_lands_on_family_pages(client, family_home):
    response = client.post("/accounts/login/", {
        "username": family_home["user"].username, "password": "pw-Test-12345",
        "next": "/family/"})
    assert response.status_code == 302
    assert response.url == HOME
    assert client.get(HOME).status_code == 200


def test_wrong_password_shows_an_error(client, family_home):
    response = client.post("/accounts/login/", {
        "username": family_home["user"].username, "password": "wrong"})
    assert response.status_code == 200
    assert 'role="alert"' in text(response)


def test_home_redirect_sends_families_to_family_pages_and_staff_to_workflow(
        family_home, staff):
    rf = RequestFactory()
    request = rf.get("/")
    request.user = family_home["user"]
    assert home_redirect(request).url == HOME
    request.user = staff["village"]
    assert home_redirect(request).url == "/workflow/"
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    assert home_redirect(request).url.startswith("/accounts/login/")


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(HOME)
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/family/"


@pytest.mark.parametrize("who", ["village", "township", "auditor"])
def test_staff_are_redirected_to_the_workflow_ui(client, staff, programs, family_home, who):
    case = submit(programs, family_home)
    client.force_login(staff[who])
    for url in (HOME, APPLY, case_url(case), case_url(case, "withdraw/")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url == "/workflow/"
    case.refresh_from_db()
    assert case.status == CaseStatus.VILLAGE_REVIEW


# --- home: only my household ---------------------------------------------------

def test_home_lists_only_my_households_cases(family_client, programs, family_home, other_case):
    mine = submit(programs, family_home)
    response = family_client.get(HOME)
    assert_phone_page(response)
    body = text(response)
    assert case_url(mine) in body
    assert "一免二优六减半医疗优惠" in body
    assert mine.applicant.name in body
    assert mine.application_date.strftime("%Y-%m-%d") in body
    assert reverse("family:apply") in body
    assert case_url(other_case) not in body
    assert "赵四" not in body


def test_another_households_case_is_404_everywhere(family_client, other_case):
    assert family_client.get(case_url(other_case)).status_code == 404
    assert family_client.get(case_url(other_case, "withdraw/")).status_code == 404
    assert family_client.post(case_url(other_case, "withdraw/")).status_code == 404
    assert family_client.post(case_url(other_case, "resubmit/"),
                              {"statement": "x"}).status_code == 404
    upload = SimpleUploadedFile("a.jpg", b"jpeg", content_type="image/jpeg")
    assert family_client.post(case_url(other_case, "documents/"),
                              {"kind": "id_card", "file": upload}).status_code == 404
    other_case.refresh_from_db()
    assert other_case.status == CaseStatus.VILLAGE_REVIEW
    assert not Document.objects.filter(case=other_case).exists()


def test_home_without_household_says_so(client, areas):
    client.force_login(f.user("family", areas["v11"]))
    response = client.get(HOME)
    assert response.status_code == 200
    assert reverse("family:apply") not in text(response)
    assert client.get(APPLY).status_code == 302


# --- applying ------------------------------------------------------------------

def test_apply_shows_precheck_then_submits(family_client, programs, family_home):
    response = family_client.get(APPLY)
    assert_phone_page(response)
    body = text(response)
    assert "一免二优六减半医疗优惠" in body
    assert family_home["applicant"].name in body
    assert "李大妈" in body  # the other member of the household

    choice = {"program": programs["medical_discount"].pk,
              "applicant": family_home["applicant"].pk, "statement": "请审核"}
    response = family_client.post(APPLY, {**choice, "check": "1"})
    assert_phone_page(response)
    body = text(response)
    assert "✓" in body
    assert 'name="confirm"' in body
    assert "：是" in body  # the criteria reasons, in Chinese by default
    assert not Case.objects.exists()  # the pre-check stores nothing

    # without ticking the consent box nothing is sent, and the box is named
    response = family_client.post(APPLY, {**choice, "confirm": "1"})
    assert response.status_code == 200 and not Case.objects.exists()
    assert "请勾选" in text(response)

    response = family_client.post(APPLY, {**choice, "confirm": "1", "consent": "on"})
    case = Case.objects.get()
    assert case.consent_at is not None and case.legal_basis == "consent"
    assert case.consent_text == services.CONSENT_NOTICE
    assert response.status_code == 302
    assert response.url == case_url(case)
    assert case.status == CaseStatus.VILLAGE_REVIEW
    assert case.filed_by == family_home["user"]
    assert case.statement == "请审核"
    assert not case.on_behalf

    page = family_client.get(response.url)
    assert_phone_page(page)
    assert "一免二优六减半医疗优惠" in text(page)


def test_precheck_shows_failed_criteria_with_a_cross(family_client, programs, family_home):
    # the spouse, born 1957, is fine, but a household without renunciation fails the pension
    hh = family_home["household"]
    hh.second_birth_renounced_date = None
    hh.save()
    response = family_client.post(APPLY, {"program": programs["pension_subsidy"].pk,
                                          "applicant": family_home["applicant"].pk,
                                          "check": "1"})
    body = text(response)
    assert response.status_code == 200
    assert "✗" in body
    assert 'class="verdict no"' in body


def test_back_from_precheck_keeps_the_choices(family_client, programs, family_home):
    response = family_client.post(APPLY, {"program": programs["health_check"].pk,
                                          "applicant": family_home["applicant"].pk,
                                          "edit": "1"})
    body = text(response)
    assert response.status_code == 200
    assert f'value="{programs["health_check"].pk}"' in body
    assert "checked" in body
    assert not Case.objects.exists()


def test_apply_requires_choices_and_names_the_fields(family_client, programs):
    response = family_client.post(APPLY, {"check": "1"})
    body = text(response)
    assert response.status_code == 200
    assert 'class="error-box"' in body
    assert body.count('class="field-error"') == 2


def test_cannot_apply_for_someone_outside_the_household(family_client, programs, other_case):
    response = family_client.post(APPLY, {"program": programs["medical_discount"].pk,
                                          "applicant": other_case.applicant_id,
                                          "confirm": "1", "consent": "on"})
    assert response.status_code == 200
    assert 'class="field-error"' in text(response)
    assert Case.objects.count() == 1


def test_duplicate_application_is_a_form_error_on_the_program(family_client, programs,
                                                              family_home):
    submit(programs, family_home)
    response = family_client.post(APPLY, {"program": programs["medical_discount"].pk,
                                          "applicant": family_home["applicant"].pk,
                                          "confirm": "1", "consent": "on"})
    body = text(response)
    assert response.status_code == 200
    assert 'class="field has-error"' in body  # the program field carries the error
    assert Case.objects.count() == 1


# --- the case page ---------------------------------------------------------------

def test_case_page_shows_timeline_in_shanghai_time_and_reasons(family_client, programs,
                                                               family_home):
    case = submit(programs, family_home)
    response = family_client.get(case_url(case))
    assert_phone_page(response)
    body = text(response)
    first = AuditEvent.objects.filter(case=case).order_by("seq").first()
    assert timezone.localtime(first.at).strftime("%Y-%m-%d %H:%M") in body
    assert str(timezone.get_current_timezone()) == "Asia/Shanghai"
    assert "enter_village_review" not in body  # actions are shown by name, not code
    for criterion in case.eligibility["criteria"]:
        assert criterion["reason_zh"] in body
    assert case_url(case, "withdraw/") in body
    assert case_url(case, "documents/") in body
    assert 'enctype="multipart/form-data"' in body
    assert case_url(case, "resubmit/") not in body  # not returned


def test_withdraw_asks_first_then_withdraws(family_client, programs, family_home):
    case = submit(programs, family_home)
    response = family_client.get(case_url(case, "withdraw/"))
    assert_phone_page(response)
    case.refresh_from_db()
    assert case.status == CaseStatus.VILLAGE_REVIEW  # GET changes nothing

    response = family_client.post(case_url(case, "withdraw/"), {"reason": "不需要了"})
    assert response.status_code == 302
    assert response.url == case_url(case)
    case.refresh_from_db()
    assert case.status == CaseStatus.WITHDRAWN

    body = text(family_client.get(case_url(case)))
    assert "不需要了" in body
    assert case_url(case, "withdraw/") not in body
    assert case_url(case, "documents/") not in body
    # a closed case: the confirmation page sends the family back
    assert family_client.get(case_url(case, "withdraw/")).status_code == 302


def test_returned_case_shows_reason_and_resubmits(family_client, returned_case):
    case = returned_case
    response = family_client.get(case_url(case))
    assert_phone_page(response)
    body = text(response)
    assert "缺少证明" in body
    assert case_url(case, "resubmit/") in body
    assert 'name="statement"' in body

    response = family_client.post(case_url(case, "resubmit/"), {"statement": "已补交户口本"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.VILLAGE_REVIEW
    assert case.statement == "已补交户口本"
    body = text(family_client.get(case_url(case)))
    assert case_url(case, "resubmit/") not in body
    assert "缺少证明" in body  # still in the decisions and the history


def test_resubmitting_an_open_unreturned_case_is_an_error(family_client, programs,
                                                         family_home):
    case = submit(programs, family_home)
    response = family_client.post(case_url(case, "resubmit/"), {"statement": "x"},
                                  follow=True)
    assert response.redirect_chain[-1][0] == case_url(case)
    assert 'class="message error"' in text(response)
    case.refresh_from_db()
    assert case.status == CaseStatus.VILLAGE_REVIEW


def test_rejected_case_shows_the_reason(family_client, programs, family_home, staff):
    case = submit(programs, family_home)
    services.decide(actor=staff["village"], task_id=open_task(case).pk, decision="reject",
                    reason="不符合条件")
    body = text(family_client.get(case_url(case)))
    assert "不符合条件" in body
    assert 'class="reason-box rejected"' in body
    assert case_url(case, "withdraw/") not in body


def test_granted_case_shows_the_entitlement(family_client, programs, family_home, staff):
    case = submit(programs, family_home)
    services.decide(actor=staff["village"], task_id=open_task(case).pk, decision="approve")
    services.decide(actor=staff["township"], task_id=open_task(case).pk, decision="approve")
    case.refresh_from_db()
    body = text(family_client.get(case_url(case)))
    assert case.entitlement.number in body
    assert case.entitlement.valid_to.strftime("%Y-%m-%d") in body


def test_upload_a_document(family_client, programs, family_home, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = submit(programs, family_home)
    upload = SimpleUploadedFile("hukou.jpg", b"\xff\xd8\xff fake jpeg",
                                content_type="image/jpeg")
    response = family_client.post(case_url(case, "documents/"),
                                  {"kind": "household_register", "file": upload,
                                   "description": "户口本首页"})
    assert response.status_code == 302
    document = Document.objects.get(case=case)
    assert document.kind == "household_register"
    assert document.uploaded_by == family_home["user"]
    body = text(family_client.get(case_url(case)))
    assert "户口本首页" in body
    assert "Household register" in body or "户口" in body


def test_documents_are_listed_with_their_label_and_open_from_the_page(family_client, programs,
                                                                      family_home, settings,
                                                                      tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = submit(programs, family_home)
    content = b"\xff\xd8\xff an identity card"
    family_client.post(case_url(case, "documents/"), {
        "kind": "id_card", "file": SimpleUploadedFile("id.jpg", content,
                                                      content_type="image/jpeg")})
    document = Document.objects.get(case=case)
    with translation.override("zh-hans"):
        label = str(kind_label("id_card"))
    assert label != "id_card"
    page = family_client.get(case_url(case))
    assert_phone_page(page)
    link = re.compile(rf'<a href="/documents/{document.pk}/"[^>]*>{re.escape(label)}</a>')
    assert link.search(text(page))
    response = family_client.get(f"/documents/{document.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Disposition"].startswith("inline;")


def test_upload_rejects_other_file_types_naming_the_field(family_client, programs,
                                                          family_home, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = submit(programs, family_home)
    upload = SimpleUploadedFile("virus.exe", b"MZ", content_type="application/octet-stream")
    response = family_client.post(case_url(case, "documents/"),
                                  {"kind": "other", "file": upload})
    assert response.status_code == 200
    assert 'class="field-error"' in text(response)
    assert not Document.objects.exists()


# --- language ------------------------------------------------------------------

def test_english_is_a_switch_away(family_client, programs, family_home):
    case = submit(programs, family_home)
    body = text(family_client.get(case_url(case)))
    assert '<html lang="zh-hans">' in body
    assert "一免二优六减半医疗优惠" in body

    response = family_client.post("/i18n/setlang/", {"language": "en",
                                                     "next": case_url(case)})
    assert response.status_code == 302
    assert response.url == case_url(case)
    body = text(family_client.get(case_url(case)))
    assert '<html lang="en">' in body
    assert "Medical fee discount card" in body
    assert "Application submitted" in body
    assert ": yes" in body  # the criteria reasons in English
    assert "：是" not in body

    body = text(family_client.get(HOME))
    assert "Apply for a benefit" in body


def test_all_pages_work_without_javascript(family_client, returned_case):
    for url in (HOME, APPLY, case_url(returned_case), case_url(returned_case, "withdraw/")):
        assert_phone_page(family_client.get(url))


def test_application_date_is_shown(family_client, programs, family_home):
    case = services.submit_application(actor=family_home["user"],
                                       household=family_home["household"],
                                       program=programs["medical_discount"],
                                       applicant=family_home["applicant"], on=date(2024, 2, 29))
    assert "2024-02-29" in text(family_client.get(HOME))
    assert "2024-02-29" in text(family_client.get(case_url(case)))


def test_upload_to_a_closed_case_is_refused_with_a_message(family_client, programs,
                                                           family_home, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = submit(programs, family_home)
    services.withdraw(actor=family_home["user"], case=case)
    upload = SimpleUploadedFile("a.pdf", b"%PDF-1.4", content_type="application/pdf")
    response = family_client.post(case_url(case, "documents/"),
                                  {"kind": "other", "file": upload}, follow=True)
    assert response.redirect_chain[-1][0] == case_url(case)
    assert 'class="message error"' in text(response)
    assert not Document.objects.exists()


def test_home_flags_a_returned_case(family_client, returned_case):
    body = text(family_client.get(HOME))
    assert "status-returned" in body
    assert 'class="card-action"' in body


def test_language_cookie_switches_the_login_page(client, db, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = text(client.get("/accounts/login/"))
    assert '<html lang="en">' in body
    assert "Log in" in body
    assert 'class="lang current" aria-pressed="true">English' in body


def test_a_returned_case_can_be_withdrawn(family_client, returned_case):
    response = family_client.post(case_url(returned_case, "withdraw/"))
    assert response.status_code == 302
    returned_case.refresh_from_db()
    assert returned_case.status == CaseStatus.WITHDRAWN
    assert case_url(returned_case, "resubmit/") not in text(
        family_client.get(case_url(returned_case)))
