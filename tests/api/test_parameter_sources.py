"""The API names each policy value's source, and each program's unit."""

from datetime import date

import pytest
from rest_framework.test import APIClient

from eligibility.defaults import REPORT
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(programs, areas):
    client = APIClient()
    client.force_authenticate(f.user("village_reviewer", areas["v11"]))
    return client


def test_programs_say_what_one_grant_covers(api):
    units = {p["code"]: p["unit"] for p in api.get("/api/v1/programs/").json()}
    assert units == {"medical_discount": "person", "pension_subsidy": "couple",
                     "health_check": "person", "welfare_grant": "household",
                     "assistance_pairing": "household", "income_project": "household"}


def test_each_parameter_names_its_source(api):
    rows = {r["key"]: r for r in api.get("/api/v1/programs/health_check/parameters/",
                                         HTTP_ACCEPT_LANGUAGE="en").json()}
    assert rows["checks_per_year"]["value"] == 1
    assert rows["checks_per_year"]["assumed"] is False
    assert rows["checks_per_year"]["source"] == (
        f"{REPORT}, seed 000_7c30ed9f65bb5294.txt, line 150")
    assert rows["retention_years"]["assumed"] is True
    assert rows["retention_years"]["source"] == "assumed, set locally"
    card = {r["key"]: r for r in api.get(
        "/api/v1/programs/medical_discount/parameters/").json()}["card_benefits"]
    assert card["source_location"].endswith("lines 146-149")
    assert [item["group"] for item in card["value"]][:3] == ["一免", "二优", "二优"]


def test_a_date_before_any_value_and_bad_input(api):
    assert api.get("/api/v1/programs/health_check/parameters/",
                   {"on": "2019-12-31"}).json() == []
    assert api.get("/api/v1/programs/health_check/parameters/",
                   {"on": str(date(2020, 1, 1))}).json()
    response = api.get("/api/v1/programs/health_check/parameters/", {"on": "someday"})
    assert response.status_code == 400 and "on" in response.json()
    assert api.get("/api/v1/programs/nope/parameters/").status_code == 404
