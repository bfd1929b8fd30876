"""Resident identity numbers (GB 11643-1999): check character, birth date, sex, masking."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from casework.personal.identity import (
    check_character,
    make_resident_id,
    mask_resident_id,
    parse_resident_id,
    validate_resident_id,
)

# the example printed in GB 11643-1999 and in countless textbooks
PUBLISHED = "11010519491231002X"


def _with_check(first17: str) -> str:
    return first17 + check_character(first17)


def _reference_check(first17: str) -> str:
    """ISO 7064 MOD 11-2 computed from its definition, not from a weight table:
    weight of position i (1-based from the left, 18 positions) is 2**(18 - i) mod 11,
    and the check value is (12 - sum mod 11) mod 11, with 10 written X."""
    total = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(first17))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def test_the_published_example_is_valid():
    assert check_character(PUBLISHED[:17]) == "X"
    rid = parse_resident_id(PUBLISHED)
    assert rid.number == PUBLISHED
    assert rid.area_code == "110105"
    assert rid.birth_date == date(1949, 12, 31)
    # the 17th character, "2", is even: the holder is a woman
    assert rid.sex == "F"
    validate_resident_id(PUBLISHED)


@pytest.mark.parametrize("first17", [
    "11010519491231002", "33070319600501001", "44030119900101123", "51010719851231999",
    "00000000000000000", "99999999999999999",
])
def test_check_character_matches_the_iso_7064_definition(first17):
    assert check_character(first17) == _reference_check(first17)


def test_every_check_value_occurs_and_is_verified():
    seen = set()
    for seq in range(0, 200):
        number = make_resident_id("330703", date(1970, 1, 1), seq, "M" if seq % 2 else "F")
        seen.add(number[-1])
        assert parse_resident_id(number).number == number
        assert number[-1] == _reference_check(number[:17])
    assert seen == set("0123456789X")


@pytest.mark.parametrize("sex", ["M", "F"])
@pytest.mark.parametrize("seq", [0, 1, 2, 998, 999])
def test_make_resident_id_builds_valid_numbers_of_the_right_sex(seq, sex):
    birth = date(1962, 8, 15)
    number = make_resident_id("330703", birth, seq, sex)
    assert len(number) == 18
    rid = parse_resident_id(number)
    assert rid.birth_date == birth and rid.sex == sex and rid.area_code == "330703"


@pytest.mark.parametrize("year, valid", [
    (1996, True), (2000, True), (2004, True),  # leap years (2000: divisible by 400)
    (1997, False), (1999, False), (1900, False), (2100, False),  # common years
])
def test_29_february_is_a_birth_date_only_in_leap_years(year, valid):
    number = _with_check(f"330703{year}0229001")
    if valid:
        assert parse_resident_id(number).birth_date == date(year, 2, 29)
    else:
        with pytest.raises(ValidationError) as exc:
            parse_resident_id(number, today=date(2200, 1, 1))
        assert exc.value.code == "id_birth_date"


@pytest.mark.parametrize("birth", ["19990231", "19991301", "19990001", "19990100",
                                   "19990431", "18991231"])
def test_impossible_or_too_old_birth_dates_are_refused(birth):
    with pytest.raises(ValidationError) as exc:
        parse_resident_id(_with_check(f"330703{birth}001"))
    assert exc.value.code == "id_birth_date"


def test_a_birth_date_in_the_future_is_refused():
    number = _with_check("330703" + "20300101" + "001")
    with pytest.raises(ValidationError) as exc:
        parse_resident_id(number, today=date(2029, 12, 31))
    assert exc.value.code == "id_birth_date"
    assert parse_resident_id(number, today=date(2030, 1, 1)).birth_date == date(2030, 1, 1)


def test_a_wrong_check_character_is_refused():
    good = make_resident_id("330703", date(1960, 5, 1), 11, "M")
    for wrong in "0123456789X":
        if wrong == good[-1]:
            continue
        with pytest.raises(ValidationError) as exc:
            parse_resident_id(good[:17] + wrong)
        assert exc.value.code == "id_checksum"


def test_a_single_digit_typo_is_always_caught():
    good = make_resident_id("330703", date(1960, 5, 1), 11, "M")
    for i in range(17):
        for digit in "0123456789":
            if digit == good[i]:
                continue
            typo = good[:i] + digit + good[i + 1:]
            with pytest.raises(ValidationError):
                parse_resident_id(typo)


def test_two_adjacent_digits_swapped_are_caught():
    good = make_resident_id("330703", date(1960, 5, 1), 123, "M")
    for i in range(16):
        if good[i] == good[i + 1]:
            continue
        swapped = good[:i] + good[i + 1] + good[i] + good[i + 2:]
        with pytest.raises(ValidationError):
            parse_resident_id(swapped)


@pytest.mark.parametrize("value", ["", None, "1101051949123100", "11010519491231002XX",
                                   "1101051949123100XX", "A1010519491231002X",
                                   "110105 9491231002X", "11010519491231002Y"])
def test_malformed_numbers_are_refused_as_format_errors(value):
    with pytest.raises(ValidationError) as exc:
        parse_resident_id(value)
    assert exc.value.code == "id_format"


def test_lowercase_x_and_surrounding_spaces_are_normalised():
    assert parse_resident_id(" 11010519491231002x ").number == PUBLISHED


def test_mask_shows_the_first_six_and_last_four():
    assert mask_resident_id(PUBLISHED) == "110105********002X"
    number = make_resident_id("330703", date(1960, 5, 1), 11, "M")
    masked = mask_resident_id(number)
    assert len(masked) == 18
    assert masked[:6] == number[:6] and masked[-4:] == number[-4:]
    assert masked[6:14] == "*" * 8
    # the birth date is hidden
    assert "19600501" not in masked
    assert mask_resident_id("") == ""
