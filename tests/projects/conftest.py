"""A small world for income projects: two townships (t1 330703001, t2 330703002), two
villages each, households in v11, v12 (t1) and v21 (t2), a user per role and a project of
each township (the demo's peach base in t1)."""

from datetime import date, timedelta
from decimal import Decimal
from itertools import count

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from casework.projects.models import IncomeProject, ProjectHousehold
from tests import factories as f

_births = count()


def unique_birth() -> date:
    """A birth date no other person of the run has (the factories' resident IDs are
    unique per birth date and counter only)."""
    return date(1970, 1, 1) + timedelta(days=next(_births))


def home(village, *, name="户主", **facts):
    household = f.household(village, **facts)
    f.person(household, name=name, birth=unique_birth())
    return household


def project(township, name, *, started_on=date(2024, 3, 1), **kw):
    values = {"support": "技术培训", "kind": IncomeProject.Kind.ORCHARD, "lead": "合作社",
              "created_at": timezone.now(), **kw}
    return IncomeProject.objects.create(area=township, name=name, started_on=started_on,
                                        **values)


def member(project, household, *, joined_on=date(2024, 5, 1), left_on=None,
           support_yuan="0", case=None):
    return ProjectHousehold.objects.create(
        project=project, household=household, area_id=household.area_id,
        joined_on=joined_on, left_on=left_on, support_yuan=Decimal(support_yuan),
        case=case, recorded_at=timezone.now())


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def world(areas):
    a = areas
    users = {
        "township": f.user("township_approver", a["t1"]),
        "township_other": f.user("township_approver", a["t2"]),
        "village": f.user("village_reviewer", a["v11"]),
        "village_other": f.user("village_reviewer", a["v21"]),
        "district": f.user("district_approver", a["district"]),
        "auditor": f.user("auditor", a["district"]),
        "admin": f.user("admin", a["district"]),
    }
    h11 = home(a["v11"], name="王十一")
    h12 = home(a["v12"], name="李十二")
    h21 = home(a["v21"], name="赵二一")
    users["family"] = f.user("family", a["v11"], household=h11)
    peach = project(a["t1"], "白桃基地", support="白桃种植培训，帮助销售")
    chicken = project(a["t2"], "山黄鸡养殖", kind=IncomeProject.Kind.LIVESTOCK,
                      support="鸡苗与技术")
    return {"areas": a, "users": users, "h11": h11, "h12": h12, "h21": h21,
            "peach": peach, "chicken": chicken}
