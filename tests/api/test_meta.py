"""Token login, who am I, the programs, and the OpenAPI schema and docs."""

import json

import pytest
from rest_framework.test import APIClient

from tests import factories as f

from .conftest import PASSWORD


def test_token_login_and_use(db, areas):
    user = f.user("village_reviewer", areas["v11"])
    anon = APIClient()
    response = anon.post("/api/v1/auth/token/", {"username": user.username,
                                                 "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    assert token
    # the same user gets the same token again
    again = anon.post("/api/v1/auth/token/", {"username": user.username,
                                              "password": PASSWORD}, format="json")
    assert again.json()["token"] == token
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/me/").json()["username"] == user.username


def test_token_refused_for_a_wrong_password_or_an_inactive_user(db, areas):
    user = f.user("family", areas["v11"])
    anon = APIClient()
    response = anon.post("/api/v1/auth/token/", {"username": user.username,
                                                 "password": "wrong"}, format="json")
    assert response.status_code == 400
    assert "token" not in response.json()
    user.is_active = False
    user.save()
    response = anon.post("/api/v1/auth/token/", {"username": user.username,
                                                 "password": PASSWORD}, format="json")
    assert response.status_code == 400


def test_token_endpoint_is_throttled(db, areas):
    anon = APIClient()
    # a different name each time: five failures for one name lock it out first (axes)
    codes = [anon.post("/api/v1/auth/token/", {"username": f"nobody{i}", "password": "x"},
                       format="json").status_code for i in range(31)]
    assert codes[:30] == [400] * 30
    assert codes[30] == 429


@pytest.mark.parametrize("role, area", [
    ("family", "v11"), ("village_reviewer", "v11"), ("township_approver", "t1"),
    ("district_approver", "district"), ("auditor", "district"),
])
def test_me(api, areas, role, area):
    hh = f.household(areas["v11"]) if role == "family" else None
    user = f.user(role, areas[area], household=hh)
    response = api(user).get("/api/v1/me/")
    assert response.status_code == 200
    data = response.json()
    assert data["username"] == user.username
    assert data["role"] == role
    assert data["area"] == areas[area].code
    assert data["area_name"] == areas[area].name
    assert data["household"] == (hh.pk if hh else None)


def test_me_without_area(api, db):
    user = f.user("admin", None)
    data = api(user).get("/api/v1/me/").json()
    assert data["area"] is None and data["role"] == "admin"


def test_programs_lists_the_six(api, programs, areas):
    response = api(f.user("family", areas["v11"])).get("/api/v1/programs/")
    assert response.status_code == 200
    rows = response.json()
    assert [p["code"] for p in rows] == ["medical_discount", "pension_subsidy", "health_check",
                                         "welfare_grant", "assistance_pairing",
                                         "income_project"]
    cash = {p["code"] for p in rows if p["is_cash"]}
    assert cash == {"pension_subsidy", "welfare_grant"}
    assert all(p["name_zh"] and p["name_en"] and p["active"] for p in rows)


def test_inactive_programs_are_not_listed(api, programs, areas):
    programs["health_check"].active = False
    programs["health_check"].save()
    rows = api(f.user("family", areas["v11"])).get("/api/v1/programs/").json()
    assert "health_check" not in {p["code"] for p in rows}
    assert len(rows) == 5


def test_openapi_schema(db):
    client = APIClient()
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert b"openapi" in response.content
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    for path in ("/api/v1/cases/", "/api/v1/cases/{id}/", "/api/v1/cases/{id}/history/",
                 "/api/v1/cases/{id}/withdraw/", "/api/v1/cases/{id}/resubmit/",
                 "/api/v1/cases/{id}/objections/", "/api/v1/households/",
                 "/api/v1/households/{id}/", "/api/v1/tasks/", "/api/v1/tasks/{id}/decision/",
                 "/api/v1/me/", "/api/v1/programs/", "/api/v1/auth/token/"):
        assert path in paths, path
    assert "post" in paths["/api/v1/tasks/{id}/decision/"]
    names = {p["name"] for p in paths["/api/v1/cases/"]["get"].get("parameters", [])}
    assert {"after", "page_size"} <= names


def test_api_docs_page(db):
    response = APIClient().get("/api/docs/")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()


def test_openapi_schema_validates_without_warnings(tmp_path):
    """The published schema is valid OpenAPI 3 and names every enum once."""
    from django.core.management import call_command

    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    assert text.startswith("openapi: 3")
    assert "/api/v1/tasks/{id}/decision/:" in text
