"""The staff pages: scoping per role (404 outside, 403 for readers' writes), opening a
campaign through the form, the results form (all or nothing), coverage, the CSV, and a
constant number of statements on the lists."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework.healthchecks import services
from casework.healthchecks.models import HealthCheckCampaign, HealthCheckRecord
from casework.models import RecordEvent
from tests import factories as f

from .conftest import FIRST, LAST, YEAR, client_for, member, open_campaign

R = HealthCheckRecord.Result


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def v21_campaign(roster):
    return open_campaign(roster["users"]["village_other"], roster["areas"]["v21"])


WRITE_PAGES = ("edit", "refresh")


def test_a_village_secretary_sees_their_village_only(roster, campaign, v21_campaign):
    client = client_for(roster["users"]["village"])
    page = client.get(reverse("healthchecks:index"), {"year": YEAR})
    assert page.status_code == 200
    text = page.content.decode()
    assert f'data-campaign="{campaign.pk}"' in text
    assert f'data-campaign="{v21_campaign.pk}"' not in text
    for name in ("campaign", "edit", "export"):
        assert client.get(reverse(f"healthchecks:{name}", args=[v21_campaign.pk])
                          ).status_code == 404
    for name in ("campaign", "edit", "refresh"):
        assert client.post(reverse(f"healthchecks:{name}", args=[v21_campaign.pk]),
                           {}).status_code == 404
    assert client.get(reverse("healthchecks:campaign", args=[999999])).status_code == 404
    assert client.get(reverse("healthchecks:campaign", args=[campaign.pk])).status_code == 200


@pytest.mark.parametrize("role", ["township", "district", "auditor"])
def test_township_district_and_auditors_read_but_do_not_write(roster, campaign, role):
    client = client_for(roster["users"][role])
    page = client.get(reverse("healthchecks:campaign", args=[campaign.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "王户主" in text and 'name="result_' not in text
    assert client.get(reverse("healthchecks:edit", args=[campaign.pk])).status_code == 403
    assert client.get(reverse("healthchecks:open")).status_code == 403
    response = client.post(reverse("healthchecks:campaign", args=[campaign.pk]), {
        "persons": str(roster["head"].pk), f"result_{roster['head'].pk}": R.DONE,
        f"day_{roster['head'].pk}": FIRST.isoformat()})
    assert response.status_code == 403
    assert client.post(reverse("healthchecks:refresh", args=[campaign.pk])).status_code == 403
    assert not HealthCheckRecord.objects.exclude(result=R.PENDING).exists()
    assert HealthCheckRecord.objects.count() == 3
    assert client.get(reverse("healthchecks:coverage"), {"year": YEAR}).status_code == 200


def test_families_are_sent_to_their_own_pages(roster, campaign):
    client = client_for(roster["users"]["family"])
    for url in (reverse("healthchecks:index"),
                reverse("healthchecks:campaign", args=[campaign.pk])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == "/family/"


def test_opening_a_campaign_through_the_form(roster):
    client = client_for(roster["users"]["village"])
    url = reverse("healthchecks:open")
    form = client.get(url)
    assert form.status_code == 200
    v11 = roster["areas"]["v11"]
    assert f'value="{v11.code}"' in form.content.decode()
    data = {"area": v11.code, "year": YEAR, "first_day": date(YEAR - 1, 12, 30).isoformat(),
            "last_day": LAST.isoformat(), "venue": "文化礼堂", "provider": "卫生院",
            "funding_yuan": "300", "note": ""}
    bad = client.post(url, data)
    assert bad.status_code == 200
    assert 'data-field="first_day"' in bad.content.decode()
    assert not HealthCheckCampaign.objects.exists()
    assert not HealthCheckRecord.objects.exists()
    other = client.post(url, {**data, "first_day": FIRST.isoformat(),
                              "area": roster["areas"]["v21"].code})
    assert 'data-field="area"' in other.content.decode()  # not one of their villages
    assert not HealthCheckCampaign.objects.exists()
    good = client.post(url, {**data, "first_day": FIRST.isoformat()})
    campaign = HealthCheckCampaign.objects.get()
    assert good.status_code == 302
    assert good["Location"] == reverse("healthchecks:campaign", args=[campaign.pk])
    assert HealthCheckRecord.objects.filter(campaign=campaign).count() == 3
    again = client.post(url, {**data, "first_day": FIRST.isoformat()})
    assert 'data-field="year"' in again.content.decode()
    assert HealthCheckCampaign.objects.count() == 1


def _results(roster, **rows):
    """A results form's data: ``name=(result, day)`` for people of the roster."""
    data = {"persons": ",".join(str(roster[name].pk) for name in rows)}
    for name, (result, day) in rows.items():
        pk = roster[name].pk
        data[f"result_{pk}"] = result
        data[f"day_{pk}"] = day.isoformat() if day else ""
    return data


