"""Each village-code column indexed once: by its ``varchar_pattern_ops`` prefix index
(``casework.models._prefix_index``), which serves equality as well as ``LIKE 'prefix%'``.
Django's own pair on the foreign key (a plain index and a ``_like`` index identical to
the prefix one) is dropped: every write maintained the same column three times."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0025_area_indexed_once'),
        ('projects', '0002_field_rules'),
    ]

    operations = [
        migrations.AlterField(
            model_name='incomeproject',
            name='area',
            field=models.ForeignKey(db_index=False, limit_choices_to={'level': 'township'}, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='casework.area', verbose_name='township'),
        ),
        migrations.AlterField(
            model_name='projectapplication',
            name='area',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='casework.area', verbose_name='village'),
        ),
        migrations.AlterField(
            model_name='projecthousehold',
            name='area',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='casework.area', verbose_name='village'),
        ),
    ]
