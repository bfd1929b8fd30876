"""Printable documents: the entitlement card and the decision letter (PDF), their QR
code's signed link, the public check page it opens, and who may download them."""

from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from casework import card_tokens
from casework.models import AccessRecord, CaseStatus, Entitlement
from casework.printing import CardData, CriterionLine, LetterData, card_pdf, letter_pdf, runs
from eligibility.defaults import SINCE
from eligibility.models import PolicyParameter
from tests import factories as f
from tests.printing import pdfread
from tests.support.journey import decide, submit
from workflows.case_file import case_file_context

pytestmark = pytest.mark.django_db

ZH_PROGRAM = "一免二优六减半医疗优惠"
EN_PROGRAM = "Medical fee discount card"
URL = "https://casework.example.cn/verify/abc:def/"


@pytest.fixture
def granted(programs, family_home, staff):
    """A medical-discount card granted through the flow: village, then township."""
    case = decide(staff["township"], decide(staff["village"], submit(programs, family_home)))
    assert case.status == CaseStatus.APPROVED
    assert case.entitlement.state == Entitlement.State.LIVE
    return case


@pytest.fixture
def rejected(programs, family_home, staff):
    """Another member's application for the same program, rejected by the village; the
    program has an appeal period."""
    PolicyParameter.objects.update_or_create(program=programs["medical_discount"],
                                             key="appeal_days", effective_from=SINCE,
                                             defaults={"value": 60})
    spouse = family_home["household"].members.get(relationship="spouse")
    case = decide(staff["village"], submit(programs, {**family_home, "applicant": spouse}),
                  "reject", "家庭情况与申报不符")
    assert case.status == CaseStatus.REJECTED
    return case


@pytest.fixture(autouse=True)
def _one_factor(settings):
    """Signed in with ``force_login``: the second factor district approvers and auditors
    owe (``casework.twofactor``) is not what these tests are about."""
    settings.OTP_REQUIRED_ROLES = ()


@pytest.fixture
def other_family(areas):
    hh = f.household(areas["v11"])
    f.person(hh, name="邻居甲")
    return f.user("family", areas["v11"], household=hh)


def card_url(case):
    return reverse("printing:card", args=[case.pk])


def letter_url(case):
    return reverse("printing:letter", args=[case.pk])


def verify_path(url: str) -> str:
    return urlsplit(url).path


def card_data(**changes) -> CardData:
    values = {"number": "JD20260100000007", "program_name": ZH_PROGRAM,
              "holder_name": "王小华", "holder_id_masked": "330703********123X",
              "valid_from": date(2026, 3, 1), "valid_to": date(2029, 2, 28),
              "state": card_tokens.LIVE, "verify_url": URL, "printed_on": date(2026, 3, 2),
              "amount_yuan": Decimal("600")}
    return CardData(**{**values, **changes})


# --- tokens and masks -------------------------------------------------------------------

def test_a_token_carries_the_number_only_and_verifies():
    token = card_tokens.sign_card("JD20260100000007")
    assert card_tokens.verify_card(token) == "JD20260100000007"
    payload = signing.b64_decode(token.split(":")[0].encode())
    assert payload == b'"JD20260100000007"'  # the number, nothing personal


@pytest.mark.parametrize("token", [
    "", "JD20260100000007", "garbage:garbage", ":", "a" * 500,
    signing.Signer(salt="another purpose").sign_object("JD20260100000007"),
])
def test_tokens_not_signed_here_do_not_verify(token):
    assert card_tokens.verify_card(token) is None


def test_a_tampered_token_does_not_verify():
    token = card_tokens.sign_card("JD20260100000007")
    payload, signature = token.split(":")
    forged = signing.b64_encode(b'"JD20260100000008"').decode()
    assert card_tokens.verify_card(f"{forged}:{signature}") is None
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    assert card_tokens.verify_card(f"{payload}:{flipped}") is None


@pytest.mark.parametrize(("name", "masked"), [
    ("王小华", "王*华"), ("王华", "王*"), ("欧阳小明", "欧**明"), ("王", "*"), ("", ""),
    (" 李四 ", "李*"),
])
def test_mask_name(name, masked):
    assert card_tokens.mask_name(name) == masked


