"""The auditor workspace's world: cases in two villages of district 330703 (v11 in
township t1, v21 in t2) and one in another district (330704), with the people who look
at them: the district's auditor and district approver, an auditor of the other district,
and staff who may not use the workspace."""

from datetime import date, timedelta
from itertools import count

import pytest

from casework.models import Area, Household
from tests import factories as f
from workflows.applications import services
from workflows.auditor import views as auditor

_births = count()

NAME_V11, NAME_V21, NAME_FAR = "王大爷", "赵奶奶", "钱远方"


def birth() -> date:
    return date(1950, 1, 1) + timedelta(days=next(_births))


def apply(programs, village, actor, *, name, code="medical_discount"):
    """A case filed by ``actor`` (a village reviewer, on the family's behalf)."""
    household = f.household(village, second_birth_renounced_date=date(1985, 3, 1),
                            hardship=True, annual_income_yuan=20000)
    applicant = f.person(household, name=name, birth=birth())
    return services.submit_application(actor=actor, household=Household.objects.get(
        pk=household.pk), program=programs[code], applicant=applicant)


@pytest.fixture(autouse=True)
def _fresh_checkpoint_cache():
    auditor._sealed_cache.clear()
    yield
    auditor._sealed_cache.clear()


@pytest.fixture
def far(areas):
    district = Area.objects.create(code="330704", name="远区", level=Area.Level.DISTRICT)
    township = Area.objects.create(code="330704001", name="远镇", level=Area.Level.TOWNSHIP,
                                   parent=district)
    village = Area.objects.create(code="330704001001", name="远村", level=Area.Level.VILLAGE,
                                  parent=township,
                                  health_check_enrolled_years=list(range(2020, 2031)))
    return {"district": district, "village": village,
            "reviewer": f.user("village_reviewer", village),
            "auditor": f.user("auditor", district)}


@pytest.fixture
def world(programs, areas, staff, far):
    """One case in v11 (approved by the village: in township review), one health check
    in v21 (filed, in village review) and one case in the other district."""
    v21_reviewer = f.user("village_reviewer", areas["v21"])
    v11 = apply(programs, areas["v11"], staff["village"], name=NAME_V11)
    services.decide(actor=staff["village"], task_id=_open_task(v11).pk, decision="approve",
                    reason="")
    v11.refresh_from_db()
    v21 = apply(programs, areas["v21"], v21_reviewer, name=NAME_V21, code="health_check")
    remote = apply(programs, far["village"], far["reviewer"], name=NAME_FAR)
    return {"v11": v11, "v21": v21, "far": remote, "v21_reviewer": v21_reviewer}


def _open_task(case):
    from viewflow.workflow.models import Task

    return Task.objects.get(process_id=case.process.pk, flow_task_type="HUMAN",
                            status__in=("NEW", "ASSIGNED", "STARTED"))
