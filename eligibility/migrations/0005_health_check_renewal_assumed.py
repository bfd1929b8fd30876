"""The health check's ``renewal`` ("application": the family applies again each year) is
the service's own choice, assumed and set locally: the report's line 150 says the village
pays for a check of every member once a year (which ``checks_per_year`` and
``validity_period`` cite), not how a member comes to it. Rows still citing that line for
``renewal`` are marked assumed; a value an administrator sourced otherwise is left."""

from django.db import migrations

REPORT = "《区计划生育协会201X工作报告》"


def forwards(apps, schema_editor):
    PolicyParameter = apps.get_model("eligibility", "PolicyParameter")
    PolicyParameter.objects.filter(
        program__code="health_check", key="renewal", source_document=REPORT,
        source_location__endswith="line 150").update(
        source_document="", source_location="", assumed=True)


def backwards(apps, schema_editor):
    PolicyParameter = apps.get_model("eligibility", "PolicyParameter")
    PolicyParameter.objects.filter(
        program__code="health_check", key="renewal", source_document="",
        assumed=True).update(source_document=REPORT,
                             source_location="seed 000_7c30ed9f65bb5294.txt, line 150",
                             assumed=False)


class Migration(migrations.Migration):
    dependencies = [("eligibility", "0004_one_grant_amount_parameter")]
    operations = [migrations.RunPython(forwards, backwards)]