def test_card_state():
    today = date(2026, 6, 1)
    state = card_tokens.card_state
    assert state("live", date(2026, 1, 1), date(2026, 12, 31), today) == card_tokens.LIVE
    assert state("live", date(2025, 1, 1), date(2026, 5, 31), today) == card_tokens.EXPIRED
    assert state("ended", date(2026, 1, 1), date(2026, 12, 31), today) == card_tokens.ENDED
    assert state("live", date(2026, 7, 1), date(2027, 6, 30), today) == card_tokens.NOT_YET


# --- the PDF builders ---------------------------------------------------------------------

def test_latin_runs_are_helvetica_and_the_rest_the_cjk_font():
    assert runs("No. 12 申请") == [("Helvetica", "No. 12 "), ("STSong-Light", "申请")]


def test_the_card_in_chinese():
    pdf = card_pdf(card_data(), language="zh-hans")
    pdfread.assert_valid(pdf, pages=1)
    text = pdfread.text(pdf)
    assert ZH_PROGRAM in text
    assert "王小华" in text and "330703********123X" in text
    assert "金东区计划生育协会" in text
    assert "JD20260100000007" in text and "2026-03-01" in text and "600.00" in text
    assert pdfread.links(pdf)[0] == URL  # the QR code's link
    assert "STSong-Light" in pdfread.fonts(pdf).values()
    assert ZH_PROGRAM in pdfread.info(pdf)["Title"]
    assert "王小华" not in pdfread.info(pdf)["Title"]


def test_the_card_in_english():
    pdf = card_pdf(card_data(program_name=EN_PROGRAM), language="en")
    pdfread.assert_valid(pdf)
    text = pdfread.compact(pdfread.text(pdf))
    assert pdfread.compact(EN_PROGRAM) in text
    assert "Entitlementcard" in text and "Holder" in text and "Scantoverify" in text
    assert "王小华" in text


def test_a_card_printed_after_it_ended_says_so():
    pdf = card_pdf(card_data(state=card_tokens.ENDED), language="zh-hans")
    assert str(card_tokens.STATE_LABELS[card_tokens.ENDED]) == "已终止"
    assert "已终止" in pdfread.text(pdf)
    assert "已终止" not in pdfread.text(card_pdf(card_data(), language="zh-hans"))


def test_a_long_program_name_fits_on_two_lines():
    name = "计划生育家庭特别扶助制度暨独生子女伤残死亡家庭扶助金"
    text = pdfread.compact(pdfread.text(card_pdf(card_data(program_name=name),
                                                 language="zh-hans")))
    assert name[:20] in text


def letter(**changes) -> LetterData:
    values = {"case_number": 12, "program_name": ZH_PROGRAM, "applicant_name": "王小华",
              "application_date": date(2026, 2, 1), "decided_on": date(2026, 3, 1),
              "approved": True, "printed_on": date(2026, 3, 2), "card": card_data()}
    return LetterData(**{**values, **changes})


def test_the_approval_letter():
    pdf = letter_pdf(letter(), language="zh-hans")
    pdfread.assert_valid(pdf)
    text = pdfread.compact(pdfread.text(pdf))
    assert ZH_PROGRAM in text and "王小华" in text and "JD20260100000007" in text
    assert "批准" in text
    assert URL in pdfread.links(pdf)


def test_the_rejection_letter_with_reasons_and_the_appeal_period():
    rejection = letter(approved=False, card=None, reason="收入 <超标>\n请知悉", appeal_days=60,
                       criteria=(CriterionLine(True, "申请人是协会会员"),
                                 CriterionLine(False, "人均收入超过标准")))
    pdf = letter_pdf(rejection, language="zh-hans")
    pdfread.assert_valid(pdf)
    text = pdfread.compact(pdfread.text(pdf))
    assert "收入<超标>" in text and "请知悉" in text
    assert "不符合：人均收入超过标准" in text and "符合：申请人是协会会员" in text
    assert "60日内" in text or "60天内" in text
    assert pdfread.links(pdf) == []  # nothing to check online for a rejection

    english = pdfread.compact(pdfread.text(letter_pdf(
        letter(approved=False, card=None, reason="Income too high", appeal_days=1,
               criteria=(CriterionLine(False, "Income per head is above the limit"),)),
        language="en")))
    assert "Notmet:Incomeperheadisabovethelimit" in english
    assert "mayappealwithin1day." in english
    assert "appeal" not in pdfread.text(letter_pdf(letter(approved=False, card=None),
                                                   language="en"))


