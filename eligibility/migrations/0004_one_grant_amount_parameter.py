"""One name for what a grant pays, for every program: ``benefit_yuan`` (and, for the
welfare grant, ``benefit_special_yuan`` for a special family).

The welfare grant carried its amount twice: ``max_grant_yuan`` (what the rules, the
simulation and the grant read) beside a ``benefit_yuan`` nothing read for it. The values
that were paid are kept: the welfare grant's ``max_grant_yuan`` rows, with their dates and
sources, become its ``benefit_yuan`` rows (the unread ones are removed), and
``max_grant_special_yuan`` becomes ``benefit_special_yuan``.
"""

from django.db import migrations

WELFARE = "welfare_grant"


def forwards(apps, schema_editor):
    PolicyParameter = apps.get_model("eligibility", "PolicyParameter")
    rows = PolicyParameter.objects.filter(program__code=WELFARE)
    if rows.filter(key="max_grant_yuan").exists():
        rows.filter(key="benefit_yuan").delete()
        rows.filter(key="max_grant_yuan").update(key="benefit_yuan")
    rows.filter(key="max_grant_special_yuan").update(key="benefit_special_yuan")


def backwards(apps, schema_editor):
    PolicyParameter = apps.get_model("eligibility", "PolicyParameter")
    rows = PolicyParameter.objects.filter(program__code=WELFARE)
    rows.filter(key="benefit_special_yuan").update(key="max_grant_special_yuan")
    for row in rows.filter(key="benefit_yuan"):
        row.pk = None
        row.key = "max_grant_yuan"
        row.save()


class Migration(migrations.Migration):
    dependencies = [("eligibility", "0003_parameter_sources")]

    operations = [migrations.RunPython(forwards, backwards)]
