"""A small pairing world: hardship households in villages v11, v12 (township t1) and v21
(township t2), partners in t1 and t2, a user per role and the family of the v11
household."""

from datetime import date

import pytest

from casework.pairings import services
from casework.pairings.models import Partner
from tests import factories as f
from tests.api.conftest import _fresh_throttle, api  # noqa: F401 (the API suites' fixtures)

TODAY = date(2026, 6, 15)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(areas, staff):
    home = f.household(areas["v11"], hardship=True, address="一组1号")
    head = f.person(home, name="王困难", birth=date(1960, 2, 3))
    neighbour = f.household(areas["v12"], hardship=True)
    f.person(neighbour, name="李邻村", birth=date(1962, 4, 5))
    away = f.household(areas["v21"], hardship=True)
    f.person(away, name="赵外镇", birth=date(1963, 6, 7))
    well_off = f.household(areas["v11"])
    f.person(well_off, name="钱富裕", birth=date(1964, 8, 9))
    users = dict(staff)
    users["admin"] = f.user("admin", areas["district"])
    users["family"] = f.user("family", areas["v11"], household=home)
    users["family_away"] = f.user("family", areas["v21"], household=away)
    breeder = Partner.objects.create(
        kind="person", name="应养鸡", trade="广东山黄鸡养殖", area=areas["v11"],
        created_by=users["township"], created_at=_now())
    orchard = Partner.objects.create(
        kind="enterprise", name="白桃合作社", trade="白桃种植", area=areas["t2"],
        created_by=users["township_other"], created_at=_now())
    return {"areas": areas, "users": users, "home": home, "head": head,
            "neighbour": neighbour, "away": away, "well_off": well_off,
            "breeder": breeder, "orchard": orchard}


def _now():
    from django.utils import timezone

    return timezone.now()


def contract_input(partner, *, signed_on=date(2026, 5, 1), starts_on=date(2026, 5, 1),
                   ends_on=date(2029, 4, 30), terms="技术指导，优先收购。", case=None,
                   document=None) -> services.ContractInput:
    return services.ContractInput(partner=partner, signed_on=signed_on, starts_on=starts_on,
                                  ends_on=ends_on, terms=terms, case=case, document=document)


def sign(world, *, actor=None, household=None, partner=None, today=TODAY, **dates):
    return services.sign_contract(actor=actor or world["users"]["village"],
                                  household=household or world["home"],
                                  data=contract_input(partner or world["breeder"], **dates),
                                  today=today)
