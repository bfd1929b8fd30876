from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0017_units_periods_renewals'),
    ]

    operations = [
        migrations.AddField(
            model_name='recertificationrun',
            name='renewed',
            field=models.PositiveIntegerField(default=0, verbose_name='entitlements renewed'),
        ),
    ]
