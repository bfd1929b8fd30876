"""Answers to a signed-in user are never stored by a browser or proxy (full resident IDs
and phones among them); the public verification page keeps its own caching."""

import pytest

pytestmark = pytest.mark.django_db


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_the_api_household_with_full_identities_is_no_store(api, areas, family_home, staff):
    response = api(staff["village"]).get(f"/api/v1/households/{family_home['household'].pk}/")
    assert response.status_code == 200
    # the village reviewer's work needs the full number: it is in the answer
    member = response.json()["members"][0]
    assert "*" not in member["id_number"]
    assert no_store(response) and "private" in response["Cache-Control"]


def test_staff_and_family_pages_are_no_store(client, areas, family_home, staff):
    client.force_login(staff["village"])
    page = client.get(f"/workflow/register/households/{family_home['household'].pk}/")
    assert page.status_code == 200 and no_store(page)
    client.force_login(family_home["user"])
    home = client.get("/family/", follow=True)
    assert home.status_code == 200 and no_store(home)


def test_an_api_list_is_no_store_too(api, staff):
    response = api(staff["township"]).get("/api/v1/tasks/")
    assert response.status_code == 200 and no_store(response)


def test_the_public_card_check_keeps_its_own_caching(client, staff):
    """The view sets ``public, max-age`` itself (no personal data on it): the middleware
    leaves a view's own Cache-Control alone, signed in or not."""
    from casework import card_tokens

    url = f"/verify/{card_tokens.sign_card('YD-0000-NONE')}/"
    client.force_login(staff["village"])
    response = client.get(url)
    assert response.status_code == 200
    assert "public" in response["Cache-Control"] and not no_store(response)
