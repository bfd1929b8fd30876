"""The association's own year through the pages, in a real browser (zh-hans, the default).

- A village secretary (the village reviewer of 村1-1) opens the village's health-check
  campaign of this year through the staff form (a first day outside the year is refused,
  naming the field, nothing stored), sees the member list the roster gave, records the
  results of four members on the page (checked, checked and referred, not checked, with
  their days), sees the coverage; the family of one checked member reads its result on
  /family/health-check/.
- The same secretary names a contact member for three households, the township approver
  opens a daily reporting round through its form, the secretary files the member's report
  for the day (two households, one left), the village's missing list and the township's
  roll-up show the one left, and the family reads who its contact member is (the walk
  tests/contacts/test_browser.py did, moved here).
- A district approver (password, then the TOTP code) opens the statistics report, chooses
  the district and the year, reads the table, and downloads the Excel and the PDF: their
  content types, and the Excel holds the page's numbers.

Every page on the way passes axe-core (no serious or critical violation) and shows no
untranslated English (its own text: the title bar, the menu and the content; not what
was typed or the data).
"""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from openpyxl import load_workbook
from playwright.sync_api import expect

from casework.contacts.models import ContactAssignment, ContactReport, ReportingRound
from casework.healthchecks import services as healthchecks
from casework.healthchecks.models import HealthCheckCampaign, HealthCheckRecord
from casework.models import RecordEvent, User
from tests import factories as f
from tests.printing import pdfread

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "pw-Test-12345"  # tests.factories.user
VILLAGE = "330703001001"  # areas["v11"], 村1-1
TOWNSHIP = "330703001"  # areas["t1"], 镇1
DISTRICT = "330703"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Result = HealthCheckRecord.Result

# English words that must not show on a zh-hans page (its own text, not the data)
ENGLISH = re.compile(r"[A-Za-z]{3,}")
ALLOWED_LATIN = {"PDF", "PNG", "JPG", "JPEG", "CSV", "EXCEL", "ENGLISH"}  # any case


# --- helpers ----------------------------------------------------------------------------------

def t(msgid: str) -> str:
    with translation.override("zh-hans"):
        return gettext(msgid)


def zh(lazy) -> str:
    """A lazy translation in zh-hans."""
    with translation.override("zh-hans"):
        return str(lazy)


def days_ago(n: int) -> date:
    return timezone.localdate() - timedelta(days=n)


def wait_for_path(page, pattern: str):
    """Wait until the page's path (the query left out) matches ``pattern``."""
    page.wait_for_url(lambda url: re.search(pattern, urlsplit(url).path) is not None)


def log_in(page, user, *, next_url: str, pages: Pages):
    page.goto(f"/accounts/login/?next={next_url}")
    pages.check(page, f"login ({user.role})")
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name=t("Log in")).click()
    page.wait_for_url(lambda url: urlsplit(url).path != "/accounts/login/")


def log_in_with_code(page, user, *, next_url: str, pages: Pages):
    """Password, then the six-digit code of the user's authenticator (a confirmed TOTP
    device made here, as the user would have set one up)."""
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    log_in(page, user, next_url=next_url, pages=pages)
    wait_for_path(page, r"/accounts/two-factor/")
    pages.check(page, "two-factor code")
    totp = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits,
                drift=device.drift)
    page.locator('input[name="otp_token"]').fill(f"{totp.token():0{device.digits}d}")
    page.get_by_role("button", name=t("Continue")).click()
    page.wait_for_url(lambda url: not urlsplit(url).path.startswith("/accounts/"))


def latin_words(text: str) -> list[str]:
    return sorted({text[max(m.start() - 12, 0):m.end() + 12].replace("\n", " ")
                   for m in ENGLISH.finditer(text) if m.group().upper() not in ALLOWED_LATIN})


# the text of the elements the selectors name, each text node on its own line; icons (the
# Material ligatures, e.g. "event_repeat"), what is hidden from assistive technology and
# scripts left out
OWN_TEXT = """selectors => {
    const skip = ".material-icons, [aria-hidden='true'], script, style, template";
    const lines = [];
    for (const selector of selectors) {
        for (const root of document.querySelectorAll(selector)) {
            const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                if (!node.parentElement.closest(skip) && node.nodeValue.trim()) {
                    lines.push(node.nodeValue.trim());
                }
            }
        }
    }
    return lines.join("\\n");
}"""


