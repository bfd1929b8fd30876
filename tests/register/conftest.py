"""A small register: households in villages v11 and v21, members with memberships and
dues, and a user per role (the dues schedule fixed: 10 yuan from 2024, 12 from 2026)."""

from datetime import date

import pytest
from django.utils import timezone

from casework.models import DuesPayment, Membership
from tests import factories as f

DUES = {2024: "10.00", 2026: "12.00"}


@pytest.fixture(autouse=True)
def _dues_schedule(settings, tmp_path):
    settings.ASSOCIATION_DUES_YUAN = DUES
    settings.VAR_DIR = tmp_path


def member(household, *, name, joined=date(2020, 5, 1), paid=(), left=None, **kw):
    person = f.person(household, name=name, member=False, **kw)
    membership = Membership.objects.create(person=person, number=f"M-{person.pk}",
                                           joined=joined, left=left,
                                           dues_paid_years=sorted(paid))
    for year in paid:
        DuesPayment.objects.create(membership=membership, area_id=household.area_id,
                                   year=year, amount_yuan=10,
                                   receipt_number=f"P{year}-{person.pk}",
                                   recorded_at=timezone.now())
    return person


@pytest.fixture
def register(areas):
    home = f.household(areas["v11"], address="一组1号")
    head = member(home, name="王户主", paid=(2024, 2025))
    spouse = member(home, name="李配偶", sex="F", relationship="spouse", paid=(2024,),
                    birth=date(1962, 3, 4))
    child = f.person(home, name="王小孩", relationship="child", member=False,
                     birth=date(1990, 7, 8))
    away = f.household(areas["v21"], address="远处")
    stranger = member(away, name="赵外村", paid=())
    users = {
        "village": f.user("village_reviewer", areas["v11"]),
        "village_other": f.user("village_reviewer", areas["v21"]),
        "township": f.user("township_approver", areas["t1"]),
        "district": f.user("district_approver", areas["district"]),
        "auditor": f.user("auditor", areas["district"]),
        "family": f.user("family", areas["v11"], household=home),
    }
    return {"home": home, "head": head, "spouse": spouse, "child": child, "away": away,
            "stranger": stranger, "users": users, "areas": areas}
