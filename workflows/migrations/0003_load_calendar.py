"""Load the 2026 and 2027 holiday calendars (``workflows/deadlines/data/calendar_cn.yaml``)."""

from django.db import migrations

from workflows.deadlines.calendar_data import load_calendar


def load(apps, schema_editor):
    load_calendar(apps.get_model("workflows", "CalendarYear"),
                  apps.get_model("workflows", "CalendarDay"))


class Migration(migrations.Migration):
    dependencies = [("workflows", "0002_deadlines_calendar")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