# --- downloads ----------------------------------------------------------------------------

def test_the_qr_link_is_on_the_public_address_not_the_requests_host(granted, family_home,
                                                                     client, settings):
    """A card lives for years: its QR code points at PUBLIC_BASE_URL, whatever Host
    header the request that printed it carried."""
    settings.PUBLIC_BASE_URL = "https://casework.example.org"
    client.force_login(family_home["user"])
    pdf = client.get(card_url(granted), HTTP_HOST="localhost").content
    url = pdfread.links(pdf)[0]
    assert url.startswith("https://casework.example.org/verify/")
    assert card_tokens.verify_card(url.split("/")[4]) == granted.entitlement.number


def test_the_family_downloads_its_card_and_the_qr_link_verifies(granted, family_home, client):
    client.force_login(family_home["user"])
    response = client.get(card_url(granted))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline; filename=")
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    pdf = response.content
    pdfread.assert_valid(pdf)
    assert ZH_PROGRAM in pdfread.text(pdf)
    entitlement = granted.entitlement
    url = pdfread.links(pdf)[0]
    assert url.startswith("http://testserver/verify/")
    token = verify_path(url).split("/")[2]
    assert card_tokens.verify_card(token) == entitlement.number
    record = AccessRecord.objects.get()
    assert (record.user, record.kind, record.case, record.person) == (
        family_home["user"], AccessRecord.Kind.DOCUMENT, granted, granted.applicant)
    assert entitlement.number in record.object_ref
    assert record.path == card_url(granted)
    assert record.purpose


def test_the_card_in_the_readers_language(granted, family_home, client):
    client.force_login(family_home["user"])
    pdf = client.get(card_url(granted), HTTP_ACCEPT_LANGUAGE="en").content
    assert pdfread.compact(EN_PROGRAM) in pdfread.compact(pdfread.text(pdf))


def test_the_approval_letter_download(granted, family_home, client):
    client.force_login(family_home["user"])
    response = client.get(letter_url(granted))
    assert response.status_code == 200
    pdf = response.content
    pdfread.assert_valid(pdf)
    text = pdfread.compact(pdfread.text(pdf))
    assert ZH_PROGRAM in text and granted.entitlement.number in text
    token = verify_path(pdfread.links(pdf)[0]).split("/")[2]
    assert card_tokens.verify_card(token) == granted.entitlement.number
    assert AccessRecord.objects.get().object_ref.startswith("decision letter")


def test_the_rejection_letter_download_in_both_languages(rejected, family_home, client):
    client.force_login(family_home["user"])
    pdf = client.get(letter_url(rejected)).content
    pdfread.assert_valid(pdf)
    text = pdfread.compact(pdfread.text(pdf))
    assert ZH_PROGRAM in text and "家庭情况与申报不符" in text and "60" in text
    for criterion in rejected.eligibility["criteria"]:
        assert pdfread.compact(criterion["reason_zh"]) in text
    english = pdfread.compact(pdfread.text(
        client.get(letter_url(rejected), HTTP_ACCEPT_LANGUAGE="en").content))
    assert pdfread.compact(EN_PROGRAM) in english and "within60days" in english
    for criterion in rejected.eligibility["criteria"]:
        assert pdfread.compact(criterion["reason_en"]) in english
    assert AccessRecord.objects.count() == 2


def test_no_card_and_no_letter_before_a_final_decision(programs, family_home, client):
    case = submit(programs, family_home)
    client.force_login(family_home["user"])
    assert client.get(card_url(case)).status_code == 404
    assert client.get(letter_url(case)).status_code == 404
    assert not AccessRecord.objects.exists()


