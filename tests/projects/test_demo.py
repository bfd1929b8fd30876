"""The demo's income projects: ten, the 源东大白桃基地 in 源东乡 among them, a hundred-odd
households of each project's township, invented names marked; idempotent and
deterministic."""

from datetime import date

import pytest
from django.db.models import Count

from casework import demo as register_demo
from casework.projects import demo
from casework.projects.models import IncomeProject, ProjectHousehold

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 15)


def snapshot():
    return sorted(ProjectHousehold.objects.values_list(
        "project__name", "household__number", "joined_on", "left_on", "support_yuan"))


def test_the_demo_projects(db):
    register_demo.seed_demo(households=300, today=TODAY, association=False)
    made = demo.seed(today=TODAY)
    assert made["projects"] == 10
    assert 100 <= made["project_households"] <= 130
    peach = IncomeProject.objects.get(name="源东大白桃基地")
    assert peach.area_id == "330703200" and "（演示）" not in peach.name
    assert all("（演示）" in p.name for p in IncomeProject.objects.exclude(pk=peach.pk))
    assert IncomeProject.objects.values("area_id").distinct().count() == 10
    # each household is of its project's township, joined between the start and today
    for row in ProjectHousehold.objects.select_related("project"):
        assert row.area_id.startswith(row.project.area_id)
        assert row.project.started_on <= row.joined_on <= TODAY
        assert row.left_on is None or row.joined_on < row.left_on <= TODAY
        assert row.support_yuan >= 0
    assert ProjectHousehold.objects.filter(household__accounts__isnull=False).count() == 0
    assert all(n > 0 for n in IncomeProject.objects.annotate(n=Count("households"))
               .values_list("n", flat=True))
    before = snapshot()
    assert demo.seed(today=TODAY) == {"projects": 0, "project_households": 0}
    assert snapshot() == before
    # built again from nothing: the same households, dates and amounts
    ProjectHousehold.objects.all().delete()
    IncomeProject.objects.all().delete()
    assert demo.seed(today=TODAY)["project_households"] == made["project_households"]
    assert snapshot() == before


def test_without_a_register_nothing_is_made(db):
    assert demo.seed(today=TODAY) == {"projects": 0, "project_households": 0}
