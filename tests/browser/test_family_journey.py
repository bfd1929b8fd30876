"""A benefit from application to verified card, through the pages, in a real browser (zh-hans).

A family applies for the medical-fee discount card (non-cash, approved by the township:
no public notice, no district step), the village reviewer returns it, the family reads why
on its timeline and resubmits, the village and the township approve; the family downloads
the card, whose QR link opens the public check (genuine, in force, the name masked); an
auditor (password and TOTP code) reads the case's whole trail, chain intact. Every page on
the way passes axe-core (no serious or critical violation), and the family's pages show no
untranslated English.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect
from viewflow.workflow.models import Task

from casework.models import AuditEvent, Case, CaseStatus
from eligibility.parameters import parameters_on
from tests.printing import pdfread
from tests.support.journey import open_task
from workflows.auditor.views import ACTIONS

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "pw-Test-12345"  # tests.factories.user
PROGRAM = "medical_discount"
RETURN_REASON = "请补充独生子女证复印件"
# a 1x1 white PNG: the document photo
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408"
    "d763f8ffff3f0005fe02fea7d6a4c80000000049454e44ae426082")
# English words that must not show on a zh-hans family page (the page's own text, not
# what the user typed or the data)
ENGLISH = re.compile(r"[A-Za-z]{3,}")
ALLOWED_LATIN = {"PDF", "PNG", "JPG", "JPEG", "English"}


def t(msgid: str) -> str:
    with translation.override("zh-hans"):
        return gettext(msgid)


def zh(lazy) -> str:
    """A lazy translation in zh-hans."""
    with translation.override("zh-hans"):
        return str(lazy)


def task_url(task: Task) -> str:
    return f"/workflow/benefitapplication/{task.process_id}/{task.flow_task.name}/{task.pk}/"


def wait_for_path(page, pattern: str):
    """Wait until the page's path (the query left out: a login URL's ``next`` names the
    page it leads to) matches ``pattern``."""
    page.wait_for_url(lambda url: re.search(pattern, urlsplit(url).path) is not None)


def log_in(page, user, *, next_url: str = "/"):
    page.goto(f"/accounts/login/?next={next_url}")
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name=t("Log in")).click()
    page.wait_for_url(lambda url: urlsplit(url).path != "/accounts/login/")


def untranslated(page) -> list[str]:
    """Latin words in a family page's own text (the header's user name left out), each
    with a little of the text around it."""
    text = page.locator(".site-name").inner_text() + "\n" + page.locator("main").inner_text()
    return sorted({text[max(m.start() - 12, 0):m.end() + 12].replace("\n", " ")
                   for m in ENGLISH.finditer(text) if m.group() not in ALLOWED_LATIN})


def take_and_decide(page, case, decision: str, reason: str, axe, label: str):
    """A reviewer takes the case's open task from the queue and records a decision."""
    task = open_task(case)
    page.goto("/workflow/benefitapplication/queue/")
    row_link = page.locator(f'a[href="{task_url(task)}"]').first
    expect(row_link).to_be_visible()
    axe.check(page, f"{label}: queue")
    row_link.click()
    wait_for_path(page, r"/assign/$")
    axe.check(page, f"{label}: assign page")
    page.get_by_role("button", name=t("Assign to me and open")).click()
    wait_for_path(page, r"/execute/$")
    axe.check(page, f"{label}: decision page")
    page.locator(f'input[name="decision"][value="{decision}"]').check()
    page.locator('textarea[name="reason"]').fill(reason)
    page.get_by_role("button", name=t("Record decision")).click()
    page.wait_for_url(lambda url: not urlsplit(url).path.endswith("/execute/"))
    page.goto("/workflow/benefitapplication/inbox/")
    axe.check(page, f"{label}: inbox")