def test_a_rejected_case_has_no_card(rejected, family_home, client):
    client.force_login(family_home["user"])
    assert client.get(card_url(rejected)).status_code == 404


@pytest.mark.parametrize("who", ["other_family", "village_other", "township_other"])
def test_downloads_outside_the_scope_are_404(granted, rejected, staff, other_family, client,
                                             who):
    user = other_family if who == "other_family" else staff[who]
    client.force_login(user)
    for url in (card_url(granted), letter_url(granted), letter_url(rejected)):
        assert client.get(url).status_code == 404, url
    assert not AccessRecord.objects.exists()


@pytest.mark.parametrize("who", ["village", "township", "district", "auditor"])
def test_staff_in_the_area_and_the_auditor_download(granted, staff, client, who):
    client.force_login(staff[who])
    for url in (card_url(granted), letter_url(granted)):
        response = client.get(url)
        assert response.status_code == 200, url
        pdfread.assert_valid(response.content)
    records = AccessRecord.objects.filter(user=staff[who], case=granted,
                                          kind=AccessRecord.Kind.DOCUMENT)
    assert records.count() == 2


def test_anonymous_goes_to_the_login_page_and_head_records_nothing(granted, family_home,
                                                                    client):
    response = client.get(card_url(granted))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(family_home["user"])
    assert client.head(card_url(granted)).status_code == 200
    assert client.post(card_url(granted)).status_code == 405
    assert not AccessRecord.objects.exists()


# --- the public check page ------------------------------------------------------------------

def verify(client, number, **extra):
    return client.get(reverse("printing:verify", args=[card_tokens.sign_card(number)]),
                      **extra)


