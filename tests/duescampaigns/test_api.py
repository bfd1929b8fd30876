"""The dues campaigns' API: list (scoped), open (the district's keepers; the field named;
409 for a second one), the rates (exact, scoped), all in the OpenAPI schema."""

from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from casework.duescampaigns.models import DuesCampaign
from casework.models import RecordEvent
from tests import factories as f

CAMPAIGNS = reverse("api:duescampaigns-list")
RATES = reverse("api:duescampaigns-rates")
BODY = {"area": "330703002", "year": 2024, "pilot": True, "starts_on": "2024-03-01",
        "ends_on": "2024-12-31", "target_percent": 80}


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_list_is_scoped(world, staff):
    c = world["campaigns"]
    ids = lambda user, **q: [r["id"] for r in api(user).get(CAMPAIGNS, q).json()["results"]]  # noqa: E731
    assert sorted(ids(staff["district"])) == sorted(x.pk for x in c.values())
    assert sorted(ids(staff["township"])) == sorted([c["t1"].pk, c["district"].pk])
    assert ids(staff["district"], year=2024) == [c["t2_2024"].pk]
    row = next(r for r in api(staff["village"]).get(CAMPAIGNS).json()["results"]
               if r["id"] == c["t1"].pk)
    assert (row["area"], row["area_name"], row["pilot"], row["target_percent"],
            row["starts_on"]) == ("330703001", "镇1", True, 80, "2025-03-01")
    family = f.user("family", world["areas"]["v11"])
    assert api(family).get(CAMPAIGNS).json()["results"] == []


def test_the_district_opens_one(areas, staff):
    response = api(staff["district"]).post(CAMPAIGNS, BODY, format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["area"], response.json()["pilot"]) == ("330703002", True)
    assert RecordEvent.objects.filter(action="dues_campaign_opened").count() == 1
    again = api(staff["district"]).post(CAMPAIGNS, BODY, format="json")
    assert again.status_code == 409 and "area" in again.json()


@pytest.mark.parametrize(("changes", "field"), [
    ({"area": "330703001001"}, "area"),
    ({"area": "999999"}, "area"),
    ({"target_percent": 120}, "target_percent"),
    ({"ends_on": "2026-06-01"}, "ends_on"),
    ({"starts_on": "nope"}, "starts_on"),
    ({"year": 1990}, "year"),
])
def test_bad_input_names_the_field(areas, staff, changes, field):
    response = api(staff["district"]).post(CAMPAIGNS, {**BODY, **changes}, format="json")
    assert response.status_code == 400 and field in response.json(), response.json()
    assert not DuesCampaign.objects.exists()


@pytest.mark.parametrize("role", ["township", "village", "auditor"])
def test_others_may_not_open(areas, staff, role):
    assert api(staff[role]).post(CAMPAIGNS, BODY, format="json").status_code == 403
    assert not DuesCampaign.objects.exists()


def test_the_rates_are_exact_and_scoped(world, staff):
    response = api(staff["district"]).get(RATES, {"year": 2025, "as_of": "2025-12-31"})
    assert response.status_code == 200
    body = response.json()
    assert (body["total"]["members_owing"], body["total"]["members_paid"],
            Decimal(body["total"]["dues_collected_yuan"]),
            Decimal(body["total"]["collection_percent"])) == (8, 5, Decimal("55.00"),
                                                               Decimal("62.5"))
    assert [(t["code"], t["pilot"], t["target_percent"], t["members_owing"])
            for t in body["townships"]] == [("330703001", True, 80, 6),
                                            ("330703002", False, None, 2)]
    v11 = body["villages"][0]
    assert (v11["code"], v11["township"], v11["members_paid"]) == (
        "330703001001", "330703001", 3)
    assert v11["arrears_url"].endswith("/workflow/register/arrears/?area=330703001001&year=2025")
    township = api(staff["township"]).get(RATES, {"year": 2025, "area": "330703001",
                                                  "as_of": "2025-12-31"})
    assert township.json()["total"]["members_owing"] == 6
    assert api(staff["township"]).get(RATES, {"area": "330703002"}).status_code == 404
    assert api(staff["township"]).get(RATES, {"year": "x"}).status_code == 400
    family = f.user("family", world["areas"]["v11"])
    assert api(family).get(RATES).status_code == 404


def test_the_endpoints_are_in_the_schema(db, staff):
    response = api(staff["district"]).get(reverse("schema"), {"format": "json"})
    paths = response.json()["paths"] if response.headers["Content-Type"].startswith(
        "application/json") else None
    if paths is None:
        import yaml

        paths = yaml.safe_load(response.content)["paths"]
    assert "/api/v1/dues-campaigns/" in paths and "/api/v1/dues-rates/" in paths
    assert {"get", "post"} <= set(paths["/api/v1/dues-campaigns/"])
    assert "409" in paths["/api/v1/dues-campaigns/"]["post"]["responses"]
