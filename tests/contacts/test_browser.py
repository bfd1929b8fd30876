"""A reporting round through the pages, in a real browser (zh-hans): the village secretary
names a contact member for three households, the township approver opens a daily round,
the secretary files the member's report for the day (two households, one left), the
missing list and the township's roll-up show the one left, the family reads who their
contact member is. Every page passes axe-core (no serious or critical violation)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from casework.contacts.models import ContactAssignment, ContactReport, ReportingRound
from tests import factories as f
from tests.browser.conftest import axe, browser, open_page  # noqa: F401  (fixtures)

from .conftest import days_ago

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "pw-Test-12345"  # tests.factories.user


def log_in(page, user, next_url: str):
    page.goto(f"/accounts/login/?next={next_url}")
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_url(lambda url: urlsplit(url).path != "/accounts/login/")


def wait_for_path(page, pattern: str):
    page.wait_for_url(lambda url: re.search(pattern, urlsplit(url).path) is not None)


def test_a_village_secretary_runs_a_reporting_round(open_page, axe, world):  # noqa: F811
    w, s = world, world["staff"]
    homes = w["homes"]
    today = days_ago(0).isoformat()

    # --- the village secretary names a contact member ----------------------------------------
    village = open_page()
    log_in(village, s["village"], "/workflow/contacts/")
    wait_for_path(village, r"^/workflow/contacts/$")
    axe.check(village, "village: contact members (none yet)")
    village.locator("a.wf-assign").click()
    wait_for_path(village, r"/assign/$")
    axe.check(village, "village: assign form")
    village.locator("#id_contact").select_option(str(w["jia"].pk))
    for home in homes[2:5]:
        village.locator(f'input[name="households"][value="{home.pk}"]').check()
    village.locator("#id_since").fill(days_ago(5).isoformat())
    village.locator("form.wf-assign-form button[type=submit]").click()
    wait_for_path(village, r"/villages/330703001001/$")
    for home in homes[2:5]:
        expect(village.locator(f'tr[data-household="{home.number}"]')).to_be_visible()
    axe.check(village, "village: contact members")
    assert ContactAssignment.objects.filter(contact=w["jia"]).count() == 3

    # --- the township approver opens a daily round ----------------------------------------------
    township = open_page()
    log_in(township, s["township"], "/workflow/contacts/rounds/")
    wait_for_path(township, r"/rounds/$")
    axe.check(township, "township: rounds (none yet)")
    township.locator("a.wf-open-round").click()
    wait_for_path(township, r"/rounds/new/$")
    axe.check(township, "township: open a round")
    township.locator("#id_area").select_option("330703001")
    township.locator("#id_title").fill("防非典每日一报")
    township.locator("#id_reason").fill("来金返金人员排查")
    township.locator('input[name="schedule"][value="daily"]').check()
    township.locator("#id_first_day").fill(days_ago(2).isoformat())
    township.locator("#id_last_day").fill(days_ago(-5).isoformat())
    township.locator("form.wf-round-form button[type=submit]").click()
    wait_for_path(township, r"/rounds/\d+/$")
    round_ = ReportingRound.objects.get()
    axe.check(township, "township: the round")

    # --- the secretary files the member's report for today --------------------------------------
    village.goto("/workflow/contacts/rounds/")
    axe.check(village, "village: rounds")
    village.locator(f'tr[data-round="{round_.pk}"] a').click()
    wait_for_path(village, rf"/rounds/{round_.pk}/$")
    expect(village.locator("table.wf-missing-day tbody tr")).to_have_count(3)
    axe.check(village, "village: the round, all missing")
    village.locator("a.wf-file-reports").click()
    wait_for_path(village, r"/report/$")
    axe.check(village, "village: the day's form")
    jia = w["jia"].pk
    village.locator(f"#id_c{jia}-status_{homes[2].pk}").select_option("all_well")
    village.locator(f"#id_c{jia}-status_{homes[3].pk}").select_option("to_report")
    village.locator(f"#id_c{jia}-note_{homes[3].pk}").fill("儿子从广州返乡")
    village.locator(f'form[data-contact="{jia}"] button[type=submit]').click()
    village.wait_for_url(lambda url: "date=" in url)
    expect(village.locator(".wf-flash")).to_be_visible()
    axe.check(village, "village: the day's form, filed")
    assert sorted(ContactReport.objects.filter(report_date=days_ago(0))
                  .values_list("household_id", "status")) == sorted([
                      (homes[2].pk, "all_well"), (homes[3].pk, "to_report")])
    village.goto(f"/workflow/contacts/rounds/{round_.pk}/?date={today}")
    expect(village.locator("table.wf-missing-day tbody tr")).to_have_count(1)
    expect(village.locator(f'table.wf-missing-day tr[data-household="{homes[4].number}"]')
           ).to_be_visible()
    axe.check(village, "village: the round, one missing")

    # --- the township's roll-up ---------------------------------------------------------------
    township.goto(f"/workflow/contacts/rounds/{round_.pk}/?date={today}&village=330703001001")
    row = township.locator('table.wf-rollup tr[data-village="330703001001"] td')
    expect(row.nth(0)).to_have_text("3")
    expect(row.nth(1)).to_have_text("2")
    expect(row.nth(2)).to_have_text("1")
    axe.check(township, "township: roll-up and a village's missing")

    # --- the family sees who looks after them ---------------------------------------------------
    family = f.user("family", w["areas"]["v11"], household=homes[3])
    home = open_page()
    log_in(home, family, "/family/contact/")
    wait_for_path(home, r"^/family/contact/$")
    expect(home.locator(".wf-my-contact")).to_contain_text("联系人甲")
    axe.check(home, "family: my contact member")

    axe.assert_clean()
