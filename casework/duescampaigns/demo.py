"""Demo dues campaigns: this year's collection in three pilot townships.

The seed asks each township to run a pilot (seed line 187) but names none: the demo
makes 源东乡 and 多湖街道 pilots (the townships of the demo's township and village
accounts, so their users see a campaign) and one more township drawn with
``random.Random("duescampaigns-demo/1")``. Periods and targets are assumed, set locally.
Idempotent (one campaign per township and year) and deterministic.
"""

from __future__ import annotations

import random
from datetime import date

from django.db import transaction
from django.utils import timezone

from casework.history.record_events import record
from casework.models import Area, User

from .models import DuesCampaign

FIXED_PILOTS = ("源东乡", "多湖街道")
DISTRICT_CODE = "330703"


@transaction.atomic
def seed(*, today: date) -> dict[str, int]:
    """This year's pilot campaigns, for the register ``casework.demo`` built."""
    rng = random.Random("duescampaigns-demo/1")
    townships = list(Area.objects.filter(level=Area.Level.TOWNSHIP,
                                         code__startswith=DISTRICT_CODE).order_by("code"))
    if not townships:
        return {"dues_campaigns": 0}
    fixed = [t for t in townships if t.name in FIXED_PILOTS]
    others = [t for t in townships if t.name not in FIXED_PILOTS]
    pilots = fixed + rng.sample(others, k=min(3 - len(fixed), len(others)))
    opener = (User.objects.filter(role=User.Role.DISTRICT_APPROVER, area_id=DISTRICT_CODE)
              .order_by("pk").first())
    year = today.year
    made = 0
    for township in sorted(pilots, key=lambda t: t.code):
        target = rng.choice((80, 85, 90))
        if DuesCampaign.objects.filter(area=township, year=year).exists():
            continue
        campaign = DuesCampaign.objects.create(
            area=township, year=year, pilot=True, starts_on=date(year, 3, 1),
            ends_on=date(year, 11, 30), target_percent=target,
            note="会费收缴试点（演示数据；期间与目标为本地假设）", created_by=opener,
            created_at=timezone.now())
        record(actor=opener, action="dues_campaign_opened", area_id=township.code,
               obj=campaign, detail={"year": year, "pilot": True, "demo": True})
        made += 1
    return {"dues_campaigns": made}
