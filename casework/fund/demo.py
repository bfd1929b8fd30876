"""Demo data of the welfare fund: last year's and this year's books.

Every figure here is **demo data, assumed**: the seed (line 153) names the fund's rules,
《区计划生育公益金管理暂行办法》, but gives no amounts, donors or spending. Each year gets
the district's allocation (300,000 yuan, the figure the grant budget parameter used to
hold), two donations (a local enterprise, anonymous residents) and some other spending
(publicity and administration). Grants are not made here: the demo's welfare-grant cases
book theirs through ``casework.fund.services.reserve_grant`` when they are approved, so
run this seed before them.

Idempotent (each entry has a fixed voucher number and is booked once) and deterministic
(``random.Random("fund-demo/1")`` and ``today``, never the clock). Booked by the demo's
district approver (``casework.demo``'s ``district`` account), as a keeper would.
"""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from django.db import transaction

from casework.models import User

from .models import FundEntry
from .services import book_entry

DISTRICT_CODE = "330703"
SEED = "fund-demo/1"
ALLOCATION_YUAN = Decimal("300000.00")  # demo, assumed
ALLOCATING_OFFICE = "金东区财政局（示例）"


def _keeper() -> User:
    user = (User.objects.filter(username="district", role=User.Role.DISTRICT_APPROVER,
                                area_id=DISTRICT_CODE, is_active=True).first()
            or User.objects.filter(role__in=(User.Role.DISTRICT_APPROVER, User.Role.ADMIN),
                                   area_id=DISTRICT_CODE, is_active=True)
            .order_by("id").first())
    if user is None:
        raise RuntimeError("fund demo: no district approver of 330703 to book with; "
                           "run casework.demo.seed_demo first")
    return user


def plan(today: date) -> list[dict]:
    """The entries, oldest first (deterministic for a given ``today``)."""
    rows = []
    for year in (today.year - 1, today.year):
        rng = random.Random(f"{SEED}/{year}")  # a year's entries whatever the run's year

        def on(month: int, day: int, year: int = year) -> date:
            return min(date(year, month, day), today)

        entries = [
            {"kind": FundEntry.Kind.ALLOCATION, "booked_on": on(3, 1),
             "amount_yuan": ALLOCATION_YUAN, "counterparty": ALLOCATING_OFFICE,
             "note": "区财政年度拨款（演示数据，金额为假设）"},
            {"kind": FundEntry.Kind.DONATION, "booked_on": on(5, 29),
             "amount_yuan": Decimal(rng.randrange(10, 31) * 1000),
             "counterparty": "区内乳业企业（示例）",
             "note": "5·29 会员活动日企业捐赠（演示数据）"},
            {"kind": FundEntry.Kind.DONATION, "booked_on": on(9, 10),
             "amount_yuan": Decimal(rng.randrange(20, 61) * 100),
             "counterparty": "群众捐款（匿名）", "note": "演示数据"},
            {"kind": FundEntry.Kind.OTHER_SPENDING, "booked_on": on(6, 15),
             "amount_yuan": Decimal(rng.randrange(20, 51) * 100),
             "counterparty": "宣传资料印制（示例）",
             "note": "公益金宣传与管理费用（演示数据）"},
        ]
        for n, row in enumerate(entries, start=1):
            row["reference"] = f"DEMO-FUND-{year}-{n:02d}"
        rows += entries
    return sorted(rows, key=lambda r: (r["booked_on"], r["reference"]))


def seed(*, today: date) -> dict[str, int]:
    """Book the demo entries that are missing; counts of what it made."""
    wanted = plan(today)
    have = set(FundEntry.objects.filter(area_id=DISTRICT_CODE,
                                        reference__in=[r["reference"] for r in wanted])
               .values_list("reference", flat=True))
    missing = [r for r in wanted if r["reference"] not in have]
    if not missing:
        return {"fund_entries": 0}
    keeper = _keeper()
    with transaction.atomic():  # all of them or none
        for row in missing:
            book_entry(actor=keeper, district_code=DISTRICT_CODE, **row)
    return {"fund_entries": len(missing)}
