"""A small roster with a year of dues (2025) in three villages of two townships, and the
year's campaigns: township 1 a pilot, township 2 not, and a district-wide one.

Members and their 2025 dues (10 yuan a year; 12 from 2026):

| village | member | joined | left | 2025 paid on | amount |
|---|---|---|---|---|---|
| v11 | A | 2020-01-01 | | 2025-03-01 | 10 |
| v11 | B | 2020-01-01 | | 2025-09-01 | 10 |
| v11 | C | 2020-01-01 | | (only 2024) | |
| v11 | D | 2025-08-01 | | no date (paper list) | 10 |
| v11 | E | 2020-01-01 | 2025-01-01 | (owes nothing for 2025) | |
| v11 | F | 2020-01-01 | 2025-01-02 | | |
| v11 | G | 2026-01-05 | | | |
| v12 | H | 2019-01-01 | | 2025-05-05 | 10 |
| v21 | I | 2019-01-01 | | 2025-02-02 | 15 |
| v21 | J | 2019-01-01 | | | |
"""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from casework.duescampaigns.models import DuesCampaign
from casework.models import DuesPayment, Membership
from tests import factories as f

DUES = {2024: "10.00", 2026: "12.00"}


@pytest.fixture(autouse=True)
def _dues_schedule(settings):
    settings.ASSOCIATION_DUES_YUAN = DUES


def member(village, name, joined, *, left=None, payments=()):
    """A member of a household of its own in ``village``; ``payments``: (year, paid_on,
    amount)."""
    person = f.person(f.household(village), name=name, member=False)
    membership = Membership.objects.create(person=person, number=f"D-{name}-{person.pk}",
                                           joined=joined, left=left)
    for year, paid_on, amount in payments:
        DuesPayment.objects.create(membership=membership, area_id=village.code, year=year,
                                   amount_yuan=Decimal(amount), paid_on=paid_on,
                                   receipt_number=f"T{year}-{membership.pk}",
                                   recorded_at=timezone.now())
    return membership


@pytest.fixture
def world(areas):
    v11, v12, v21 = areas["v11"], areas["v12"], areas["v21"]
    y = date(2020, 1, 1)
    members = {
        "A": member(v11, "A", y, payments=[(2024, date(2024, 3, 1), 10),
                                           (2025, date(2025, 3, 1), 10)]),
        "B": member(v11, "B", y, payments=[(2025, date(2025, 9, 1), 10)]),
        "C": member(v11, "C", y, payments=[(2024, date(2024, 3, 1), 10)]),
        "D": member(v11, "D", date(2025, 8, 1), payments=[(2025, None, 10)]),
        "E": member(v11, "E", y, left=date(2025, 1, 1)),
        "F": member(v11, "F", y, left=date(2025, 1, 2)),
        "G": member(v11, "G", date(2026, 1, 5)),
        "H": member(v12, "H", date(2019, 1, 1), payments=[(2025, date(2025, 5, 5), 10)]),
        "I": member(v21, "I", date(2019, 1, 1), payments=[(2025, date(2025, 2, 2), 15)]),
        "J": member(v21, "J", date(2019, 1, 1)),
    }
    opened = {"created_at": timezone.now()}
    campaigns = {
        "t1": DuesCampaign.objects.create(area=areas["t1"], year=2025, pilot=True,
                                          starts_on=date(2025, 3, 1),
                                          ends_on=date(2025, 11, 30), target_percent=80,
                                          **opened),
        "t2": DuesCampaign.objects.create(area=areas["t2"], year=2025, pilot=False,
                                          starts_on=date(2025, 4, 1),
                                          ends_on=date(2025, 12, 31), **opened),
        "t2_2024": DuesCampaign.objects.create(area=areas["t2"], year=2024, pilot=True,
                                               starts_on=date(2024, 4, 1),
                                               ends_on=date(2024, 12, 31), **opened),
        "district": DuesCampaign.objects.create(area=areas["district"], year=2025,
                                                starts_on=date(2025, 1, 1),
                                                ends_on=date(2025, 12, 31), **opened),
    }
    return {"members": members, "campaigns": campaigns, "areas": areas}
