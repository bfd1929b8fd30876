"""One rule per kind of field, whichever way a value comes in: money, dates and names.

A household's income of -5 yuan passed the income limits, a certificate dated
0001-01-01 or 9999-12-31 was stored, and a name made only of zero-width characters
showed as a blank line on every page: each door (the API, the staff forms, the Excel
import, the association's services) checked what it thought of, and none checked these.
Now the rule lives on the model field (``validators=[...]``), so the admin's ModelForms
and the API's ModelSerializers apply it without being told, and every other door asks
the field for it (``rules_of``, ``validate_value``, ``check_values``, ``clean_text``):
one definition per field, and a message that names the field and the limit.

**Bounds.** None of them is in the association's documents: all are *assumed, set
locally*, chosen to catch typing slips, never a real value.

- Money (``MoneyRule``): never negative (a negative income would pass every income
  limit), and at most ``MONEY_MAX`` = 10,000,000 yuan. A rural household's yearly
  income in the district is some tens of thousands of yuan, a project budget or the
  whole welfare fund some hundreds of thousands; ten million is beyond any of them, so
  a larger figure is an extra digit or a number pasted into the wrong cell. Dues have
  their own bound, ``DUES_MAX`` = 1,000 yuan (a hundred years of today's 10 yuan).
- Dates (``DateRule``): not before ``EARLIEST_DATE`` = 1900-01-01, the earliest birth
  date a resident identity number may carry (``casework.personal.identity``), so no date of the
  register can be older. Facts that have happened (a birth, a certificate, a payment, a
  visit) may not be after today (Asia/Shanghai); planned dates (a contract's or a
  campaign's end, a term of office, a project's end) at most ``PLANNED_YEARS`` = 10
  years ahead, longer than any plan the association makes.
- Names (``VisibleText``): at least one visible character once spaces and invisible
  characters are taken away (format characters such as the zero-width space and the
  direction marks, control characters, combining marks with no letter, the Hangul
  and Braille fillers that render as blanks). ``normalize_text`` also removes the
  invisible characters from what is stored: two spellings of one name that look the
  same must match, and a direction override could make a name read as another.
  Private-use characters stay: some rare characters of Chinese names only exist there.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .errors import InvalidInput

MONEY_MAX = Decimal("10000000")
DUES_MAX = Decimal("1000")
EARLIEST_DATE = date(1900, 1, 1)
PLANNED_YEARS = 10

# characters that are letters or symbols to Unicode but render as nothing
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f")
# removed from stored text: format (zero-width, direction marks), control, surrogates
_REMOVED_CATEGORIES = frozenset({"Cf", "Cc", "Cs"})
# shown as nothing: those, and spaces and line or paragraph separators (unassigned code
# points count as visible: a rare character newer than Python's tables is still one)
_INVISIBLE_CATEGORIES = _REMOVED_CATEGORIES | {"Zs", "Zl", "Zp", "Mn", "Me"}


class _Rule:
    """What the three rules share: the label of the field they guard (the message names
    it), equality by their arguments (migrations compare fields by value)."""

    label: Any

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.deconstruct() == other.deconstruct()

    def __hash__(self) -> int:
        return hash((type(self), str(self.label)))

    def _error(self, message, code: str, **params: Any) -> ValidationError:
        return ValidationError(message, code=code,
                               params={"field": capfirst(self.label), **params})


@deconstructible(path="casework.field_rules.MoneyRule")
class MoneyRule(_Rule):
    """An amount in yuan: not negative (more than zero with ``positive``), at most
    ``maximum``. None is left to the field's ``null``."""

    def __init__(self, label: Any, *, maximum: Decimal = MONEY_MAX, positive: bool = False):
        self.label = label
        self.maximum = Decimal(maximum)
        self.positive = positive

    def __call__(self, value: Any) -> None:
        if value is None or value == "":
            return
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
        if not amount.is_finite():
            raise self._error(_("%(field)s is not a number."), "money_invalid")
        if self.positive and amount <= 0:
            raise self._error(_("%(field)s must be more than zero."), "money_not_positive")
        if amount < 0:
            raise self._error(_("%(field)s cannot be negative."), "money_negative")
        if amount > self.maximum:
            raise self._error(_("%(field)s cannot be more than %(limit)s yuan: please check "
                                "the amount."), "money_too_large",
                              limit=f"{self.maximum:,.0f}")


