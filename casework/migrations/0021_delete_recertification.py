"""``Recertification`` (a re-certification review, the subject of its viewflow process)
moved to ``workflows`` (its migration 0008), like ``Appeal``: casework holds no reference
to viewflow's process for it any more. The table stays where it is
(``casework_recertification``): this removes the model from casework's state only."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0020_field_rules'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='Recertification')],
            database_operations=[],
        ),
    ]
