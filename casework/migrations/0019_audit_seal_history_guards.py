"""Sealed heads, and TRUNCATE refused on the history tables.

- ``AuditEvent.seal``: from now on the last event each transaction writes for a case
  carries an Ed25519 signature over its (case, seq, hash) (``casework.history.audit``).
- The events written before carry none. So that no head is left vouched for by nothing
  until beat's next hourly checkpoint, this migration signs a checkpoint over every
  chain's head as it stands (with ``AUDIT_SIGNING_KEY``, as beat would). An unsealed
  head verifies only while the newest signed checkpoint holds it
  (``casework.history.chain.verify_sealed_chain``).
- PostgreSQL: a statement trigger refuses TRUNCATE on every append-only history table
  (row triggers never fire for TRUNCATE, so 0006, 0007, 0008, 0015 and fund 0001 left
  it open). A superuser or the tables' owner can still switch triggers off: the
  application's role must be neither (docs/deploy.md; ``check --deploy`` warns: ``casework.checks``).
"""

from django.db import migrations, models

# every append-only history table (their UPDATE/DELETE triggers: casework 0006, 0007,
# 0008, 0015, fund 0001); the function is 0006's
HISTORY_TABLES = ("casework_auditevent", "casework_auditcheckpoint", "casework_registerchange",
                  "casework_accessrecord", "casework_recordevent", "fund_fundentry")


def create_truncate_guards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in HISTORY_TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION casework_append_only()", params=None)


def drop_truncate_guards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in HISTORY_TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
                              params=None)


def seal_existing_heads(apps, schema_editor):
    """One signed checkpoint over the heads written before seals existed (none on a new
    database)."""
    from django.utils import timezone

    from casework.history import audit_key
    from casework.history import chain

    Case = apps.get_model("casework", "Case")
    Checkpoint = apps.get_model("casework", "AuditCheckpoint")
    leaves = [[pk, version, head] for pk, version, head in
              Case.objects.filter(version__gt=0).order_by("pk")
              .values_list("pk", "version", "audit_head").iterator(chunk_size=5000)]
    if not leaves:
        return
    key = audit_key.signing_key()
    root = chain.merkle_root([chain.leaf_bytes(*leaf) for leaf in leaves])
    sealed_at = timezone.now().replace(microsecond=0)
    Checkpoint.objects.create(
        sealed_at=sealed_at, size=len(leaves), root=root, leaves=leaves,
        public_key=chain.public_key_b64(key),
        signature=chain.sign(key, chain.checkpoint_message(root, len(leaves), sealed_at)))


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0018_recertification_renewed'),
        ('fund', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='auditevent',
            name='seal',
            field=models.CharField(blank=True, db_default='', default='', max_length=120, verbose_name='seal'),
        ),
        migrations.RunPython(seal_existing_heads, migrations.RunPython.noop),
        migrations.RunPython(create_truncate_guards, drop_truncate_guards),
    ]
