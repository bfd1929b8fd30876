"""Resident identity numbers and phone numbers encrypted at rest (casework.personal.crypto).

The plaintext columns ``id_number`` and ``phone`` become ``id_number_enc`` / ``phone_enc``
(Fernet tokens under the first of PII_KEYS) and ``id_number_hash`` / ``phone_hash``
(HMAC-SHA256 under PII_HASH_KEY: the unique constraint moves to ``id_number_hash``, the
phone hash gets an index). Existing rows are encrypted in chunks, then the plaintext
columns are dropped. Birth date and sex were already columns of their own.

On PostgreSQL the register-change trigger of ``casework_person`` is told the new columns:
hashes logged as "***" under the field's name, ciphertext never (a re-encryption under a
new key changes no value, so it logs nothing). Reversible: the way back decrypts.
"""

from django.db import migrations, models

import casework.personal.crypto
import casework.personal.identity
import casework.personal.phones

CHUNK = 1000
TRIGGER = "casework_person_log_change"

# (column, how it is logged): ciphertext columns are left out of the log
HIDDEN_BEFORE = "id_number,phone"
HIDDEN_AFTER = "id_number_hash:id_number,phone_hash:phone"
QUIET_AFTER = "id_number_enc,phone_enc"

# 0007's function, plus: hidden entries may be "column:label" (logged as label: "***"),
# and a second argument lists columns never logged (a change of them alone is no change)
LOG_CHANGE = """
CREATE OR REPLACE FUNCTION casework_log_change() RETURNS trigger AS $$
DECLARE
  old_j jsonb;
  new_j jsonb;
  changed text[];
  hidden text[] := string_to_array(TG_ARGV[0], ',');
  quiet text[] := coalesce(string_to_array(TG_ARGV[1], ','), '{}'::text[]);
  entry text;
  k text;
  label text;
  row_key text;
BEGIN
  IF TG_OP = 'INSERT' THEN
    new_j := to_jsonb(NEW) - quiet;
    row_key := new_j->>'id';
  ELSIF TG_OP = 'DELETE' THEN
    old_j := to_jsonb(OLD) - quiet;
    row_key := old_j->>'id';
  ELSE
    old_j := to_jsonb(OLD) - quiet;
    new_j := to_jsonb(NEW) - quiet;
    row_key := new_j->>'id';
    SELECT array_agg(key) INTO changed FROM jsonb_each(new_j)
      WHERE old_j->key IS DISTINCT FROM value;
    IF changed IS NULL THEN
      RETURN NULL;  -- an UPDATE that changed nothing (or only re-encrypted)
    END IF;
    old_j := (SELECT jsonb_object_agg(key, old_j->key) FROM unnest(changed) AS key);
    new_j := (SELECT jsonb_object_agg(key, new_j->key) FROM unnest(changed) AS key);
  END IF;
  IF hidden IS NOT NULL THEN
    FOREACH entry IN ARRAY hidden LOOP
      k := split_part(entry, ':', 1);
      label := coalesce(nullif(split_part(entry, ':', 2), ''), k);
      IF old_j ? k THEN old_j := jsonb_set(old_j - k, ARRAY[label], '"***"'); END IF;
      IF new_j ? k THEN new_j := jsonb_set(new_j - k, ARRAY[label], '"***"'); END IF;
    END LOOP;
  END IF;
  INSERT INTO casework_registerchange ("table", row_id, op, old, new, actor_id, at, txid)
  VALUES (TG_TABLE_NAME, coalesce(row_key, ''), TG_OP, old_j, new_j,
          nullif(current_setting('casework.actor', true), '')::integer,
          clock_timestamp(), txid_current());
  RETURN NULL;
END $$ LANGUAGE plpgsql;
"""


def _person_trigger(schema_editor, hidden: str, quiet: str | None) -> None:
    args = f"'{hidden}'" + (f", '{quiet}'" if quiet else "")
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON casework_person", params=None)
    schema_editor.execute(
        f"CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE ON casework_person "
        f"FOR EACH ROW EXECUTE FUNCTION casework_log_change({args})", params=None)


def _trigger_enabled(schema_editor, enabled: bool) -> None:
    """Encrypting the register in place changes no value: not a register change."""
    if schema_editor.connection.vendor == "postgresql":
        state = "ENABLE" if enabled else "DISABLE"
        schema_editor.execute(f"ALTER TABLE casework_person {state} TRIGGER {TRIGGER}",
                              params=None)


