"""Mainland mobile numbers: one validator for every place a phone number comes in.

A mainland mobile number has 11 digits and starts with 13 to 19. The model field,
the admin, the API and any importer use ``validate_mobile_phone`` (or
``clean_mobile_phone``, which also drops spaces, hyphens and a +86 prefix first),
so an SMS is only ever queued for a number that can receive one.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MOBILE = re.compile(r"1[3-9]\d{9}")
_SEPARATORS = re.compile(r"[\s\-()]")
PHONE_ERROR = _("A mobile phone number has 11 digits and starts with 13 to 19, "
                "e.g. 13812345678.")


def normalize_mobile_phone(value: str) -> str:
    """Without spaces, hyphens, brackets or a +86 / 0086 country prefix."""
    number = _SEPARATORS.sub("", value or "")
    for prefix in ("+86", "0086"):
        if number.startswith(prefix):
            number = number[len(prefix):]
    return number


def validate_mobile_phone(value: str) -> None:
    """The number as stored: exactly 11 digits, 13x to 19x. Blank is left to ``blank``."""
    if value and not MOBILE.fullmatch(value):
        raise ValidationError(PHONE_ERROR, code="phone_format")


def clean_mobile_phone(value: str) -> str:
    """Normalize, then validate; returns the number to store ("" stays "")."""
    number = normalize_mobile_phone(value)
    validate_mobile_phone(number)
    return number


def is_mobile_phone(value: str) -> bool:
    return bool(value) and bool(MOBILE.fullmatch(value))


def mask_phone(number: str) -> str:
    """First 3 and last 4 digits visible: 138****5678."""
    if not number:
        return ""
    if len(number) <= 7:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def mask_email(address: str) -> str:
    """w***@example.com"""
    name, at, domain = (address or "").partition("@")
    if not at:
        return mask_phone(address)
    return f"{name[:1]}***@{domain}"