def latest_date(ahead_years: int, today: date | None = None) -> date:
    """The latest date a ``DateRule`` with ``ahead_years`` allows on ``today``."""
    today = today or timezone.localdate()
    if not ahead_years:
        return today
    try:
        return today.replace(year=today.year + ahead_years)
    except ValueError:  # 29 February, and the year ahead is not a leap year
        return today.replace(year=today.year + ahead_years, day=28)


@deconstructible(path="casework.field_rules.DateRule")
class DateRule(_Rule):
    """A date from ``EARLIEST_DATE`` to today (``ahead_years=0``: something that has
    happened) or to ``ahead_years`` years from today (something planned). None is left
    to the field's ``null``."""

    def __init__(self, label: Any, *, ahead_years: int = 0):
        self.label = label
        self.ahead_years = ahead_years

    def __call__(self, value: Any) -> None:
        if value is None or value == "":
            return
        if isinstance(value, datetime):
            value = value.date()
        if value < EARLIEST_DATE:
            raise self._error(_("%(field)s cannot be before %(limit)s."), "date_too_early",
                              limit=EARLIEST_DATE.isoformat())
        latest = latest_date(self.ahead_years)
        if value > latest:
            if not self.ahead_years:
                raise self._error(_("%(field)s cannot be in the future."), "date_in_future")
            raise self._error(_("%(field)s cannot be after %(limit)s."), "date_too_late",
                              limit=latest.isoformat())


def past_date(label: Any) -> DateRule:
    """The rule of a date something happened on: not after today."""
    return DateRule(label)


def planned_date(label: Any) -> DateRule:
    """The rule of a date that may lie ahead: at most ``PLANNED_YEARS`` years."""
    return DateRule(label, ahead_years=PLANNED_YEARS)


def is_visible(char: str) -> bool:
    """Whether ``char`` shows as something: not a space, an invisible or control
    character, a combining mark (with no letter to sit on) or a blank filler."""
    return unicodedata.category(char) not in _INVISIBLE_CATEGORIES and (
        char not in _BLANK_LETTERS)


def has_visible(text: str) -> bool:
    return any(is_visible(char) for char in text)


def normalize_text(value: Any) -> str:
    """``value`` on one line as it should be stored: invisible characters removed, each
    run of spaces (any kind: ideographic, no-break) one ASCII space, none at the ends."""
    text = "".join(char for char in str(value or "")
                   if unicodedata.category(char) not in _REMOVED_CATEGORIES)
    return " ".join(text.split())


@deconstructible(path="casework.field_rules.VisibleText")
class VisibleText(_Rule):
    """Text with at least one visible character. Empty text is left to ``blank``."""

    def __init__(self, label: Any):
        self.label = label

    def __call__(self, value: Any) -> None:
        if value is None or value == "":
            return
        if not has_visible(str(value)):
            raise self._error(_("%(field)s needs at least one visible character, not only "
                                "spaces or invisible characters."), "no_visible_characters")


RULE_TYPES = (MoneyRule, DateRule, VisibleText)


# --- asking a field for its rules ------------------------------------------------------------

def rules_of(model: type[models.Model], name: str) -> list[Callable[[Any], None]]:
    """The rules of ``model``'s field ``name``, for a form or serializer field that takes
    its value without being a model field (``validators=rules_of(...)``)."""
    return [v for v in model._meta.get_field(name).validators if isinstance(v, RULE_TYPES)]


def validate_value(model: type[models.Model], name: str, value: Any) -> None:
    """Run the field's rules on ``value``; ``ValidationError`` from the first that fails."""
    for rule in rules_of(model, name):
        rule(value)


def check_values(model: type[models.Model], **values: Any) -> None:
    """The services' door: each value against its field's rules, ``InvalidInput`` naming
    the first field that fails (the API answers 400 with it, a form shows it on the
    field)."""
    for name, value in values.items():
        try:
            validate_value(model, name, value)
        except ValidationError as exc:
            raise InvalidInput(" ".join(exc.messages), field=name) from None


def clean_text(model: type[models.Model], name: str, value: Any) -> str:
    """A name or title as it is stored (``normalize_text``), after the field's rules
    passed on what was typed (so text of invisible characters only is refused, not
    stored empty); ``ValidationError`` otherwise."""
    validate_value(model, name, value)
    return normalize_text(value)
