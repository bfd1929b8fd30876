"""Re-encrypt the personal numbers at rest under the current key (the first of PII_KEYS).

Key rotation, step by step (docs/deploy.md):

1. generate a key, put it first in ``PII_KEYS`` (keep the old ones after it), deploy:
   new writes use it, every key still decrypts;
2. ``manage.py rotate_pii_keys``: every row not yet under the first key is re-encrypted,
   in chunks of ``--chunk`` rows, each chunk its own transaction, progress on stdout.
   Idempotent: a second run finds nothing to do; an interrupted run is simply run again;
3. drop the old key from ``PII_KEYS`` and deploy.

``--rehash`` also recomputes the lookup hashes under the current ``PII_HASH_KEY`` (after
that key was changed: until it has run, lookups by number find nothing and uniqueness
is not checked against the old rows; do it in a maintenance window).

A row is written only if it still holds what was read (compare-and-set): a person saved
meanwhile was written by the application, under the current keys already.
"""

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from casework.models import Person
from casework.personal import crypto
from casework.personal.crypto import EncryptedField


class Command(BaseCommand):
    help = ("Re-encrypt resident identity numbers and phone numbers under the first key "
            "of PII_KEYS (idempotent, in chunks); --rehash also recomputes their lookup "
            "hashes under PII_HASH_KEY.")

    def add_arguments(self, parser):
        parser.add_argument("--chunk", type=int, default=1000,
                            help="rows per transaction (default 1000)")
        parser.add_argument("--rehash", action="store_true",
                            help="also recompute the lookup hashes (after PII_HASH_KEY "
                                 "changed)")

    def handle(self, *args, chunk: int, rehash: bool, **options):
        if chunk < 1:
            raise CommandError("--chunk must be at least 1")
        fields = [f for f in Person._meta.concrete_fields if isinstance(f, EncryptedField)]
        quote = connection.ops.quote_name
        table = quote(Person._meta.db_table)
        pk = quote(Person._meta.pk.column)
        enc = [quote(f.column) for f in fields]
        hashes = [quote(f.hash_field.column) for f in fields]
        select = (f"SELECT {pk}, {', '.join(enc + hashes)} FROM {table} WHERE {pk} > %s "
                  f"ORDER BY {pk} LIMIT %s")
        written = enc + hashes if rehash else enc
        update = (f"UPDATE {table} SET {', '.join(f'{c} = %s' for c in written)} "
                  f"WHERE {pk} = %s AND {' AND '.join(f'{c} = %s' for c in enc)}")
        n = len(fields)

        last, checked, changed, raced = 0, 0, 0, 0
        unreadable: list[int] = []
        while True:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(select, [last, chunk])
                    rows = cursor.fetchall()
                    updates = []
                    for row in rows:
                        tokens, stored = list(row[1:1 + n]), list(row[1 + n:])
                        try:
                            new = self._row(fields, tokens, stored, rehash)
                        except ImproperlyConfigured:
                            unreadable.append(row[0])
                            continue
                        if new is not None:
                            updates.append([*new, row[0], *tokens])
                    for params in updates:
                        cursor.execute(update, params)
                        if cursor.rowcount == 1:
                            changed += 1
                        else:
                            raced += 1
            if not rows:
                break
            checked += len(rows)
            last = rows[-1][0]
            self.stdout.write(f"{checked} persons checked, {changed} rewritten "
                              f"(up to id {last})")
        if raced:
            self.stdout.write(f"{raced} persons changed while this ran (already written "
                              "under the current keys): left as they are")
        if unreadable:
            shown = ", ".join(str(i) for i in unreadable[:20])
            raise CommandError(
                f"{len(unreadable)} persons hold a value that no key in PII_KEYS opens "
                f"(ids {shown}{', ...' if len(unreadable) > 20 else ''}): put the missing "
                "key back into PII_KEYS and run again.")
        self.stdout.write(self.style.SUCCESS(
            f"Done: {checked} persons checked, {changed} rewritten under the current key"
            + (" and hash key" if rehash else "") + "."))

    @staticmethod
    def _row(fields, tokens: list, stored: list, rehash: bool) -> list | None:
        """The row's new values (ciphertext, then hashes with ``rehash``), or None when
        nothing needs writing."""
        new_tokens = [t if not t or crypto.is_current(t) else crypto.rotate(t)
                      for t in tokens]
        if not rehash:
            return new_tokens if new_tokens != tokens else None
        new_hashes = [field.hash_of(crypto.decrypt(t) if t else "")
                      for field, t in zip(fields, tokens, strict=True)]
        if new_tokens == tokens and new_hashes == stored:
            return None
        return [*new_tokens, *new_hashes]
