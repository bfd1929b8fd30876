"""Dues payments (casework.DuesPayment), moved from ``Membership.dues_paid_years``.

Each year in a membership's list becomes a payment row: the year's amount as
``ASSOCIATION_DUES_YUAN`` gives it (the first amount for a year before it), no payment
date or recorder (unknown), the household's village, and a receipt number
``LEGACY-<year>-<membership id>``. The list stays, kept in step by ``casework.register.dues``, for
the code that reads it. On PostgreSQL the new table gets the register-change trigger of
0007/0009 before the rows are copied, so the move itself is in the change log (as the
system's). Reversible: the way back drops the trigger and the table; the lists were
never changed.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

CHUNK = 1000
TABLE = "casework_duespayment"
TRIGGER = f"{TABLE}_log_change"


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # casework_log_change() as 0009 left it: nothing hidden, nothing quiet
    schema_editor.execute(
        f"CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE ON {TABLE} "
        "FOR EACH ROW EXECUTE FUNCTION casework_log_change('')", params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {TABLE}", params=None)


def copy_paid_years(apps, schema_editor):
    from casework.register import dues

    Membership = apps.get_model("casework", "Membership")
    DuesPayment = apps.get_model("casework", "DuesPayment")
    fallback = dues.schedule()[0][1]
    now = timezone.now()
    last = 0
    while True:
        rows = list(Membership.objects.filter(pk__gt=last).order_by("pk").values_list(
            "pk", "dues_paid_years", "person__household__area_id")[:CHUNK])
        if not rows:
            return
        last = rows[-1][0]
        payments = []
        for pk, years, area_id in rows:
            for year in sorted({int(y) for y in years or []}):
                payments.append(DuesPayment(
                    membership_id=pk, area_id=area_id, year=year,
                    amount_yuan=dues.amount_for(year) or fallback, paid_on=None,
                    receipt_number=f"LEGACY-{year}-{pk}", recorded_by=None, recorded_at=now))
        DuesPayment.objects.bulk_create(payments)


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0011_case_status_appeal'),
    ]

    operations = [
        migrations.CreateModel(
            name='DuesPayment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(verbose_name='dues year')),
                ('amount_yuan', models.DecimalField(decimal_places=2, max_digits=8, verbose_name='amount (yuan)')),
                ('paid_on', models.DateField(blank=True, null=True, verbose_name='paid on')),
                ('receipt_number', models.CharField(max_length=40, unique=True, verbose_name='receipt number')),
                ('recorded_at', models.DateTimeField(verbose_name='recorded at')),
                ('area', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='casework.area', verbose_name='village')),
                ('membership', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='dues_payments', to='casework.membership', verbose_name='membership')),
                ('recorded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='recorded by')),
            ],
            options={
                'verbose_name': 'dues payment',
                'verbose_name_plural': 'dues payments',
                'ordering': ['membership_id', 'year'],
                'indexes': [models.Index(fields=['area'], name='duespayment_area_prefix', opclasses=['varchar_pattern_ops'])],
                'constraints': [models.UniqueConstraint(fields=('membership', 'year'), name='dues_once_per_member_year'), models.CheckConstraint(condition=models.Q(('amount_yuan__gt', 0)), name='dues_amount_positive')],
            },
        ),
        migrations.RunPython(create_trigger, drop_trigger),
        migrations.RunPython(copy_paid_years, migrations.RunPython.noop),
    ]