def test_a_live_card_is_genuine_and_in_force(granted, client, django_assert_max_num_queries):
    entitlement = granted.entitlement
    person = granted.applicant
    with django_assert_max_num_queries(1):
        response = verify(client, entitlement.number, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-genuine="yes"' in html and 'data-state="live"' in html
    assert "Genuine" in html and "In force" in html
    assert EN_PROGRAM in html and entitlement.number in html
    assert entitlement.valid_from.isoformat() in html and entitlement.valid_to.isoformat() in html
    assert "王*爷" in html
    # nothing else personal
    assert person.name not in html and person.id_number not in html
    assert person.id_number[-4:] + "<" not in html and person.phone not in html
    assert granted.household.number not in html
    # public, and leaves nothing behind
    assert "<form" not in html and "csrfmiddlewaretoken" not in html
    assert not response.cookies
    assert "noindex" in response["X-Robots-Tag"]


def test_the_check_page_in_chinese_by_default(granted, client):
    html = verify(client, granted.entitlement.number).content.decode()
    assert ZH_PROGRAM in html and "真实" in html and "有效" in html
    assert "王*爷" in html and "王大爷" not in html


def test_the_language_can_be_chosen_on_the_page(granted, client):
    url = reverse("printing:verify", args=[card_tokens.sign_card(granted.entitlement.number)])
    assert EN_PROGRAM in client.get(url, {"lang": "en"}).content.decode()
    assert ZH_PROGRAM in client.get(url, {"lang": "zh-hans"},
                                    HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ZH_PROGRAM in client.get(url, {"lang": "xx"}).content.decode()


def test_a_tampered_token_is_not_genuine(granted, client, django_assert_num_queries):
    token = card_tokens.sign_card(granted.entitlement.number)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    with django_assert_num_queries(0):
        response = client.get(reverse("printing:verify", args=[forged]),
                              HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-genuine="no"' in html and "Not genuine" in html
    assert granted.entitlement.number not in html and EN_PROGRAM not in html
    assert "*" not in html.split("<main", 1)[1]


def test_an_unknown_number_reads_exactly_like_a_forgery(granted, client):
    forged = client.get(reverse("printing:verify", args=["bad:token"]))
    unknown = verify(client, "JD20269900000001")
    assert unknown.status_code == forged.status_code == 200
    assert unknown.content == forged.content


def test_ended_and_expired_cards(granted, client):
    entitlement = granted.entitlement
    Entitlement.objects.filter(pk=entitlement.pk).update(state=Entitlement.State.ENDED)
    html = verify(client, entitlement.number, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-genuine="yes"' in html and 'data-state="ended"' in html and "Ended" in html
    assert "not in force" in html

    yesterday = timezone.localdate() - timedelta(days=1)
    Entitlement.objects.filter(pk=entitlement.pk).update(
        state=Entitlement.State.LIVE, valid_from=yesterday - timedelta(days=365),
        valid_to=yesterday)
    html = verify(client, entitlement.number, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-state="expired"' in html and "Expired" in html


def test_the_check_page_is_a_get_only(granted, client):
    url = reverse("printing:verify", args=[card_tokens.sign_card(granted.entitlement.number)])
    assert client.post(url).status_code == 405


# --- links on the case pages ----------------------------------------------------------------

def test_the_family_case_page_links_the_card_and_the_letter(granted, rejected, family_home,
                                                             client):
    client.force_login(family_home["user"])
    page = client.get(reverse("family:case", args=[granted.pk])).content.decode()
    assert card_url(granted) in page and letter_url(granted) in page
    page = client.get(reverse("family:case", args=[rejected.pk])).content.decode()
    assert letter_url(rejected) in page and card_url(rejected) not in page


def test_the_staff_case_file_links_the_card_and_the_letter(granted, programs, family_home,
                                                           staff, rf):
    user = staff["village"]
    request = rf.get("/")
    request.user = user
    html = render_to_string("workflows/staff/_case_file.html",
                            case_file_context(user, granted.pk), request=request)
    assert card_url(granted) in html and letter_url(granted) in html
    open_case = f.case(f.person(family_home["household"], name="王小二",
                                birth=date(1980, 1, 2)), programs["health_check"],
                       status=CaseStatus.VILLAGE_REVIEW)
    html = render_to_string("workflows/staff/_case_file.html",
                            case_file_context(user, open_case.pk), request=request)
    assert card_url(open_case) not in html and letter_url(open_case) not in html


# --- what the medical card gives (一免二优六减半, the report's lines 146-149) -------------------

def test_the_medical_card_prints_what_it_gives_on_its_back(granted, family_home, client):
    client.force_login(family_home["user"])
    text = pdfread.compact(pdfread.text(client.get(card_url(granted)).content))
    for words in ("一免：免收普通挂号费", "二优：优先挂号；住院床位费优惠20%",
                  "六减半：心电图检查费减半；B超检查费减半"):
        assert pdfread.compact(words) in text, words
    english = pdfread.compact(pdfread.text(
        client.get(card_url(granted), HTTP_ACCEPT_LANGUAGE="en").content))
    assert pdfread.compact("Fee waived: Ordinary registration fee waived") in english
    assert pdfread.compact("20% off the in-patient bed fee") in english


def test_the_family_page_and_the_api_say_what_the_card_gives(granted, family_home, client):
    client.force_login(family_home["user"])
    page = client.get(reverse("family:case", args=[granted.pk])).content.decode()
    assert "一免：免收普通挂号费" in page and "六减半：" in page
    detail = client.get(f"/api/v1/cases/{granted.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    benefits = detail["entitlement"]["benefits"]
    assert benefits[0] == "Fee waived: Ordinary registration fee waived"
    assert benefits[1] == "Priority: Priority registration; 20% off the in-patient bed fee"
    assert benefits[2].startswith("Half price: ECG at half price; B-mode ultrasound")
    assert len(benefits) == 3


def test_a_card_without_benefits_has_no_back():
    """A card whose program lists nothing (a pairing) prints its front alone."""
    plain = pdfread.text(card_pdf(card_data(), language="en"))
    backed = pdfread.text(card_pdf(card_data(benefits=("Fee waived: registration",)),
                                   language="en"))
    assert "What this card gives" not in plain
    assert "What this card gives" in backed and "Fee waived: registration" in backed
