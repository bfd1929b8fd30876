"""Resident identity numbers (居民身份证号码, GB 11643-1999).

18 characters: a 6-digit area code, an 8-digit birth date, a 3-digit sequence
whose parity gives the sex (odd: male), and an ISO 7064 MOD 11-2 check
character (0-9 or X).
"""

import re
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_FORMAT = re.compile(r"[0-9]{17}[0-9X]")


def check_character(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


@dataclass(frozen=True)
class ResidentId:
    number: str
    area_code: str
    birth_date: date
    sex: str  # "M" or "F"


def parse_resident_id(value: str, *, today: date | None = None) -> ResidentId:
    """Validate and decode; raises ValidationError with a message for the field."""
    number = (value or "").strip().upper()
    # ASCII only: str.isdigit() also accepts fullwidth (３), Arabic-Indic (٣) and
    # superscript (²) digits; the first would be stored unnormalised beside the ASCII
    # number of the same person, the last made int() raise outside any ValidationError
    if not _FORMAT.fullmatch(number):
        raise ValidationError(
            _("A resident identity number has 18 characters: 17 digits and a final digit or X."),
            code="id_format",
        )
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            _("The birth date in the resident identity number is not a real date."),
            code="id_birth_date",
        ) from None
    if birth.year < 1900 or birth > (today or date.today()):
        raise ValidationError(
            _("The birth date in the resident identity number is out of range."),
            code="id_birth_date",
        )
    if check_character(number[:17]) != number[17]:
        raise ValidationError(
            _("The check character of the resident identity number is wrong; please re-check "
              "the number."),
            code="id_checksum",
        )
    sex = "M" if int(number[16]) % 2 else "F"
    return ResidentId(number=number, area_code=number[:6], birth_date=birth, sex=sex)


def validate_resident_id(value: str) -> None:
    parse_resident_id(value)


def make_resident_id(area_code: str, birth: date, sequence: int, sex: str) -> str:
    """Build a valid number: the sequence's last digit is forced to the sex's parity."""
    seq = sequence % 1000
    if (seq % 2 == 1) != (sex == "M"):
        seq = (seq + 1) % 1000 if seq < 999 else seq - 1
    first17 = f"{area_code}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_character(first17)


def mask_resident_id(number: str) -> str:
    """First 6 and last 4 visible: 330703********123X."""
    if not number:
        return ""
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


# Free text (log lines, error reports, exports): an 18-character resident identity number
# and an 11-digit mainland mobile number (also written +86 138 1234 5678 or 138-1234-5678)
# standing on their own, not inside a longer run of digits or letters.
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])([0-9]{6})[0-9]{8}([0-9]{3}[0-9Xx])(?![0-9A-Za-z])")
_MOBILE_IN_TEXT = re.compile(
    r"(?:(?<![0-9A-Za-z])|(?<=\+86)|(?<=\+86[ -]))"
    r"(1[3-9][0-9])[ -]?[0-9]{4}[ -]?([0-9]{4})(?![0-9A-Za-z])")


def mask_personal_text(text: str) -> str:
    """``text`` with identity numbers as 330703********123X and mobile numbers as
    138****5678, wherever they stand in it."""
    if not text:
        return text
    text = _ID_IN_TEXT.sub(lambda m: f"{m.group(1)}{'*' * 8}{m.group(2)}", text)
    return _MOBILE_IN_TEXT.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)
