"""Each village-code column indexed once: by its ``varchar_pattern_ops`` prefix index
(``casework.models._prefix_index``), which serves equality as well as ``LIKE 'prefix%'``.
Django's own pair on the foreign key (a plain index and a ``_like`` index identical to
the prefix one) is dropped: every write maintained the same column three times."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0025_area_indexed_once'),
        ('fund', '0002_field_rules'),
    ]

    operations = [
        migrations.AlterField(
            model_name='fundentry',
            name='area',
            field=models.ForeignKey(db_index=False, help_text="The fund is the district's: its district.", on_delete=django.db.models.deletion.PROTECT, related_name='+', to='casework.area', verbose_name='district'),
        ),
        migrations.AlterField(
            model_name='fundentry',
            name='case_area',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='casework.area', verbose_name='village of the grant'),
        ),
        migrations.AlterField(
            model_name='fundyear',
            name='area',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='casework.area', verbose_name='district'),
        ),
    ]
