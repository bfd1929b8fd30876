"""``Recertification`` moves here from casework (casework 0021): the model, not the rows;
the table keeps its name (``db_table``). Its content type moves with it, so permissions
granted on it and history that names it still point at it."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _move(apps, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label=new, model="recertification").exists():
        ContentType.objects.filter(app_label=old, model="recertification").update(
            app_label=new)


def move_content_type(apps, schema_editor):
    _move(apps, "casework", "workflows")


def move_content_type_back(apps, schema_editor):
    _move(apps, "workflows", "casework")


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0021_delete_recertification'),
        ('viewflow', '0015_task_scheduled'),
        ('workflows', '0007_application_flow_package'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.CreateModel(
            name='Recertification',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(verbose_name='year')),
                ('on', models.DateField(verbose_name='rules applied as of')),
                ('eligible', models.BooleanField(verbose_name='still eligible')),
                ('rule_version', models.CharField(blank=True, max_length=40, verbose_name='rule version')),
                ('decision', models.JSONField(blank=True, default=dict, verbose_name='eligibility decision')),
                ('facts', models.JSONField(blank=True, default=dict, verbose_name='facts snapshot')),
                ('outcome', models.CharField(choices=[('pending', 'pending review'), ('continued', 'continued'), ('ended', 'ended')], default='pending', max_length=10, verbose_name='outcome')),
                ('reason', models.TextField(blank=True, verbose_name='reason')),
                ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='decided at')),
                ('created', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                ('area', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='casework.area', verbose_name='village')),
                ('case', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='recertifications', to='casework.case', verbose_name='case')),
                ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='decided by')),
                ('entitlement', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='recertifications', to='casework.entitlement', verbose_name='entitlement')),
                ('process', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='recertification', to='viewflow.process')),
            ],
            options={
                'verbose_name': 're-certification',
                'verbose_name_plural': 're-certifications',
                'db_table': 'casework_recertification',
                'ordering': ['-id'],
                'indexes': [models.Index(fields=['area'], name='recert_area_prefix', opclasses=['varchar_pattern_ops'])],
                'constraints': [models.UniqueConstraint(fields=('entitlement', 'year'), name='recert_once_per_entitlement_year'), models.UniqueConstraint(condition=models.Q(('outcome', 'pending')), fields=('entitlement',), name='recert_one_pending_per_entitlement')],
            },
        )], database_operations=[]),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