def test_the_results_form_is_all_or_nothing(roster, campaign):
    client = client_for(roster["users"]["village"])
    url = reverse("healthchecks:campaign", args=[campaign.pk])
    page = client.get(url).content.decode()
    head = roster["head"].pk
    assert f'name="result_{head}"' in page and f'name="day_{head}"' in page
    assert f'<label for="id_result_{head}"' in page
    bad = client.post(url, _results(roster, head=(R.DONE, FIRST),
                                    spouse=(R.DONE, LAST + timedelta(days=3)),
                                    neighbour=(R.NOT_DONE, None)))
    assert bad.status_code == 200
    text = bad.content.decode()
    assert f'data-field="day_{roster["spouse"].pk}"' in text
    assert set(HealthCheckRecord.objects.values_list("result", flat=True)) == {R.PENDING}
    good = client.post(url, _results(roster, head=(R.DONE, FIRST),
                                     spouse=(R.REFERRED, LAST), neighbour=(R.NOT_DONE, None)))
    assert good.status_code == 302
    got = dict(HealthCheckRecord.objects.values_list("person__name", "result"))
    assert got == {"王户主": R.DONE, "李配偶": R.REFERRED, "张邻居": R.NOT_DONE}
    assert RecordEvent.objects.filter(action="result_recorded").count() == 3


def test_a_person_not_on_the_list_is_named_and_nothing_stored(roster, campaign):
    client = client_for(roster["users"]["village"])
    url = reverse("healthchecks:campaign", args=[campaign.pk])
    data = _results(roster, head=(R.DONE, FIRST))
    data["persons"] += f",{roster['stranger'].pk}"
    response = client.post(url, data)
    assert response.status_code == 200
    text = response.content.decode()
    assert "not on the campaign" in text
    assert not HealthCheckRecord.objects.exclude(result=R.PENDING).exists()


def test_refresh_and_edit_pages(roster, campaign):
    client = client_for(roster["users"]["village"])
    response = client.post(reverse("healthchecks:refresh", args=[campaign.pk]))
    assert response.status_code == 302
    assert HealthCheckRecord.objects.filter(campaign=campaign).count() == 4
    url = reverse("healthchecks:edit", args=[campaign.pk])
    assert client.get(url).status_code == 200
    bad = client.post(url, {"first_day": FIRST.isoformat(),
                            "last_day": date(YEAR + 1, 1, 1).isoformat(),
                            "venue": "", "provider": "", "funding_yuan": "10", "note": ""})
    assert 'data-field="last_day"' in bad.content.decode()
    good = client.post(url, {"first_day": FIRST.isoformat(), "last_day": LAST.isoformat(),
                             "venue": "村委会", "provider": "", "funding_yuan": "10",
                             "note": ""})
    assert good.status_code == 302
    campaign.refresh_from_db()
    assert (campaign.venue, str(campaign.funding_yuan)) == ("村委会", "10.00")


def test_the_list_as_csv(roster, campaign):
    services.record_results(actor=roster["users"]["village"], campaign=campaign, rows=[
        services.ResultInput(roster["head"].pk, R.DONE, FIRST)])
    response = client_for(roster["users"]["auditor"]).get(
        reverse("healthchecks:export", args=[campaign.pk]))
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    assert roster["home"].number in text and "王户主" in text and FIRST.isoformat() in text
    assert roster["head"].id_number not in text
    assert len(text.strip().splitlines()) == 4


def test_the_coverage_page(roster, campaign, v21_campaign):
    services.record_results(actor=roster["users"]["village"], campaign=campaign, rows=[
        services.ResultInput(roster["head"].pk, R.DONE, FIRST),
        services.ResultInput(roster["spouse"].pk, R.REFERRED, LAST)])
    text = client_for(roster["users"]["district"]).get(
        reverse("healthchecks:coverage"), {"year": YEAR}).content.decode()
    assert f'data-village="{roster["areas"]["v11"].code}"' in text
    assert f'data-village="{roster["areas"]["v22"].code}"' in text
    assert "66.7 %" in text  # v11: 2 of 3
    assert "50.0 %" in text  # the district: 2 of 4
    township = client_for(roster["users"]["township"]).get(
        reverse("healthchecks:coverage"), {"year": YEAR}).content.decode()
    assert f'data-village="{roster["areas"]["v21"].code}"' not in township


def _grow(roster, campaign, n):
    """``n`` more members on the campaign's list and ``n`` more campaigns of the year."""
    from casework.models import Area

    hh = f.household(roster["areas"]["v11"])
    for i in range(n):
        member(hh, name=f"成员{i}", birth=date(1940, 1, 1) + timedelta(days=i))
    services.refresh_members(actor=roster["users"]["village"], campaign=campaign)
    for i in range(n):
        village = Area.objects.create(code=f"{roster['areas']['t1'].code}{300 + i:03d}",
                                      name=f"新村{i}", level=Area.Level.VILLAGE,
                                      parent=roster["areas"]["t1"])
        open_campaign(roster["users"]["admin"], village)


def _count(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params or {}).status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", ["village", "admin"])
def test_pages_cost_the_same_statements_at_few_and_many_rows(roster, campaign, role):
    client = client_for(roster["users"][role])
    urls = [(reverse("healthchecks:index"), {"year": YEAR}),
            (reverse("healthchecks:campaign", args=[campaign.pk]), {}),
            (reverse("healthchecks:coverage"), {"year": YEAR})]
    for url, params in urls:  # warm up (session, menu)
        _count(client, url, params)
    few = [_count(client, url, params) for url, params in urls]
    _grow(roster, campaign, 60)
    many = [_count(client, url, params) for url, params in urls]
    assert few == many
    page = client.get(reverse("healthchecks:campaign", args=[campaign.pk])).content.decode()
    assert "wf-next-page" in page  # 63 listed: a second page
