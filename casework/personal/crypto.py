"""Personal data at rest: resident identity numbers and phone numbers.

Each is stored twice, neither time readable:

- **encrypted** (Fernet: AES-128-CBC with an HMAC-SHA256 tag) under ``PII_KEYS``, a
  comma-separated list of Fernet keys. The first key encrypts; every key decrypts
  (``MultiFernet``). To rotate: put a new key first, deploy, run
  ``manage.py rotate_pii_keys`` (re-encrypts every row under the first key, in chunks,
  idempotent), then drop the old key.
- **hashed** for exact lookup and uniqueness: HMAC-SHA256 under ``PII_HASH_KEY`` of the
  normalised value, with the kind as a domain label. Keep this key stable: with a new one
  no stored hash matches until ``manage.py rotate_pii_keys --rehash`` has recomputed them
  all (lookups by number and the uniqueness check wait for it).

Without the settings (a development machine) both keys are derived from ``SECRET_KEY``,
as ``casework.history.verification.signing_key`` does for the audit key; production refuses to
start without them (``config.production``).

In Python the value is plaintext: ``EncryptedField`` decrypts when a row is read and
encrypts when it is written, and ``LookupHashField`` follows the plaintext it hashes.
``filter(id_number=...)`` and ``filter(id_number__in=...)`` compare hashes (the SQL names
the hash column); no other lookup is possible on an encrypted column.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import cached_property, lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django import forms
from django.conf import settings
from django.core import validators
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import models
from django.db.models import lookups
from django.db.models.expressions import Col
from django.db.models.query_utils import DeferredAttribute

# the kinds of personal number: the hash's domain label and how a value is normalised
RESIDENT_ID = "resident_id"
PHONE = "phone"
KINDS = (RESIDENT_ID, PHONE)

# every Fernet token starts with the version byte 0x80, base64url-encoded
TOKEN_PREFIX = "gAAAAA"


def _derived(label: bytes) -> bytes:
    return hashlib.sha256(label + settings.SECRET_KEY.encode()).digest()


def encryption_keys() -> tuple[str, ...]:
    """``PII_KEYS`` (first: current), or a development key derived from ``SECRET_KEY``."""
    keys = getattr(settings, "PII_KEYS", ())
    if isinstance(keys, str):
        keys = keys.split(",")
    keys = tuple(k.strip() for k in keys or () if k and k.strip())
    return keys or (base64.urlsafe_b64encode(_derived(b"pii-encryption:")).decode(),)


@lru_cache(maxsize=8)
def _fernets(keys: tuple[str, ...]) -> tuple[MultiFernet, Fernet]:
    try:
        return MultiFernet([Fernet(k) for k in keys]), Fernet(keys[0])
    except ValueError:
        raise ImproperlyConfigured("PII_KEYS holds a value that is not a Fernet key "
                                   "(32 url-safe base64-encoded bytes).") from None


def _box() -> tuple[MultiFernet, Fernet]:
    return _fernets(encryption_keys())


def encrypt(plaintext: str) -> str:
    """A Fernet token under the current key (a fresh IV each time)."""
    return _box()[0].encrypt(plaintext.encode()).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _box()[0].decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeEncodeError):
        # never the value in the message: it would reach logs and error reports
        raise ImproperlyConfigured(
            "A stored personal-data value opens with none of the keys in PII_KEYS: was a "
            "key dropped before manage.py rotate_pii_keys had run?") from None


def is_current(token: str) -> bool:
    """Whether the current key (the first of ``PII_KEYS``) encrypted ``token``."""
    try:
        _box()[1].decrypt(token.encode("ascii"))
    except InvalidToken:
        return False
    return True


def rotate(token: str) -> str:
    """``token`` re-encrypted under the current key (decrypted with whichever key fits)."""
    try:
        return _box()[0].rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken:
        raise ImproperlyConfigured("A stored personal-data value opens with none of the "
                                   "keys in PII_KEYS.") from None


def hash_key() -> bytes:
    """``PII_HASH_KEY``, or a development key derived from ``SECRET_KEY``."""
    key = getattr(settings, "PII_HASH_KEY", "")
    return key.encode() if key else _derived(b"pii-lookup-hash:")


def normalize(kind: str, value: str) -> str:
    """The form that is hashed: one number, one hash however it was typed."""
    if kind == RESIDENT_ID:
        return value.strip().upper()
    if kind == PHONE:
        from .phones import normalize_mobile_phone

        return normalize_mobile_phone(value)
    raise ValueError(f"unknown kind of personal number: {kind!r}")


def lookup_hash(kind: str, value: str | None) -> str | None:
    """HMAC-SHA256 (hex) of the normalised value; "" for a blank value, None for None."""
    if value is None:
        return None
    value = normalize(kind, str(value))
    if not value:
        return ""
    return hmac.new(hash_key(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


# --- model fields ----------------------------------------------------------------------

class _HashedLookup:
    """``exact``/``in`` on an encrypted field: the hash column against the values' hashes."""

    prepare_rhs = False

    def _hash(self, value):
        if hasattr(value, "resolve_expression"):
            raise FieldError("An encrypted field is compared with values only, not with "
                             "expressions or subqueries.")
        return self.lhs.output_field.hash_of(value)

    def process_lhs(self, compiler, connection, lhs=None):
        col = self.lhs
        if not isinstance(col, Col):
            raise FieldError("An encrypted field can only be looked up directly.")
        return super().process_lhs(compiler, connection,
                                   Col(col.alias, col.target.hash_field))


