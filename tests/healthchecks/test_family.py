"""The family's health-check page: this year's campaign of the family's village and each
member of the family's own household, nobody else's."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.healthchecks import services
from casework.healthchecks.models import HealthCheckRecord

from .conftest import client_for, open_campaign

R = HealthCheckRecord.Result
URL = "/family/health-check/"


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def this_year(roster):
    """v11's campaign of this year, from 1 January (so a check can be recorded today)."""
    year = timezone.localdate().year
    return open_campaign(roster["users"]["village"], roster["areas"]["v11"], year=year,
                         first=date(year, 1, 1), last=date(year, 12, 31),
                         venue="村文化礼堂", provider="镇卫生院")


def test_the_url_is_where_the_brief_says():
    assert reverse("family:healthchecks_mine") == URL


def test_the_family_sees_its_own_members_and_their_status(roster, this_year):
    today = timezone.localdate()
    services.record_results(actor=roster["users"]["village"], campaign=this_year, rows=[
        services.ResultInput(roster["head"].pk, R.DONE, today)])
    page = client_for(roster["users"]["family"]).get(URL)
    assert page.status_code == 200
    text = page.content.decode()
    assert "村文化礼堂" in text and "镇卫生院" in text
    assert "王户主" in text and f"Checked on {today.isoformat()}" in text
    assert "李配偶" in text and "Waiting" in text
    assert "王小孩" in text and "for association members" in text
    # the neighbours in the same village are not shown
    assert "张邻居" not in text and "张离会" not in text
    assert roster["head"].id_number not in text


def test_a_neighbour_sees_their_own(roster, this_year):
    text = client_for(roster["users"]["neighbour_family"]).get(URL).content.decode()
    assert "张邻居" in text and "王户主" not in text


def test_without_a_campaign_this_year_the_page_says_so(roster, campaign):
    # ``campaign`` is last year's: this year has none
    text = client_for(roster["users"]["family"]).get(URL).content.decode()
    assert "has not planned a health check" in text
    assert "王户主" not in text


def test_staff_and_strangers_are_sent_away(roster, client):
    response = client_for(roster["users"]["village"]).get(URL)
    assert response.status_code == 302 and response["Location"] == "/workflow/"
    response = client.get(URL)
    assert response.status_code == 302 and "/login" in response["Location"]