def test_apply_return_resubmit_approve_print_verify_audit(open_page, axe, programs, areas,
                                                          family_home, staff):
    family = family_home["user"]
    applicant = family_home["applicant"]
    program = programs[PROGRAM]
    # the township decides last: no public notice, no district step
    parameters = parameters_on(program.pk, timezone.localdate())
    assert not program.is_cash and parameters["approval_level"] == "township"
    assert parameters["public_notice_days"] == 0
    english_seen: dict[str, list[str]] = {}

    def family_page_checks(page, label):
        axe.check(page, label)
        words = untranslated(page)
        if words:
            english_seen[label] = words

    # --- the family applies --------------------------------------------------------------
    home = open_page()
    home.goto("/family/")
    wait_for_path(home, r"/accounts/login/")
    expect(home.locator("html")).to_have_attribute("lang", "zh-hans")
    family_page_checks(home, "login")
    log_in(home, family, next_url="/family/")
    expect(home.get_by_role("heading", name=t("My applications"))).to_be_visible()
    family_page_checks(home, "family home")

    home.get_by_role("link", name=t("Apply for a benefit")).click()
    wait_for_path(home, r"/family/apply/$")
    family_page_checks(home, "apply")
    home.get_by_label(program.name_zh).check()
    home.get_by_label(re.compile(applicant.name)).check()
    home.get_by_label(t("Anything you want the reviewers to know (optional)")).fill(
        "家里老人需要就医")
    home.get_by_role("button", name=t("Next: check eligibility")).click()

    expect(home.get_by_role("heading", name=t("Check before you apply"))).to_be_visible()
    expect(home.locator(".criteria li").first).to_be_visible()
    family_page_checks(home, "pre-check")
    home.get_by_role("checkbox").check()
    home.get_by_role("button", name=t("Confirm and send the application")).click()
    wait_for_path(home, r"/family/cases/\d+/$")
    case = Case.objects.get(household=family_home["household"], program=program)
    assert case.status == CaseStatus.VILLAGE_REVIEW
    expect(home.locator(".summary .status")).to_have_text(zh(case.get_status_display()))

    # a photo of a document
    home.locator('select[name="kind"]').select_option(index=1)
    home.locator('input[name="file"]').set_input_files(
        {"name": "certificate.png", "mimeType": "image/png", "buffer": PNG})
    home.get_by_role("button", name=t("Upload")).click()
    expect(home.locator("#documents .document-link")).to_have_count(1)
    family_page_checks(home, "family case page (submitted)")

    # --- the village reviewer returns it -----------------------------------------------------
    village = open_page()
    log_in(village, staff["village"], next_url="/workflow/")
    take_and_decide(village, case, "return", RETURN_REASON, axe, "village (return)")
    case.refresh_from_db()
    assert case.status == CaseStatus.RETURNED

    # --- the family reads why and resubmits ---------------------------------------------------
    home.goto(f"/family/cases/{case.pk}/")
    expect(home.locator(".reason-box")).to_contain_text(RETURN_REASON)
    expect(home.locator("#timeline")).to_contain_text(RETURN_REASON)
    family_page_checks(home, "family case page (returned)")
    home.goto("/family/messages/")
    family_page_checks(home, "family messages")
    home.goto(f"/family/cases/{case.pk}/")
    home.locator("#resubmit textarea").fill("已上传独生子女证")
    home.get_by_role("button", name=t("Resubmit for review")).click()
    expect(home.locator(".messages")).to_contain_text(
        t("Your application has been sent back for review."))
    case.refresh_from_db()
    assert case.status == CaseStatus.VILLAGE_REVIEW

    # --- the village, then the township approve -------------------------------------------------
    take_and_decide(village, case, "approve", "材料齐全", axe, "village (approve)")
    case.refresh_from_db()
    assert case.status == CaseStatus.TOWNSHIP_REVIEW
    township = open_page()
    log_in(township, staff["township"], next_url="/workflow/")
    take_and_decide(township, case, "approve", "同意", axe, "township (approve)")
    case.refresh_from_db()
    assert case.status == CaseStatus.APPROVED
    township.goto(f"/workflow/benefitapplication/{case.process.pk}/")
    expect(township.locator(".wf-case-file")).to_contain_text(applicant.name)
    axe.check(township, "staff case page (approved)")

    # --- the family sees it approved and prints the card ---------------------------------------
    home.goto(f"/family/cases/{case.pk}/")
    expect(home.locator(".summary .status")).to_have_text(zh(CaseStatus.APPROVED.label))
    card_link = home.get_by_role("link", name=t("Print the card (PDF)"))
    expect(card_link).to_be_visible()
    family_page_checks(home, "family case page (approved)")
    response = home.request.get(card_link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    pdf = response.body()
    assert pdf.startswith(b"%PDF-")
    verify_urls = [u for u in pdfread.links(pdf) if "/verify/" in u]
    assert verify_urls, pdfread.links(pdf)

    # --- anyone checks the card: genuine, in force, the name masked -----------------------------
    checker = open_page()
    checker.goto(verify_urls[0])
    main = checker.locator("main")
    expect(main).to_have_attribute("data-genuine", "yes")
    expect(main).to_have_attribute("data-state", "live")
    expect(main).to_contain_text(t("Genuine: this card was issued by the association."))
    expect(main).to_contain_text(case.entitlement.number)
    assert applicant.name not in main.inner_text()
    expect(main).to_contain_text(applicant.name[0])
    axe.check(checker, "verify page")

    # --- the auditor reads the whole trail --------------------------------------------------------
    auditor = staff["auditor"]
    device = TOTPDevice.objects.create(user=auditor, name="phone", confirmed=True)
    audit = open_page()
    log_in(audit, auditor, next_url=f"/workflow/auditor/cases/{case.pk}/")
    wait_for_path(audit, r"/accounts/two-factor/")
    axe.check(audit, "two-factor code")
    totp = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits,
                drift=device.drift)
    audit.locator('input[name="otp_token"]').fill(f"{totp.token():0{device.digits}d}")
    audit.get_by_role("button", name=t("Continue")).click()
    wait_for_path(audit, rf"/workflow/auditor/cases/{case.pk}/$")
    events = list(AuditEvent.objects.filter(case=case).order_by("seq"))
    actions = [e.action for e in events]
    for action in ("submitted", "document_added", "decision_return", "resubmitted",
                   "decision_approve", "granted"):
        assert action in actions, actions
    assert actions.count("decision_approve") == 2
    expect(audit.locator("tr.wf-event")).to_have_count(len(events))
    history = audit.locator(".wf-audit-history")
    for action in ("submitted", "decision_return", "resubmitted", "decision_approve",
                   "granted"):
        expect(history).to_contain_text(zh(ACTIONS[action]))
    expect(audit.locator(".wf-chain-status .wf-chain--intact")).to_be_visible()
    axe.check(audit, "auditor case page")
    audit.goto(f"/workflow/auditor/?case={case.pk}")
    expect(audit.locator("table").first).to_be_visible()
    axe.check(audit, "auditor event search")

    if english_seen:
        print(f"untranslated English on zh-hans family pages: {english_seen}")
    axe.assert_clean()
    assert not english_seen, f"untranslated English on zh-hans family pages: {english_seen}"
