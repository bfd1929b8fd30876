"""The model-association assessment's criteria as the seed states them (lines 53-54 and
187), with their maximum scores assumed, set locally (``casework.organisation.criteria``)."""

from django.db import migrations


def install(apps, schema_editor):
    from casework.organisation.criteria import install_criteria

    install_criteria(apps.get_model("organisation", "AssessmentCriterion"))


class Migration(migrations.Migration):
    dependencies = [("organisation", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
