"""Issue 12 point 4 through the API: money, dates and names answer 400 naming the field,
in the user's language, and nothing is stored (the rules: ``casework.field_rules``)."""

from datetime import date

import pytest

from casework.models import AuditEvent, Household, Person

from .test_households import payload, rid

URL = "/api/v1/households/"


def _post(api, staff, body, language="en"):
    return api(staff["village"]).post(URL, body, format="json",
                                      HTTP_ACCEPT_LANGUAGE=language)


def _nothing_stored():
    assert not Household.objects.exists()
    assert not Person.objects.exists()
    assert not AuditEvent.objects.filter(action="household_registered").exists()


@pytest.mark.parametrize(("income", "words"), [
    ("-5", "cannot be negative"),
    ("-0.01", "cannot be negative"),
    ("10000000.01", "cannot be more than 10,000,000 yuan"),
    ("99999999.99", "cannot be more than 10,000,000 yuan"),
])
def test_income_out_of_range_is_400_naming_the_field(api, areas, staff, income, words):
    body = {**payload(areas), "annual_income_yuan": income}
    response = _post(api, staff, body)
    assert response.status_code == 400, response.content
    errors = response.json()
    assert list(errors) == ["annual_income_yuan"]
    message = " ".join(errors["annual_income_yuan"])
    assert message.startswith("Annual household income (yuan) ") and words in message
    _nothing_stored()


def test_income_at_the_bounds_is_stored(api, areas, staff):
    body = {**payload(areas), "annual_income_yuan": "0"}
    assert _post(api, staff, body).status_code == 201
    other = {"name": "许九", "id_number": rid(date(1975, 5, 5), 31), "relationship": "head"}
    body = {**payload(areas, other, number="H-API-0002"), "annual_income_yuan": "10000000.00"}
    response = _post(api, staff, body)
    assert response.status_code == 201, response.content
    assert str(Household.objects.get(number="H-API-0002").annual_income_yuan) == "10000000.00"


def test_the_message_is_in_the_users_language(api, areas, staff):
    body = {**payload(areas), "annual_income_yuan": "-5"}
    response = _post(api, staff, body, language="zh-hans")
    assert response.status_code == 400
    # the field's name as the Chinese form shows it
    assert "家庭年收入" in " ".join(response.json()["annual_income_yuan"])


@pytest.mark.parametrize("field", ["one_child_certificate_date", "second_birth_renounced_date"])
@pytest.mark.parametrize(("day", "words"), [
    ("0001-01-01", "cannot be before 1900-01-01"),
    ("1899-12-31", "cannot be before 1900-01-01"),
    ("9999-12-31", "cannot be in the future"),
])
def test_certificate_dates_out_of_range_are_400(api, areas, staff, field, day, words):
    body = {**payload(areas), field: day}
    response = _post(api, staff, body)
    assert response.status_code == 400, response.content
    errors = response.json()
    assert list(errors) == [field]
    assert words in " ".join(errors[field])
    _nothing_stored()


def test_a_certificate_date_of_tomorrow_is_refused_and_of_1900_accepted(api, areas, staff):
    from datetime import timedelta

    from django.utils import timezone

    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    body = {**payload(areas), "one_child_certificate_date": tomorrow}
    assert _post(api, staff, body).status_code == 400
    body = {**payload(areas), "one_child_certificate_date": "1900-01-01"}
    assert _post(api, staff, body).status_code == 201


@pytest.mark.parametrize("name", [
    "\u200b\u200b",  # zero-width spaces
    "\u200c\u200d\u2060\ufeff",  # zero-width non-joiner, joiner, word joiner, BOM
    "\u200b\u3000\u00a0",  # with ideographic and no-break spaces (spaces alone are blank)
    "\u202e\u200f",  # right-to-left override and mark
    "\u3164\u3164",  # Hangul fillers: letters to Unicode, blank on screen
    "\u0301",  # a combining accent with nothing to sit on
])
def test_a_name_with_no_visible_character_is_400(api, areas, staff, name):
    body = payload(areas)
    body["members"][1]["name"] = name
    response = _post(api, staff, body)
    assert response.status_code == 400, response.content
    errors = response.json()
    assert list(errors) == ["members"]
    assert list(errors["members"]) == ["1"]
    assert "Name needs at least one visible character" in " ".join(
        errors["members"]["1"]["name"])
    _nothing_stored()


def test_invisible_characters_are_taken_out_of_a_stored_name(api, areas, staff):
    body = payload(areas)
    body["members"][0]["name"] = "\u200b陈\u200d一\u3000\u3000"
    response = _post(api, staff, body)
    assert response.status_code == 201, response.content
    assert response.json()["members"][0]["name"] == "陈一"
    assert Person.objects.filter(name="陈一").count() == 1


def test_negative_income_never_reaches_the_income_rules(api, areas, staff, programs):
    """The eligibility rules compare the income per head with a limit: -5 would pass
    every limit. It is refused at the door, so no household (and no case) carries it."""
    body = {**payload(areas), "annual_income_yuan": "-5"}
    assert _post(api, staff, body).status_code == 400
    assert not Household.objects.filter(annual_income_yuan__lt=0).exists()
