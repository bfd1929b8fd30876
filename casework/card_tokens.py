"""The signed code on a printed entitlement card, and what checking it may tell.

A card and the approval letter carry a QR code with the URL of the public check page
(``/verify/<token>/``, ``workflows.printing.views.verify``). The token is the
entitlement's number signed with ``django.core.signing`` (HMAC-SHA256 over
``SECRET_KEY`` and the salt ``SALT``): it holds the number and nothing personal, and
nobody without the key can make one for another number. A token that does not verify,
and one that verifies but names no entitlement, are both just "not genuine": the page
says nothing about which numbers exist.

Cards are printed for years: rotating ``SECRET_KEY`` keeps printed cards genuine only
while the old key stays in ``SECRET_KEY_FALLBACKS`` (Django's signing accepts both).

The page shows the program, the state (live, expired, ended; or not yet valid), the validity dates,
the card's number (printed on the card anyway, and readable from the token) and the
holder's name masked (``mask_name``: 王*华): enough to see that the card in hand is
this one, nothing else about the person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core import signing
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from .models import Entitlement

SALT = "casework.card_tokens.entitlement-card"

LIVE, EXPIRED, ENDED, NOT_YET = "live", "expired", "ended", "not_yet"
STATE_LABELS = {
    LIVE: pgettext_lazy("card state", "In force"),
    EXPIRED: pgettext_lazy("card state", "Expired"),
    ENDED: pgettext_lazy("card state", "Ended"),
    NOT_YET: pgettext_lazy("card state", "Not yet valid"),
}


def _signer() -> signing.Signer:
    return signing.Signer(salt=SALT)


def sign_card(number: str) -> str:
    """The token for entitlement ``number`` (URL-safe: base64 and a colon)."""
    return _signer().sign_object(number)


def verify_card(token: str) -> str | None:
    """The entitlement number ``token`` was signed for, or ``None`` if it was not signed
    here (altered, made up, or signed with another salt or key)."""
    try:
        number = _signer().unsign_object(token or "")
    except (signing.BadSignature, ValueError, TypeError, UnicodeDecodeError):
        return None
    return number if isinstance(number, str) and number else None


def mask_name(name: str) -> str:
    """A name as a stranger may see it: the first and last characters of three or more
    (王*华, 欧**明), the first of two (王*), a star for one."""
    name = (name or "").strip()
    if len(name) <= 1:
        return "*" if name else ""
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def card_state(state: str, valid_from: date, valid_to: date, today: date) -> str:
    """live; expired (past its last day); ended (by a decision, e.g. a re-certification);
    or, for a card dated ahead, not yet valid."""
    if state == Entitlement.State.ENDED:
        return ENDED
    if today > valid_to:
        return EXPIRED
    if today < valid_from:
        return NOT_YET
    return LIVE


@dataclass(frozen=True)
class CardCheck:
    """What the public check page shows for a genuine card."""

    number: str
    program_zh: str
    program_en: str
    state: str  # LIVE, EXPIRED, ENDED or NOT_YET
    valid_from: date
    valid_to: date
    masked_name: str

    def program_name(self, language: str) -> str:
        return self.program_en if (language or "").startswith("en") else self.program_zh

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS.get(self.state, self.state))

    @property
    def live(self) -> bool:
        return self.state == LIVE


def check_card(token: str, *, today: date | None = None) -> CardCheck | None:
    """The card ``token`` stands for, or ``None`` (not genuine). One indexed query for a
    token that verifies, none for one that does not."""
    number = verify_card(token)
    if number is None:
        return None
    row = (Entitlement.objects.filter(number=number)
           .values_list("state", "valid_from", "valid_to", "program__name_zh",
                        "program__name_en", "person__name")
           .first())
    if row is None:
        return None
    state, valid_from, valid_to, program_zh, program_en, name = row
    return CardCheck(number=number, program_zh=program_zh, program_en=program_en,
                     state=card_state(state, valid_from, valid_to,
                                      today or timezone.localdate()),
                     valid_from=valid_from, valid_to=valid_to, masked_name=mask_name(name))
