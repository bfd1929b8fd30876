"""The organisation suites' world: the small area tree (district > t1, t2 > v11, v12, v21,
v22), a user per role, the criteria, and helpers to build units and members."""

from datetime import date

import pytest
from django.test import Client
from rest_framework.test import APIClient

from casework.models import Membership
from casework.organisation.criteria import install_criteria
from casework.organisation.models import OrgUnit
from tests import factories as f


@pytest.fixture
def users(areas):
    return {
        "village": f.user("village_reviewer", areas["v11"]),
        "village_other": f.user("village_reviewer", areas["v21"]),
        "township": f.user("township_approver", areas["t1"]),
        "township_other": f.user("township_approver", areas["t2"]),
        "district": f.user("district_approver", areas["district"]),
        "auditor": f.user("auditor", areas["district"]),
        "admin": f.user("admin", areas["district"]),
        "admin_t2": f.user("admin", areas["t2"]),
    }


@pytest.fixture
def criteria(db):
    install_criteria()
    from casework.organisation.models import AssessmentCriterion

    return {c.code: c for c in AssessmentCriterion.objects.all()}


def unit(kind, area, *, name=None, founded_on=date(2010, 1, 1), parent=None, **extra):
    """A unit written directly (no service: the world, not what is tested)."""
    if kind == OrgUnit.Kind.ENTERPRISE:
        extra.setdefault("enterprise_name", "某企业")
    if kind == OrgUnit.Kind.MIGRANT:
        extra.setdefault("basis", OrgUnit.Basis.TRADE)
    return OrgUnit.objects.create(kind=kind, area=area, name=name or f"{area.name}{kind}",
                                  founded_on=founded_on, parent=parent, **extra)


def member(village, *, name="会员", role=Membership.Role.MEMBER, joined=date(2015, 1, 1),
           left=None, sex="M"):
    """A person of ``village`` with a membership (``role``)."""
    household = f.household(village)
    person = f.person(household, name=name, member=False, sex=sex)
    Membership.objects.create(person=person, number=f"M-{person.pk}", joined=joined,
                              left=left, role=role)
    return person


@pytest.fixture
def levels(areas):
    """The level units of the small tree: district, t1, t2, v11, v12, v21, v22."""
    d = unit(OrgUnit.Kind.DISTRICT, areas["district"])
    made = {"district": d}
    for t in ("t1", "t2"):
        made[t] = unit(OrgUnit.Kind.TOWNSHIP, areas[t], parent=d)
        for v in ("1", "2"):
            key = f"v{t[1]}{v}"
            made[key] = unit(OrgUnit.Kind.VILLAGE, areas[key], parent=made[t])
    return made


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client