class Pages:
    """Each page visited: axe-core on it, and its own text looked at for English."""

    def __init__(self, axe):
        self.axe = axe
        self.english: dict[str, list[str]] = {}

    def check(self, page, label: str) -> None:
        self.axe.check(page, label)
        if page.locator(".site-name").count():  # the family site (and the login page)
            parts = [".site-name", "main"]
        else:  # the staff site: its title bar, its menu, the page
            parts = [".mdc-top-app-bar__title", ".vf-page__menu-primary", "main"]
        words = latin_words(page.evaluate(OWN_TEXT, parts))
        if words:
            self.english[label] = words

    def assert_clean(self) -> None:
        if self.english:
            print(f"untranslated English on zh-hans pages: {self.english}")
        self.axe.assert_clean()
        assert not self.english, f"untranslated English on zh-hans pages: {self.english}"


def cells(row) -> list[str]:
    return [text.strip() for text in row.locator("td").all_inner_texts()]


# --- the village --------------------------------------------------------------------------------

@pytest.fixture
def village(areas, staff):
    """Village 村1-1 (v11): six households; members 联系人甲, 联系人乙, 户主2, 王大伯 and
    李大妈 (the health check's list); 王小妹 (a child), 户主4 and 户主5 are no members.
    A member in v12 (same township) and one in v21 (the other) stay off v11's list. The
    staff have display names (the pages show them; usernames are Latin)."""
    v11 = areas["v11"]
    homes = [f.household(v11, address=f"一组{i}号") for i in range(6)]
    jia = f.person(homes[0], name="联系人甲")
    yi = f.person(homes[1], name="联系人乙")
    head2 = f.person(homes[2], name="户主2")
    grandpa = f.person(homes[3], name="王大伯", birth=date(1952, 2, 3))
    grandma = f.person(homes[3], name="李大妈", sex="F", relationship="spouse",
                     birth=date(1954, 8, 9))
    child = f.person(homes[3], name="王小妹", sex="F", relationship="child",
                   birth=date(1992, 1, 5), member=False)
    for i in (4, 5):
        f.person(homes[i], name=f"户主{i}", member=False)
    neighbour = f.person(f.household(areas["v12"], address="二组1号"), name="丙村会员")
    far = f.person(f.household(areas["v21"], address="远处"), name="外镇会员")
    for key, name in (("village", "村秘书"), ("township", "镇审批人"), ("district", "区审批人")):
        User.objects.filter(pk=staff[key].pk).update(display_name=name)
        staff[key].display_name = name
    return {"areas": areas, "staff": staff, "homes": homes, "jia": jia, "yi": yi,
            "head2": head2, "grandpa": grandpa, "grandma": grandma, "child": child,
            "neighbour": neighbour, "far": far,
            "listed": [jia, yi, head2, grandpa, grandma]}


# --- 1. a health-check campaign -----------------------------------------------------------------

