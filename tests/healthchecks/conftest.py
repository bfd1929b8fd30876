"""A small roster for the health-check tests: two households in village v11 (members, a
child who is not one, a member who left, one who joins during the campaign, one who joins
after it), a household in v21, and a user per role.

The campaigns are last year's (every day of it is past, whatever day the tests run)."""

from datetime import date

import pytest
from django.test import Client
from django.utils import timezone

from casework.healthchecks import services
from casework.models import Membership
from tests import factories as f

YEAR = timezone.localdate().year - 1
FIRST, LAST = date(YEAR, 5, 10), date(YEAR, 5, 12)


def member(household, *, name, joined=date(2015, 1, 1), left=None, **kw):
    person = f.person(household, name=name, member=False, **kw)
    Membership.objects.create(person=person, number=f"M-{person.pk}", joined=joined, left=left)
    return person


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def roster(areas):
    home = f.household(areas["v11"], address="一组1号")
    head = member(home, name="王户主")
    spouse = member(home, name="李配偶", sex="F", relationship="spouse", birth=date(1962, 3, 4))
    child = f.person(home, name="王小孩", relationship="child", member=False,
                     birth=date(1990, 7, 8))
    next_door = f.household(areas["v11"], address="一组2号")
    neighbour = member(next_door, name="张邻居", birth=date(1958, 1, 2))
    gone = member(next_door, name="张离会", relationship="spouse", sex="F",
                  birth=date(1959, 2, 3), left=date(YEAR, 5, 1))
    joiner = member(next_door, name="张新会", relationship="child", birth=date(1985, 4, 5),
                    joined=date(YEAR, 5, 11))
    later = member(next_door, name="张后来", relationship="child", birth=date(1987, 6, 7),
                   joined=date(YEAR, 8, 1))
    away = f.household(areas["v21"], address="远处")
    stranger = member(away, name="赵外村")
    users = {
        "village": f.user("village_reviewer", areas["v11"]),
        "village_other": f.user("village_reviewer", areas["v21"]),
        "township": f.user("township_approver", areas["t1"]),
        "township_other": f.user("township_approver", areas["t2"]),
        "district": f.user("district_approver", areas["district"]),
        "auditor": f.user("auditor", areas["district"]),
        "admin": f.user("admin", areas["district"]),
        "family": f.user("family", areas["v11"], household=home),
        "neighbour_family": f.user("family", areas["v11"], household=next_door),
    }
    return {"home": home, "head": head, "spouse": spouse, "child": child,
            "next_door": next_door, "neighbour": neighbour, "gone": gone, "joiner": joiner,
            "later": later, "away": away, "stranger": stranger, "users": users,
            "areas": areas}


def open_campaign(user, village, *, year=YEAR, first=FIRST, last=LAST, **kw):
    return services.open_campaign(actor=user, village_code=village.code, year=year,
                                  first_day=first, last_day=last, **kw)


@pytest.fixture
def campaign(roster):
    """v11's campaign of last year, opened by its village reviewer (3 members listed)."""
    return open_campaign(roster["users"]["village"], roster["areas"]["v11"],
                         venue="村文化礼堂", provider="镇卫生院", funding_yuan="360.00")
