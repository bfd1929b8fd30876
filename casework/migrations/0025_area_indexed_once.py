"""Each village-code column indexed once: by its ``varchar_pattern_ops`` prefix index
(``casework.models._prefix_index``), which serves equality as well as ``LIKE 'prefix%'``.
Django's own pair on the foreign key (a plain index and a ``_like`` index identical to
the prefix one) is dropped: every write maintained the same column three times. And a
case's household is indexed by ``case_household_id`` (household, -id) alone."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0024_money_not_negative'),
    ]

    operations = [
        migrations.AlterField(
            model_name='case',
            name='area',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='cases', to='casework.area', verbose_name='village'),
        ),
        migrations.AlterField(
            model_name='case',
            name='household',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='cases', to='casework.household', verbose_name='household'),
        ),
        migrations.AlterField(
            model_name='duespayment',
            name='area',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='casework.area', verbose_name='village'),
        ),
        migrations.AlterField(
            model_name='entitlement',
            name='area',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='casework.area'),
        ),
        migrations.AlterField(
            model_name='entitlementrenewal',
            name='area',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='casework.area', verbose_name='village'),
        ),
        migrations.AlterField(
            model_name='household',
            name='area',
            field=models.ForeignKey(db_index=False, limit_choices_to={'level': 'village'}, on_delete=django.db.models.deletion.PROTECT, related_name='households', to='casework.area', verbose_name='village'),
        ),
        migrations.AlterField(
            model_name='recordevent',
            name='area',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='casework.area', verbose_name='area'),
        ),
    ]
