"""Properties of the resident identity number code (GB 11643-1999), checked with Hypothesis.

``test_identity.py`` holds the worked examples; these hold for every number:
- every number ``make_resident_id`` builds validates and parses back to its parts;
- ISO 7064 MOD 11-2 detects every single-character substitution: proved below from the
  weights, and checked against ``parse_resident_id`` position by position;
- a lowercase x is the same number as X;
- impossible, too old and future birth dates are refused as birth-date errors;
- anything else is refused with a ``ValidationError`` (never another exception), and
  only ASCII digits count as digits;
- the mask shows the first 6 and the last 4 characters and nothing in between.
"""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from casework.personal.identity import (
    _WEIGHTS,
    ResidentId,
    check_character,
    make_resident_id,
    mask_resident_id,
    parse_resident_id,
    validate_resident_id,
)

TODAY = date.today()
FIRST_BIRTH = date(1900, 1, 1)
DIGITS = "0123456789"
# the values a position can hold: 17 digits, then the check character (X is 10)
CHECK_VALUES = DIGITS + "X"

areas = st.text(DIGITS, min_size=6, max_size=6)
births = st.dates(min_value=FIRST_BIRTH, max_value=TODAY)
sexes = st.sampled_from("MF")
sequences = st.integers(min_value=-10**6, max_value=10**6)


@st.composite
def resident_ids(draw) -> str:
    return make_resident_id(draw(areas), draw(births), draw(sequences), draw(sexes))


def _value(char: str) -> int:
    return 10 if char == "X" else int(char)


def _code(number: str) -> str:
    with pytest.raises(ValidationError) as exc:
        parse_resident_id(number, today=TODAY)
    return exc.value.code


# --- built numbers are valid and say what they were built from -------------------------
@settings(max_examples=300, deadline=None)
@given(area=areas, birth=births, sequence=sequences, sex=sexes)
def test_every_built_number_validates_and_parses_back(area, birth, sequence, sex):
    number = make_resident_id(area, birth, sequence, sex)
    assert len(number) == 18 and number[:17].isascii() and number[:17].isdigit()
    assert parse_resident_id(number, today=TODAY) == ResidentId(
        number=number, area_code=area, birth_date=birth, sex=sex)
    validate_resident_id(number)
    # the sequence is kept, moved by one at most to carry the sex in its parity
    seq = int(number[14:17])
    assert abs(seq - sequence % 1000) <= 1
    assert (seq % 2 == 1) == (sex == "M")


@settings(max_examples=300, deadline=None)
@given(number=resident_ids())
def test_a_valid_number_satisfies_the_mod_11_2_equation(number):
    """ISO 7064 MOD 11-2: the weighted sum of all 18 values, the check character weighing
    1, is 1 modulo 11."""
    weights = [pow(2, 17 - i, 11) for i in range(18)]
    assert sum(w * _value(c) for w, c in zip(weights, number, strict=True)) % 11 == 1


# --- single substitutions ------------------------------------------------------------
def test_mod_11_2_detects_every_single_substitution_by_construction():
    """A substitution at position i changes the weighted sum by w_i * (new - old). 11 is
    prime, no weight is a multiple of 11 and two values of a position differ by 1 to 10,
    so the change is never a multiple of 11: the equation breaks, for every position
    and every pair of values. The code's weight table is the standard's."""
    weights = [pow(2, 17 - i, 11) for i in range(18)]
    assert list(_WEIGHTS) == weights[:17] and weights[17] == 1
    for i, weight in enumerate(weights):
        values = range(11) if i == 17 else range(10)
        for old in values:
            for new in values:
                if new != old:
                    assert weight * (new - old) % 11 != 0, (i, old, new)


@settings(max_examples=150, deadline=None)
@given(number=resident_ids())
def test_every_single_character_change_is_refused(number):
    """All 17 * 10 + 10 substitutions of one character (a digit, X, or the check
    character) of a valid number are refused."""
    for i in range(18):
        for char in CHECK_VALUES:
            if char == number[i]:
                continue
            changed = number[:i] + char + number[i + 1:]
            code = _code(changed)
            if i < 17 and char == "X":
                assert code == "id_format", changed  # X stands only at the end
            elif 6 <= i < 14:
                # the birth date: a changed digit may make it impossible or out of range
                assert code in ("id_checksum", "id_birth_date"), changed
            else:
                assert code == "id_checksum", changed


@settings(max_examples=150, deadline=None)
@given(number=resident_ids(), i=st.integers(0, 15))
def test_two_adjacent_digits_swapped_are_refused(number, i):
    """Adjacent weights differ modulo 11, so a transposition of two different digits is
    caught too."""
    assume(number[i] != number[i + 1])
    swapped = number[:i] + number[i + 1] + number[i] + number[i + 2:]
    assert _code(swapped) in ("id_checksum", "id_birth_date")


# --- lowercase x ---------------------------------------------------------------------
@settings(max_examples=100, deadline=None)
@given(area=areas, birth=births, start=st.integers(0, 999), sex=sexes,
       padding=st.sampled_from(["", " ", "\t", "  \n"]))