def test_a_village_secretary_runs_a_health_check_campaign(open_page, axe, village):
    w, secretary = village, village["staff"]["village"]
    pages = Pages(axe)
    today = timezone.localdate()
    year = today.year
    first_day, last_day = date(year, 1, 1), date(year, 12, 31)
    earlier = max(first_day, today - timedelta(days=2))  # a day of the campaign, past

    # --- the campaign list, and the form ---------------------------------------------------
    staff_page = open_page()
    log_in(staff_page, secretary, next_url="/workflow/healthchecks/", pages=pages)
    wait_for_path(staff_page, r"^/workflow/healthchecks/$")
    expect(staff_page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(staff_page.locator("table.wf-campaign-list tbody tr[data-campaign]")).to_have_count(0)
    pages.check(staff_page, "health checks: campaigns (none yet)")
    staff_page.locator('main a[href="/workflow/healthchecks/open/"]').click()
    wait_for_path(staff_page, r"/healthchecks/open/$")
    pages.check(staff_page, "health checks: open a campaign")
    form = staff_page.locator("form.wf-campaign-form")
    form.locator("#id_area").select_option(VILLAGE)
    form.locator("#id_year").fill(str(year))
    form.locator("#id_first_day").fill(date(year - 1, 12, 20).isoformat())  # last year
    form.locator("#id_last_day").fill(last_day.isoformat())
    form.locator("#id_venue").fill("村文化礼堂")
    form.locator("#id_provider").fill("镇卫生院")
    form.locator("#id_funding_yuan").fill("480.00")
    submit = form.get_by_role("button", name=t("Open the campaign and list the members"))
    submit.click()

    # --- refused: the error names the field, nothing stored -----------------------------------
    error = staff_page.locator('.wf-errors li.wf-field-error[data-field="first_day"]')
    expect(error).to_contain_text(t("first day"))
    expect(error).to_contain_text(t("The first day must be in %(year)s.") % {"year": year})
    wait_for_path(staff_page, r"/healthchecks/open/$")
    pages.check(staff_page, "health checks: the form, refused")
    assert not HealthCheckCampaign.objects.exists()
    assert not HealthCheckRecord.objects.exists()
    assert not RecordEvent.objects.filter(action="campaign_opened").exists()

    # --- corrected and opened: the list comes from the roster --------------------------------
    form.locator("#id_first_day").fill(first_day.isoformat())
    expect(form.locator("#id_venue")).to_have_value("村文化礼堂")  # what was typed is kept
    submit.click()
    wait_for_path(staff_page, r"/healthchecks/campaigns/\d+/$")
    campaign = HealthCheckCampaign.objects.get()
    assert (campaign.area_id, campaign.year, campaign.first_day, campaign.last_day,
            campaign.funding_yuan) == (VILLAGE, year, first_day, last_day, Decimal("480.00"))
    expect(staff_page.locator(".wf-flash")).to_be_visible()
    expect(staff_page.locator(".wf-listed")).to_have_text("5")
    rows = staff_page.locator("table.wf-record-list tbody tr[data-person]")
    expect(rows).to_have_count(5)
    for person in w["listed"]:
        expect(staff_page.locator(f'tr[data-person="{person.pk}"] th')).to_have_text(
            person.name)
    for person in (w["child"], w["neighbour"], w["far"]):  # not members, or not the village's
        expect(staff_page.locator(f'tr[data-person="{person.pk}"]')).to_have_count(0)
    pages.check(staff_page, "health checks: the campaign, all pending")

    # --- results of four members, saved at once -----------------------------------------------
    results = {w["grandpa"]: (Result.DONE, earlier), w["grandma"]: (Result.REFERRED, today),
               w["head2"]: (Result.NOT_DONE, None), w["jia"]: (Result.DONE, today)}
    for person, (result, day) in results.items():
        staff_page.locator(f"#id_result_{person.pk}").select_option(result)
        if day is not None:
            staff_page.locator(f"#id_day_{person.pk}").fill(day.isoformat())
    staff_page.locator("form.wf-results-form").get_by_role(
        "button", name=t("Save the results of this page")).click()
    expect(staff_page.locator(".wf-flash")).to_contain_text(
        t("%(count)s results recorded.") % {"count": 4})
    stored = {r.person_id: (r.result, r.checked_on)
              for r in HealthCheckRecord.objects.filter(campaign=campaign)}
    assert stored == {**{p.pk: (Result.PENDING, None) for p in w["listed"]},
                      **{p.pk: value for p, value in results.items()}}
    for person, (result, day) in results.items():
        expect(staff_page.locator(f"#id_result_{person.pk}")).to_have_value(result)
        expect(staff_page.locator(f"#id_day_{person.pk}")).to_have_value(
            day.isoformat() if day else "")
    expect(staff_page.locator(".wf-coverage")).to_have_text("60.0 %")
    # the history: the campaign opened, by the secretary
    expect(staff_page.locator("main li").filter(has_text="村秘书")).to_have_count(1)
    pages.check(staff_page, "health checks: the campaign, results recorded")

    # --- the list and the coverage ------------------------------------------------------------
    staff_page.goto("/workflow/healthchecks/")
    listed = staff_page.locator(f'table.wf-campaign-list tr[data-campaign="{campaign.pk}"]')
    expect(listed.locator(".wf-coverage")).to_have_text("60.0 %")
    pages.check(staff_page, "health checks: campaigns")
    staff_page.locator('main a[href^="/workflow/healthchecks/coverage/"]').click()
    wait_for_path(staff_page, r"/healthchecks/coverage/$")
    line = staff_page.locator(f'table.wf-coverage-table tr[data-village="{VILLAGE}"]')
    # campaign days, funding, listed, checked, referred, not checked, pending, coverage
    expect(line.locator("td")).to_have_text([
        f"{first_day.isoformat()} – {last_day.isoformat()}", "480.00", "5", "2", "1", "1",
        "1", "60.0 %"])
    # the secretary's own village only
    expect(staff_page.locator("table.wf-coverage-table tr[data-village]")).to_have_count(1)
    subtotal = staff_page.locator(f'tr[data-subtotal="{TOWNSHIP}"] td')
    expect(subtotal.nth(3)).to_have_text("2")
    pages.check(staff_page, "health checks: coverage")

    # --- the family of a checked member reads its result ------------------------------------
    family = f.user("family", w["areas"]["v11"], household=w["homes"][3])
    home = open_page()
    log_in(home, family, next_url="/family/", pages=pages)
    pages.check(home, "family home")
    home.get_by_role("link", name=t("This year's health check")).click()
    wait_for_path(home, r"^/family/health-check/$")
    main = home.locator("main")
    expect(main).to_contain_text("村文化礼堂")
    grandpa = home.locator(f'li[data-person="{w["grandpa"].pk}"]')
    expect(grandpa.locator(".status")).to_have_text(zh(Result.DONE.label))
    expect(grandpa).to_contain_text(t("Checked on %(day)s.") % {"day": earlier.isoformat()})
    grandma = home.locator(f'li[data-person="{w["grandma"].pk}"]')
    expect(grandma.locator(".status")).to_have_text(zh(Result.REFERRED.label))
    expect(grandma).to_contain_text(today.isoformat())
    expect(home.locator(f'li[data-person="{w["child"].pk}"]')).to_contain_text(
        t("Not on the list: the free check is for association members."))
    assert "户主2" not in main.inner_text()  # another household's result stays there
    pages.check(home, "family: health check")

    pages.assert_clean()


# --- 2. a contact-household reporting round ----------------------------------------------------

def test_a_village_secretary_runs_a_reporting_round(open_page, axe, village):
    w, s = village, village["staff"]
    homes = w["homes"]
    pages = Pages(axe)
    today = days_ago(0).isoformat()

    # --- the village secretary names a contact member -----------------------------------------
    village_page = open_page()
    log_in(village_page, s["village"], next_url="/workflow/contacts/", pages=pages)
    wait_for_path(village_page, r"^/workflow/contacts/$")
    pages.check(village_page, "village: contact members (none yet)")
    village_page.locator("a.wf-assign").click()
    wait_for_path(village_page, r"/assign/$")
    pages.check(village_page, "village: assign form")
    village_page.locator("#id_contact").select_option(str(w["jia"].pk))
    for home in homes[2:5]:
        village_page.locator(f'input[name="households"][value="{home.pk}"]').check()
    village_page.locator("#id_since").fill(days_ago(5).isoformat())
    village_page.locator("form.wf-assign-form button[type=submit]").click()
    wait_for_path(village_page, rf"/villages/{VILLAGE}/$")
    for home in homes[2:5]:
        expect(village_page.locator(f'tr[data-household="{home.number}"]')).to_be_visible()
    pages.check(village_page, "village: contact members")
    assert sorted(ContactAssignment.objects.filter(contact=w["jia"])
                  .values_list("household_id", flat=True)) == [h.pk for h in homes[2:5]]

    # --- the township approver opens a daily round --------------------------------------------
    township = open_page()
    log_in(township, s["township"], next_url="/workflow/contacts/rounds/", pages=pages)
    wait_for_path(township, r"/rounds/$")
    pages.check(township, "township: rounds (none yet)")
    township.locator("a.wf-open-round").click()
    wait_for_path(township, r"/rounds/new/$")
    pages.check(township, "township: open a round")
    township.locator("#id_area").select_option(TOWNSHIP)
    township.locator("#id_title").fill("防非典每日一报")
    township.locator("#id_reason").fill("来金返金人员排查")
    township.locator('input[name="schedule"][value="daily"]').check()
    township.locator("#id_first_day").fill(days_ago(2).isoformat())
    township.locator("#id_last_day").fill(days_ago(-5).isoformat())
    township.locator("form.wf-round-form button[type=submit]").click()
    wait_for_path(township, r"/rounds/\d+/$")
    round_ = ReportingRound.objects.get()
    assert (round_.area_id, round_.first_day, round_.schedule) == (
        TOWNSHIP, days_ago(2), "daily")
    pages.check(township, "township: the round")

    # --- the secretary files the member's report for today ------------------------------------
    village_page.goto("/workflow/contacts/rounds/")
    pages.check(village_page, "village: rounds")
    village_page.locator(f'tr[data-round="{round_.pk}"] a').click()
    wait_for_path(village_page, rf"/rounds/{round_.pk}/$")
    expect(village_page.locator("table.wf-missing-day tbody tr")).to_have_count(3)
    pages.check(village_page, "village: the round, all missing")
    village_page.locator("a.wf-file-reports").click()
    wait_for_path(village_page, r"/report/$")
    pages.check(village_page, "village: the day's form")
    jia = w["jia"].pk
    village_page.locator(f"#id_c{jia}-status_{homes[2].pk}").select_option("all_well")
    village_page.locator(f"#id_c{jia}-status_{homes[3].pk}").select_option("to_report")
    village_page.locator(f"#id_c{jia}-note_{homes[3].pk}").fill("儿子从广州返乡")
    village_page.locator(f'form[data-contact="{jia}"] button[type=submit]').click()
    village_page.wait_for_url(lambda url: "date=" in url)
    expect(village_page.locator(".wf-flash")).to_be_visible()
    pages.check(village_page, "village: the day's form, filed")
    assert sorted(ContactReport.objects.filter(report_date=days_ago(0))
                  .values_list("household_id", "status")) == sorted([
                      (homes[2].pk, "all_well"), (homes[3].pk, "to_report")])

    # --- the village's missing reports: the one left -----------------------------------------
    village_page.goto(f"/workflow/contacts/rounds/{round_.pk}/?date={today}")
    expect(village_page.locator("table.wf-missing-day tbody tr")).to_have_count(1)
    expect(village_page.locator(
        f'table.wf-missing-day tr[data-household="{homes[4].number}"]')).to_be_visible()
    pages.check(village_page, "village: the round, one missing")

    # --- the township's roll-up ---------------------------------------------------------------
    township.goto(f"/workflow/contacts/rounds/{round_.pk}/?date={today}&village={VILLAGE}")
    row = township.locator(f'table.wf-rollup tr[data-village="{VILLAGE}"] td')
    expect(row.nth(0)).to_have_text("3")
    expect(row.nth(1)).to_have_text("2")
    expect(row.nth(2)).to_have_text("1")
    expect(township.locator(
        f'table.wf-missing-day tr[data-household="{homes[4].number}"]')).to_be_visible()
    pages.check(township, "township: roll-up and a village's missing")

    # --- the family sees who looks after them -------------------------------------------------
    family = f.user("family", w["areas"]["v11"], household=homes[3])
    home = open_page()
    log_in(home, family, next_url="/family/contact/", pages=pages)
    wait_for_path(home, r"^/family/contact/$")
    expect(home.locator(".wf-my-contact")).to_contain_text("联系人甲")
    pages.check(home, "family: my contact member")

    pages.assert_clean()


# --- 3. the statistics report --------------------------------------------------------------------

def table_rows(page) -> dict[str, dict[str, str]]:
    """{line label: {area code: the cell's text}} of the statistics table."""
    table = page.locator("table.wf-statistics-table")
    codes = [th.get_attribute("data-column")
             for th in table.locator("thead th[data-column]").all()]
    shown = {}
    for row in table.locator("tbody tr").all():
        label = row.locator("th").inner_text().strip()
        shown[label] = dict(zip(codes, cells(row)[1:], strict=True))
    return shown


def workbook_rows(body: bytes) -> tuple[list, dict[str, dict[str, object]]]:
    """The Excel's header and {line label: {area code: cell}}."""
    sheet = load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = rows[1]
    codes = [re.search(r"\((\d+)\)$", str(name)).group(1) for name in header[2:]]
    return header, {str(r[1]): dict(zip(codes, r[2:], strict=True)) for r in rows[2:]}


def test_a_district_user_reads_and_downloads_the_statistics_report(open_page, axe, village):
    w, s = village, village["staff"]
    pages = Pages(axe)
    today = timezone.localdate()
    year = today.year
    # this year's health check of 村1-1, as the secretary recorded it (test 1 walks it)
    campaign = healthchecks.open_campaign(
        actor=s["village"], village_code=VILLAGE, year=year, first_day=date(year, 1, 1),
        last_day=date(year, 12, 31), venue="村文化礼堂", funding_yuan="480.00")
    healthchecks.record_results(actor=s["village"], campaign=campaign, rows=[
        healthchecks.ResultInput(w["grandpa"].pk, Result.DONE, today),
        healthchecks.ResultInput(w["grandma"].pk, Result.REFERRED, today),
        healthchecks.ResultInput(w["head2"].pk, Result.NOT_DONE),
        healthchecks.ResultInput(w["jia"].pk, Result.DONE, today)])

    report = open_page()
    log_in_with_code(report, s["district"], next_url="/workflow/reports/statistics/",
                     pages=pages)
    wait_for_path(report, r"^/workflow/reports/statistics/$")
    expect(report.locator("table.wf-statistics-table")).to_be_visible()
    pages.check(report, "statistics: the first view")

    report.locator("#id_area").select_option(DISTRICT)
    report.locator("#id_year").fill(str(year))
    report.locator("form.wf-report-filters").get_by_role("button", name=t("Show")).click()
    report.wait_for_url(lambda url: f"year={year}" in url and f"area={DISTRICT}" in url)
    heading = report.get_by_role("heading", level=1)
    expect(heading).to_contain_text("金东区")
    expect(heading).to_contain_text(str(year))
    columns = report.locator("table.wf-statistics-table thead th[data-column]")
    expect(columns).to_have_count(3)  # 镇1, 镇2 and the district
    pages.check(report, "statistics: the district's report")

    shown = table_rows(report)
    health = {t("Village health-check campaigns"): ("1", "0", "1"),
              t("Village funding (yuan)"): ("480.00", "0.00", "480.00"),
              t("Members listed"): ("5", "0", "5"),
              t("Members checked"): ("3", "0", "3"),
              t("Referred"): ("1", "0", "1"),
              t("Coverage (%)"): ("60.0", "0.0", "60.0")}
    codes = (TOWNSHIP, "330703002", DISTRICT)
    for label, expected in health.items():
        assert tuple(shown[label][code] for code in codes) == expected, (label, shown[label])
    members = shown[t("Association members")]
    assert int(members[DISTRICT]) == int(members[TOWNSHIP]) + int(members["330703002"]) > 0

    # --- the Excel: its type, and the page's numbers --------------------------------------
    excel_link = report.locator("a.wf-statistics-xlsx")
    with report.expect_download() as download:
        excel_link.click()
    assert download.value.suggested_filename.endswith(".xlsx")
    response = report.request.get(excel_link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == XLSX
    header, book = workbook_rows(response.body())
    assert header[:2] == [t("Section"), t("Line")]
    for label in (*health, t("Association members")):
        for code in codes:
            cell, text = book[label][code], shown[label][code]
            assert isinstance(cell, (int, float)), (label, code, cell)
            assert Decimal(str(cell)) == Decimal(text), (label, code, cell, text)

    # --- the PDF ----------------------------------------------------------------------------
    pdf_link = report.locator("a.wf-statistics-pdf")
    with report.expect_download() as download:
        pdf_link.click()
    assert download.value.suggested_filename.endswith(".pdf")
    response = report.request.get(pdf_link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    pdf = response.body()
    assert pdf.startswith(b"%PDF-")
    title = pdfread.info(pdf).get("Title", "")
    assert "金东区" in title and str(year) in title, pdfread.info(pdf)

    pages.assert_clean()
