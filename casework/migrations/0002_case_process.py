# Split from 0001: viewflow's migrations depend on the user model (casework.User),
# so the case's link to its viewflow process is added once both exist.
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0001_initial"),
        ("viewflow", "0015_task_scheduled"),
    ]
    operations = [
        migrations.AddField(
            model_name="case",
            name="process",
            field=models.OneToOneField(blank=True, null=True,
                                       on_delete=django.db.models.deletion.SET_NULL,
                                       related_name="case", to="viewflow.process"),
        ),
    ]