def test_lowercase_x_is_accepted_as_x(area, birth, start, sex, padding):
    # a sequence whose check character is X (one in about eleven)
    number = next(n for k in range(2000)
                  if (n := make_resident_id(area, birth, start + k, sex))[-1] == "X")
    lower = padding + number[:17] + "x" + padding
    assert parse_resident_id(lower, today=TODAY).number == number
    validate_resident_id(lower)


# --- birth dates ---------------------------------------------------------------------
def _with_date(area: str, yyyymmdd: str, seq: str) -> str:
    first17 = f"{area}{yyyymmdd}{seq}"
    return first17 + check_character(first17)


@settings(max_examples=300, deadline=None)
@given(area=areas, year=st.integers(1900, 2099), month=st.integers(0, 99),
       day=st.integers(0, 99), seq=st.text(DIGITS, min_size=3, max_size=3))
def test_impossible_birth_dates_are_refused(area, year, month, day, seq):
    try:
        date(year, month, day)
    except ValueError:
        pass
    else:
        assume(False)
    number = _with_date(area, f"{year:04d}{month:02d}{day:02d}", seq)
    assert _code(number) == "id_birth_date"


@settings(max_examples=200, deadline=None)
@given(area=areas, birth=st.one_of(
    st.dates(max_value=FIRST_BIRTH - timedelta(days=1), min_value=date(1000, 1, 1)),
    st.dates(min_value=TODAY + timedelta(days=1), max_value=date(9999, 12, 31))),
    seq=st.text(DIGITS, min_size=3, max_size=3))
def test_birth_dates_before_1900_or_after_today_are_refused(area, birth, seq):
    number = _with_date(area, f"{birth.year:04d}{birth.month:02d}{birth.day:02d}", seq)
    assert _code(number) == "id_birth_date"


# --- anything else -------------------------------------------------------------------
# characters for which str.isdigit() is true but which are not ASCII digits: fullwidth
# (３, typed by Chinese input methods), Arabic-Indic (٣), superscripts (²), circled (①)...
unicode_digits = st.characters(categories=["Nd", "No"]).filter(
    lambda c: c.isdigit() and not c.isascii())


@settings(max_examples=300, deadline=None)
@given(number=resident_ids(), data=st.data())
def test_only_ascii_digits_are_digits(number, data):
    """A number with any character replaced by another kind of digit is refused as a
    format error, never accepted and never a crash (``int('²')`` raises ValueError)."""
    positions = data.draw(st.sets(st.integers(0, 17), min_size=1), label="positions")
    chars = list(number)
    for i in positions:
        chars[i] = data.draw(unicode_digits, label=f"char {i}")
    assert _code("".join(chars)) == "id_format"


def test_fullwidth_digits_are_not_the_same_number():
    """Found by the property above: fullwidth digits with an ASCII check character were
    accepted and kept as typed, so the same person could be registered twice."""
    number = make_resident_id("330703", date(1960, 5, 1), 12, "M")
    fullwidth = number[:17].translate(str.maketrans(DIGITS, "０１２３４５６７８９")) + number[17]
    assert _code(fullwidth) == "id_format"
    assert _code("²" + number[1:]) == "id_format"


@settings(max_examples=500, deadline=None)
@given(value=st.one_of(st.none(), st.text(max_size=25),
                       st.text(DIGITS + "Xx ²３٣", min_size=16, max_size=20)))
def test_anything_is_either_a_valid_number_or_a_validation_error(value):
    try:
        rid = parse_resident_id(value, today=TODAY)
    except ValidationError as exc:
        assert exc.code in ("id_format", "id_birth_date", "id_checksum")
        return
    assert len(rid.number) == 18 and rid.number.isascii()
    assert rid.number == value.strip().upper()
    assert check_character(rid.number[:17]) == rid.number[17]


# --- masking -------------------------------------------------------------------------
@settings(max_examples=300, deadline=None)
@given(number=resident_ids())
def test_the_mask_shows_the_first_six_and_last_four_only(number):
    masked = mask_resident_id(number)
    assert len(masked) == 18
    assert masked[:6] == number[:6] and masked[-4:] == number[-4:]
    assert masked[6:14] == "*" * 8  # the birth date, whole
    assert number[6:14] not in masked


@settings(max_examples=200, deadline=None)
@given(area=areas, births_=st.lists(births, min_size=2, max_size=5, unique=True),
       sequence=st.integers(0, 999), sex=sexes)
def test_the_mask_tells_nothing_of_the_birth_date_but_the_check_character(
        area, births_, sequence, sex):
    masks = {mask_resident_id(make_resident_id(area, b, sequence, sex))[:-1] for b in births_}
    assert len(masks) == 1


@settings(max_examples=300, deadline=None)
@given(value=st.text(min_size=10, max_size=40))
def test_the_mask_of_any_value_hides_all_but_the_first_six_and_last_four(value):
    masked = mask_resident_id(value)
    assert len(masked) == len(value)
    assert masked[:6] == value[:6] and masked[len(value) - 4:] == value[-4:]
    assert masked[6:len(value) - 4] == "*" * (len(value) - 10)
