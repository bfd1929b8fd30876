"""A small world for contact households: in village v11 two member contacts (甲, 乙) and
six households, in v12 (same township) one contact (丙) and two households, in v21 (the
other township) one member; a user per role (``staff`` of tests/conftest.py)."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from casework.contacts import services
from casework.contacts.models import ReportingRound
from tests import factories as f


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def days_ago(n: int):
    return timezone.localdate() - timedelta(days=n)


@pytest.fixture
def world(areas, staff):
    v11, v12, v21 = areas["v11"], areas["v12"], areas["v21"]
    homes = [f.household(v11, address=f"一组{i}号") for i in range(6)]
    jia = f.person(homes[0], name="联系人甲")
    yi = f.person(homes[1], name="联系人乙")
    for i, home in enumerate(homes[2:], start=2):
        f.person(home, name=f"户主{i}", member=False)
    nonmember = f.person(homes[2], name="非会员", relationship="spouse", member=False)
    v12_homes = [f.household(v12, address=f"二组{i}号") for i in range(3)]
    bing = f.person(v12_homes[0], name="联系人丙")
    for i, home in enumerate(v12_homes[1:], start=1):
        f.person(home, name=f"丙村户主{i}", member=False)
    far = f.household(v21, address="远处")
    ding = f.person(far, name="外镇会员")
    return {"areas": areas, "staff": staff, "homes": homes, "jia": jia, "yi": yi,
            "nonmember": nonmember, "v12_homes": v12_homes, "bing": bing, "far": far,
            "ding": ding}


@pytest.fixture
def reporting(world):
    """A township round of t1 (daily, from 4 days ago to 2 days ahead) with assignments
    and reports, the numbers the selector and stats tests assert:

    - v11: 甲 looks after homes 2, 3, 4 since 10 days ago; 乙 home 0 since 2 days ago;
    - v12: 丙 looks after v12 homes 1 and 2 since 10 days ago, home 2 until yesterday;
    - reports: 甲 on day -4 (3 households), -3 (homes 2, 3), today (home 2); 乙 on -1;
      丙 on -4 (both), -2 (home 2).
    """
    s, w = world["staff"], world
    homes, v12h = w["homes"], w["v12_homes"]
    village, village12 = s["village"], _reviewer(w["areas"]["v12"])
    services.assign_contact(actor=village, contact=w["jia"], households=homes[2:5],
                            since=days_ago(10))
    services.assign_contact(actor=village, contact=w["yi"], households=[homes[0]],
                            since=days_ago(2))
    assigned = services.assign_contact(actor=village12, contact=w["bing"], households=v12h[1:],
                                       since=days_ago(10))
    round_ = services.open_round(actor=s["township"], area=w["areas"]["t1"], title="每日一报",
                                 reason="疫情", first_day=days_ago(4), last_day=days_ago(-2))

    def report(actor, contact, n, households, status="all_well"):
        return services.file_report(
            actor=actor, round=round_, contact=contact, report_date=days_ago(n),
            entries=[services.ReportEntry(h, status) for h in households])

    report(village, w["jia"], 4, homes[2:5])
    report(village, w["jia"], 3, homes[2:4])
    report(village, w["jia"], 0, homes[2:3], "to_report")
    report(village, w["yi"], 1, [homes[0]])
    report(village12, w["bing"], 4, v12h[1:])
    report(village12, w["bing"], 2, [v12h[2]])
    services.end_assignment(actor=village12, assignment=assigned[1], until=days_ago(1))
    return {**world, "round": ReportingRound.objects.get(pk=round_.pk),
            "village12": village12}


def _reviewer(village):
    return f.user("village_reviewer", village)


@pytest.fixture
def api(db):
    """``api(user)``: an APIClient that sends the user's token (the token endpoint's)."""
    from tests.api.conftest import token_for

    cache.clear()
    clients = {}

    def make(user) -> APIClient:
        if user.pk not in clients:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
            clients[user.pk] = client
        return clients[user.pk]

    yield make
    cache.clear()

