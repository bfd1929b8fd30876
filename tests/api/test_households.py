"""Registering households over the API, resident ID validation and masking."""

from datetime import date

import pytest

from casework.models import AuditEvent, Household, Membership, Person
from casework.personal.identity import check_character, make_resident_id, mask_resident_id
from tests import factories as f

from .conftest import unique_birth

AREA = "330703"


def rid(birth, seq, sex="M"):
    return make_resident_id(AREA, birth, seq, sex)


def payload(areas, *members, number="H-API-0001", village="v11"):
    return {
        "number": number, "area": areas[village].code, "address": "一组 5 号",
        "registration": "local", "hardship": True, "annual_income_yuan": "18000.00",
        "members": list(members) or [
            {"name": "陈一", "id_number": rid(date(1958, 3, 4), 11), "relationship": "head",
             "phone": "13900000001", "pension_insured": True, "member_number": "MX-1"},
            {"name": "林二", "id_number": rid(date(1960, 7, 8), 12, "F"),
             "relationship": "spouse"},
        ],
    }


def _wrong_check(number):
    good = check_character(number[:17])
    wrong = next(c for c in "0123456789X" if c != good)
    return number[:17] + wrong


def _bad_date(number):
    first17 = number[:6] + "19990231" + number[14:17]
    return first17 + check_character(first17)


BAD_IDS = {
    "too_short": lambda n: n[:17],
    "too_long": lambda n: n + "1",
    "letters": lambda n: n[:10] + "AB" + n[12:],
    "impossible_date": _bad_date,
    "wrong_check_character": _wrong_check,
}


def test_village_reviewer_registers_a_household(api, areas, staff):
    client = api(staff["village"])
    body = payload(areas)
    response = client.post("/api/v1/households/", body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["number"] == "H-API-0001" and data["area"] == areas["v11"].code
    assert [m["name"] for m in data["members"]] == ["陈一", "林二"]
    # the reviewer's work needs the full number
    assert [m["id_number"] for m in data["members"]] == [m["id_number"]
                                                         for m in body["members"]]
    head = Person.objects.get(id_number=body["members"][0]["id_number"])
    assert head.sex == "M" and head.birth_date == date(1958, 3, 4)
    assert head.household.hardship is True
    spouse = Person.objects.get(id_number=body["members"][1]["id_number"])
    assert spouse.sex == "F" and spouse.relationship == "spouse"
    assert Membership.objects.filter(person=head, number="MX-1").exists()
    assert data["members"][0]["is_member"] is True and data["members"][1]["is_member"] is False
    # and it is then in the reviewer's list
    rows = client.get("/api/v1/households/").json()["results"]
    assert data["id"] in {r["id"] for r in rows}
    # the register change is in the audit log, with who made it
    event = AuditEvent.objects.get(action="household_registered")
    assert event.actor == staff["village"] and event.case is None
    assert event.detail == {"household": data["id"], "village": areas["v11"].code,
                            "members": 2}


@pytest.mark.parametrize("kind", list(BAD_IDS))
def test_bad_resident_id_is_400_naming_the_member_field(api, areas, staff, kind):
    body = payload(areas)
    body["members"][1]["id_number"] = BAD_IDS[kind](body["members"][1]["id_number"])
    response = api(staff["village"]).post("/api/v1/households/", body, format="json")
    assert response.status_code == 400, response.content
    errors = response.json()
    assert set(errors) == {"members"}
    # only the faulty member is named, by its index, with its field
    assert list(errors["members"]) == ["1"], errors
    assert list(errors["members"]["1"]) == ["id_number"]
    assert errors["members"]["1"]["id_number"][0]
    assert not Household.objects.exists()
    assert not Person.objects.exists()


def test_id_number_errors_say_what_is_wrong(api, areas, staff):
    client = api(staff["village"])
    messages = {}
    for kind in ("impossible_date", "wrong_check_character", "too_short"):
        body = payload(areas)
        body["members"][0]["id_number"] = BAD_IDS[kind](body["members"][0]["id_number"])
        response = client.post("/api/v1/households/", body, format="json",
                               HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400
        messages[kind] = " ".join(response.json()["members"]["0"]["id_number"])
    assert "date" in messages["impossible_date"]
    assert "check character" in messages["wrong_check_character"]
    assert "18 characters" in messages["too_short"]


def test_lowercase_x_check_character_is_accepted_and_stored_uppercase(api, areas, staff):
    # find a number whose check character is X
    number = next(n for n in (rid(date(1970, 1, 1), s) for s in range(1, 400))
                  if n.endswith("X"))
    body = payload(areas, {"name": "周X", "id_number": number.lower(), "relationship": "head"})
    response = api(staff["village"]).post("/api/v1/households/", body, format="json")
    assert response.status_code == 201, response.content
    assert Person.objects.get().id_number == number


def test_already_registered_or_repeated_id_is_refused(api, areas, staff):
    existing = f.person(f.household(areas["v11"]), birth=unique_birth())
    body = payload(areas)
    body["members"][1]["id_number"] = existing.id_number
    response = api(staff["village"]).post("/api/v1/households/", body, format="json")
    assert response.status_code == 400 and "members" in response.json()
    # the refusal does not leak the full number of someone else
    assert existing.id_number not in response.content.decode()
    body = payload(areas)
    body["members"][1]["id_number"] = body["members"][0]["id_number"]
    response = api(staff["village"]).post("/api/v1/households/", body, format="json")
    assert response.status_code == 400 and "members" in response.json()
    assert Household.objects.count() == 1


def test_household_needs_members_and_a_village(api, areas, staff):
    client = api(staff["village"])
    body = payload(areas)
    body["members"] = []
    response = client.post("/api/v1/households/", body, format="json")
    assert response.status_code == 400 and "members" in response.json()
    body = payload(areas)
    body["area"] = areas["t1"].code
    response = client.post("/api/v1/households/", body, format="json")
    assert response.status_code == 400 and "area" in response.json()
    assert not Household.objects.exists()


@pytest.mark.parametrize("who", ["family", "auditor", "township", "district",
                                 "village_other"])
def test_only_the_villages_reviewer_may_register(api, areas, staff, family_home, who):
    user = family_home["user"] if who == "family" else staff[who]
    before = Household.objects.count()
    response = api(user).post("/api/v1/households/", payload(areas), format="json")
    assert response.status_code == 403, response.content
    assert Household.objects.count() == before
    assert not Person.objects.filter(name="陈一").exists()


@pytest.mark.parametrize("who, masked", [
    ("family", True),
    ("auditor", True),
    ("village", False),
    ("township", False),
    ("district", False),
])
def test_resident_ids_are_masked_for_family_and_auditor(api, family_home, staff, who, masked):
    user = family_home["user"] if who == "family" else staff[who]
    hh = family_home["household"]
    response = api(user).get(f"/api/v1/households/{hh.pk}/")
    assert response.status_code == 200
    shown = {m["id"]: m["id_number"] for m in response.json()["members"]}
    assert len(shown) == 2
    for person in Person.objects.filter(household=hh):
        full = person.id_number
        if masked:
            assert shown[person.pk] == full[:6] + "*" * 8 + full[-4:]
            assert full not in response.content.decode()
        else:
            assert shown[person.pk] == full
    assert mask_resident_id(family_home["applicant"].id_number).count("*") == 8