def _chunks(Person, *fields):
    last = 0
    while True:
        rows = list(Person.objects.filter(pk__gt=last).order_by("pk")
                    .values_list("pk", *fields)[:CHUNK])
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def encrypt_rows(apps, schema_editor):
    from casework.personal import crypto

    Person = apps.get_model("casework", "Person")
    _trigger_enabled(schema_editor, False)
    for rows in _chunks(Person, "id_number", "phone"):
        people = []
        for pk, id_number, phone in rows:
            phone = phone or ""
            people.append(Person(
                pk=pk, id_number_enc=crypto.encrypt(id_number),
                id_number_hash=crypto.lookup_hash(crypto.RESIDENT_ID, id_number),
                phone_enc=crypto.encrypt(phone) if phone else "",
                phone_hash=crypto.lookup_hash(crypto.PHONE, phone)))
        Person.objects.bulk_update(people, ["id_number_enc", "id_number_hash", "phone_enc",
                                            "phone_hash"])
    _trigger_enabled(schema_editor, True)


def decrypt_rows(apps, schema_editor):
    from casework.personal import crypto

    Person = apps.get_model("casework", "Person")
    _trigger_enabled(schema_editor, False)
    for rows in _chunks(Person, "id_number_enc", "phone_enc"):
        Person.objects.bulk_update(
            [Person(pk=pk, id_number=crypto.decrypt(id_enc),
                    phone=crypto.decrypt(phone_enc) if phone_enc else "")
             for pk, id_enc, phone_enc in rows], ["id_number", "phone"])
    _trigger_enabled(schema_editor, True)


def new_trigger(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(LOG_CHANGE, params=None)
    _person_trigger(schema_editor, HIDDEN_AFTER, QUIET_AFTER)


def old_trigger(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # 0007's function ignores the second argument and reads plain column names
    _person_trigger(schema_editor, HIDDEN_BEFORE, None)


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0008_pipl_access_consent'),
    ]

    operations = [
        # the plaintext column without its unique index (and nullable, so that the way
        # back can add it to a filled table before decrypting into it)
        migrations.AlterField(
            model_name='person',
            name='id_number',
            field=models.CharField(max_length=18, null=True, validators=[casework.personal.identity.validate_resident_id], verbose_name='resident identity number'),
        ),
        migrations.AddField(
            model_name='person',
            name='id_number_enc',
            field=models.TextField(default=''),
        ),
        migrations.AddField(
            model_name='person',
            name='id_number_hash',
            field=models.CharField(default='', max_length=64),
        ),
        migrations.AddField(
            model_name='person',
            name='phone_enc',
            field=models.TextField(blank=True, default=''),
        ),
        migrations.AddField(
            model_name='person',
            name='phone_hash',
            field=models.CharField(blank=True, default='', max_length=64),
        ),
        migrations.RunPython(encrypt_rows, decrypt_rows, elidable=False),
        migrations.RemoveField(
            model_name='person',
            name='id_number',
        ),
        migrations.RemoveField(
            model_name='person',
            name='phone',
        ),
        # the ciphertext columns keep their names; the fields are called as before
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name='person', name='id_number_enc'),
                migrations.RemoveField(model_name='person', name='phone_enc'),
                migrations.AddField(
                    model_name='person',
                    name='id_number',
                    field=casework.personal.crypto.EncryptedField(db_column='id_number_enc', hash_field='id_number_hash', kind='resident_id', plain_max_length=18, validators=[casework.personal.identity.validate_resident_id], verbose_name='resident identity number'),
                ),
                migrations.AddField(
                    model_name='person',
                    name='phone',
                    field=casework.personal.crypto.EncryptedField(blank=True, db_column='phone_enc', default='', hash_field='phone_hash', kind='phone', plain_max_length=20, validators=[casework.personal.phones.validate_mobile_phone], verbose_name='phone'),
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterField(
            model_name='person',
            name='id_number_hash',
            field=casework.personal.crypto.LookupHashField(source='id_number', unique=True, verbose_name='resident identity number'),
        ),
        migrations.AlterField(
            model_name='person',
            name='phone_hash',
            field=casework.personal.crypto.LookupHashField(blank=True, db_index=True, default='', source='phone', verbose_name='phone'),
        ),
        migrations.RunPython(new_trigger, old_trigger),
    ]