class HashedExact(_HashedLookup, lookups.Exact):
    def get_prep_lookup(self):
        return self._hash(self.rhs)


class HashedIn(_HashedLookup, lookups.In):
    def get_prep_lookup(self):
        if hasattr(self.rhs, "resolve_expression"):
            self._hash(self.rhs)  # raises
        return [self._hash(value) for value in self.rhs if value is not None]


_LOOKUPS = {"exact": HashedExact, "in": HashedIn, "isnull": lookups.IsNull}


class EncryptedField(models.Field):
    """Plaintext in Python, a Fernet token in the column; paired with a ``LookupHashField``.

    Lookups: ``exact`` and ``in`` (through the hash column) and ``isnull``. Saving a model
    instance or ``bulk_create`` keeps the hash in step; ``bulk_update`` must name both
    fields, and ``QuerySet.update()`` cannot (it would leave the hash stale): save the
    instances instead.
    """

    description = "Encrypted text"

    def __init__(self, *args, kind: str, hash_field: str, plain_max_length: int, **kwargs):
        if kind not in KINDS:
            raise ValueError(f"unknown kind of personal number: {kind!r}")
        self.kind = kind
        self.hash_field_name = hash_field
        self.plain_max_length = plain_max_length
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.update(kind=self.kind, hash_field=self.hash_field_name,
                      plain_max_length=self.plain_max_length)
        return name, path, args, kwargs

    def get_internal_type(self) -> str:
        return "TextField"

    @cached_property
    def validators(self):
        return [*super().validators, validators.MaxLengthValidator(self.plain_max_length)]

    @cached_property
    def hash_field(self) -> LookupHashField:
        return self.model._meta.get_field(self.hash_field_name)

    def hash_of(self, value: str | None) -> str | None:
        return lookup_hash(self.kind, value)

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value else value

    def to_python(self, value):
        if value is None:
            return value
        value = str(value)
        if value.startswith(TOKEN_PREFIX):  # from value_to_string (dumpdata)
            try:
                return _box()[0].decrypt(value.encode("ascii")).decode()
            except (InvalidToken, UnicodeEncodeError):
                pass
        return value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))

    def value_to_string(self, obj) -> str:
        """Serialised (dumpdata) as a token, never as plaintext; ``to_python`` opens it."""
        value = self.value_from_object(obj)
        return encrypt(value) if value else ""

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": forms.CharField,
                                    "max_length": self.plain_max_length, **kwargs})

    def get_lookup(self, lookup_name):
        return _LOOKUPS.get(lookup_name)

    def get_transform(self, lookup_name):
        return None


class _HashDescriptor(DeferredAttribute):
    """The hash follows the plaintext: read while the plaintext is loaded, it is the
    hash of the current plaintext, whatever was assigned or loaded before."""

    def __init__(self, field):
        super().__init__(field)
        self.memo = f"_{field.attname}_of"

    def __get__(self, instance, cls=None):
        if instance is None:
            return self
        data = instance.__dict__
        source = self.field.source_attname
        if source in data:
            plain = data[source]
            if self.memo not in data or data[self.memo] != plain:
                data[self.field.attname] = self.field.source_field.hash_of(plain)
                data[self.memo] = plain
        return super().__get__(instance, cls)

    def __set__(self, instance, value):
        instance.__dict__[self.field.attname] = value
        instance.__dict__.pop(self.memo, None)


class LookupHashField(models.CharField):
    """The keyed hash of an ``EncryptedField`` (``source``): exact lookup and uniqueness."""

    descriptor_class = _HashDescriptor

    def __init__(self, *args, source: str, **kwargs):
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        if kwargs.get("max_length") == 64:
            del kwargs["max_length"]
        if kwargs.get("editable") is False:
            del kwargs["editable"]
        return name, path, args, kwargs

    @cached_property
    def source_field(self) -> EncryptedField:
        return self.model._meta.get_field(self.source)

    @property
    def source_attname(self) -> str:
        return self.source_field.attname
