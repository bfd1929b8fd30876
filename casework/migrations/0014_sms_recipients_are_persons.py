"""SMS outbox rows name the person (``person:<id>``), not the phone number.

The number was kept in clear at rest beside the encrypted ``Person.phone``; the worker
now reads it from the person when it sends. Every SMS row so far went to its case's
applicant, so each row with a case names that applicant; a row without a case keeps
its number (none is written so).
"""

from django.db import migrations

CHUNK = 2000


def to_persons(apps, schema_editor):
    OutboxMessage = apps.get_model("casework", "OutboxMessage")
    rows = (OutboxMessage.objects.filter(channel="sms", case__isnull=False)
            .exclude(recipient__startswith="person:").order_by("pk")
            .values_list("pk", "case__applicant_id"))
    batch = []
    for pk, applicant_id in rows.iterator(chunk_size=CHUNK):
        batch.append(OutboxMessage(pk=pk, recipient=f"person:{applicant_id}"))
        if len(batch) == CHUNK:
            OutboxMessage.objects.bulk_update(batch, ["recipient"])
            batch = []
    if batch:
        OutboxMessage.objects.bulk_update(batch, ["recipient"])


class Migration(migrations.Migration):

    dependencies = [("casework", "0013_appeal_is_open")]

    operations = [migrations.RunPython(to_persons, migrations.RunPython.noop)]
