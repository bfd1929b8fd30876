"""Demo pairings over the demo register (``casework.demo``): a partner in every township,
a contract for each household the register marks paired, visits, one contract ended
early and one signed to start next month.

- **Partners** (fictitious people and firms, like everyone in the demo): the trades the
  report names where it names them — a 广东山黄鸡 breeder in 多湖街道 东山村 (line 44),
  the 源东 white-peach growers (lines 43, 56), a farm-technology expert in 孝顺镇
  (line 41), a dairy company in 曹宅镇 (the first enterprise association) — and
  plausible local trades elsewhere; one partner no longer takes contracts.
- **Contracts**: every hardship household the generated register marks ``paired`` gets
  the running contract that makes it so, with a partner of its township; two more
  hardship households show the other states (one ended early, its household unpaired;
  one signed, starting on the first of next month). The demo families (who walk through
  the ``assistance_pairing`` application) are left alone.

Written through the services (``casework.pairings.services``) as the district's demo
administrator, so every record has its RecordEvent and the paired flags follow the
same rules as in use. Idempotent: partners are found by name and area, and a household
that already has a contract gets no other. Deterministic: ``random.Random`` seeded per
household, dates counted from ``today`` only.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models import F, Q

from casework.demo import DISTRICT_CODE, TOWNSHIPS, village_code
from casework.models import Area, Household, User

from . import services
from .models import PairingContract, PairingVisit, Partner

SEED = "pairings-demo/1"


@dataclass(frozen=True)
class DemoPartner:
    township: str
    kind: str
    name: str
    trade: str
    village: str = ""  # registered in this village of the township, else the township
    active: bool = True


DEMO_PARTNERS: tuple[DemoPartner, ...] = (
    DemoPartner("多湖街道", "person", "应国华", "广东山黄鸡养殖（带动周边农户）", village="东山村"),
    DemoPartner("源东乡", "enterprise", "源东大白桃专业合作社", "源东大白桃种植与网上销售"),
    DemoPartner("孝顺镇", "person", "蒋立新", "蔬菜大棚种植技术（科技下乡专家）"),
    DemoPartner("曹宅镇", "enterprise", "曹宅乳业有限公司", "奶牛养殖与乳品加工"),
    DemoPartner("东孝街道", "person", "傅伟民", "家政与养老护理服务"),
    DemoPartner("傅村镇", "person", "金志强", "火腿腌制加工"),
    DemoPartner("澧浦镇", "person", "方建军", "苗木花卉种植"),
    DemoPartner("岭下镇", "enterprise", "岭下茶叶专业合作社", "茶叶种植与加工"),
    DemoPartner("江东镇", "person", "施海东", "水产养殖"),
    DemoPartner("江东镇", "person", "吴永康", "生猪养殖", active=False),
    DemoPartner("塘雅镇", "person", "盛小平", "葡萄种植"),
    DemoPartner("赤松镇", "person", "何春林", "金华佛手种植"),
)

TERMS = ("{trade}：免费提供技术指导，帮助解决种苗和饲料，产品按市场价优先收购；"
         "每季度至少上门一次，帮助家庭增加收入。")
VISIT_NOTES = ("上门了解生产情况，现场技术指导。", "送去种苗，讲解管理要点。",
               "帮助联系销路，收购产品。", "村计生协会回访，家庭对帮扶满意。")
VILLAGE_VISITOR = "村计生协会专职副会长"


def _actor() -> User | None:
    """The district's demo administrator (``casework.demo.accounts``)."""
    return (User.objects.filter(role=User.Role.ADMIN, area_id=DISTRICT_CODE, is_active=True)
            .order_by("pk").first())


def _area_of(spec: DemoPartner) -> str:
    if spec.village:
        return village_code(spec.township, spec.village)
    return next(t.code for t in TOWNSHIPS if t.name == spec.township)


def ensure_partners(actor: User) -> tuple[dict[str, Partner], int]:
    """The demo partners (created when missing); the first active one of each township."""
    made = 0
    by_township: dict[str, Partner] = {}
    areas = Area.objects.in_bulk([_area_of(p) for p in DEMO_PARTNERS])
    for spec in DEMO_PARTNERS:
        area = areas.get(_area_of(spec))
        if area is None:  # the register has no such area (a partial demo)
            continue
        partner = Partner.objects.filter(name=spec.name, area=area).first()
        if partner is None:
            partner = services.add_partner(actor=actor, kind=spec.kind, name=spec.name,
                                           trade=spec.trade, area=area)
            if not spec.active:
                partner = services.set_partner_active(actor=actor, partner=partner,
                                                      active=False)
            made += 1
        if partner.active:
            by_township.setdefault(area.code[:9], partner)
    return by_township, made


def _visits(actor: User, contract: PairingContract, rng: random.Random, *, last: date,
            today: date) -> int:
    """1 to 4 visits between the contract's first day and ``last`` (not after today)."""
    last = min(last, today)
    span = (last - contract.starts_on).days
    if span < 0:
        return 0
    days = sorted({contract.starts_on + timedelta(days=rng.randint(0, span))
                   for _ in range(rng.randint(1, 4))})
    for k, day in enumerate(days):
        by_partner = k % 2 == 0
        services.record_visit(
            actor=actor, contract=contract, visited_on=day,
            visited_by="partner" if by_partner else "village",
            visitor_name="" if by_partner else VILLAGE_VISITOR,
            note=VISIT_NOTES[rng.randrange(len(VISIT_NOTES))], today=today)
    return len(days)


# the main loop starts contracts at most 10 days after signing and never ends one early
EXAMPLE_GAP = timedelta(days=10)


def _example_exists(role: str) -> bool:
    """Whether the demo's "ended early" or "starts next month" contract is there."""
    rows = PairingContract.objects.filter(area__code__startswith=DISTRICT_CODE)
    if role == "ended":
        return rows.filter(ended_on__isnull=False).exists()
    return rows.filter(starts_on__gt=F("signed_on") + EXAMPLE_GAP).exists()


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _sign(actor: User, household: Household, partner: Partner, *, signed_on: date,
          starts_on: date, ends_on: date, today: date) -> PairingContract:
    return services.sign_contract(
        actor=actor, household=household, today=today, data=services.ContractInput(
            partner=partner, signed_on=signed_on, starts_on=starts_on, ends_on=ends_on,
            terms=TERMS.format(trade=partner.trade)))


@transaction.atomic
def seed(*, today: date) -> dict[str, int]:
    """Create what is missing of the demo pairings (see the module); the counts made."""
    counts = {"partners": 0, "contracts": 0, "visits": 0, "ended": 0, "pending": 0}
    actor = _actor()
    if actor is None:  # no demo accounts yet: nothing can be recorded in anyone's name
        return counts
    partners, counts["partners"] = ensure_partners(actor)
    with_contract = set(PairingContract.objects.values_list("household_id", flat=True))
    family_homes = set(User.objects.filter(role=User.Role.FAMILY, household__isnull=False)
                       .values_list("household_id", flat=True))
    hardship = (Household.objects.filter(Q(hardship=True) | ~Q(special_family=""),
                                         area__code__startswith=DISTRICT_CODE)
                .exclude(pk__in=family_homes).order_by("number"))
    spare: list[Household] = []
    for household in hardship:
        partner = partners.get(household.area_id[:9])
        if partner is None:
            continue
        if not household.paired:
            spare.append(household)
            continue
        if household.pk in with_contract:
            continue
        # the register says paired: the running contract that makes it so
        rng = random.Random(f"{SEED}/{household.number}")
        signed_on = today - timedelta(days=rng.randint(60, 700))
        starts_on = signed_on + timedelta(days=rng.randint(0, EXAMPLE_GAP.days))
        ends_on = _years_later(starts_on, 3) - timedelta(days=1)
        if ends_on <= today:
            ends_on = today + timedelta(days=rng.randint(30, 365))
        contract = _sign(actor, household, partner, signed_on=signed_on,
                         starts_on=starts_on, ends_on=ends_on, today=today)
        counts["contracts"] += 1
        counts["visits"] += _visits(actor, contract, rng, last=today, today=today)
    # two hardship households not paired: one whose contract ended early, one signed to
    # start next month (the daily sweep marks it paired then); made once each
    roles = [role for role in ("ended", "pending") if not _example_exists(role)]
    spare = [h for h in spare if h.pk not in with_contract]
    for role, household in zip(roles, spare, strict=False):
        partner = partners[household.area_id[:9]]
        rng = random.Random(f"{SEED}/{role}/{household.number}")
        if role == "ended":
            signed_on = today - timedelta(days=500 + rng.randint(0, 30))
            starts_on = signed_on + timedelta(days=5)
            contract = _sign(actor, household, partner, signed_on=signed_on,
                             starts_on=starts_on,
                             ends_on=_years_later(starts_on, 3) - timedelta(days=1),
                             today=today)
            ended_on = today - timedelta(days=90)
            counts["visits"] += _visits(actor, contract, rng,
                                        last=ended_on - timedelta(days=1), today=today)
            services.end_contract(actor=actor, contract=contract, ended_on=ended_on,
                                  reason="户主外出务工，双方协商提前终止合同。", today=today)
        else:
            first_next = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
            _sign(actor, household, partner, signed_on=today - EXAMPLE_GAP,
                  starts_on=first_next,
                  ends_on=_years_later(first_next, 3) - timedelta(days=1), today=today)
        counts["contracts"] += 1
        counts[role] += 1
    return counts


def totals() -> dict[str, int]:
    """What the database holds (for the seed's summary)."""
    return {"partners": Partner.objects.count(), "contracts": PairingContract.objects.count(),
            "visits": PairingVisit.objects.count()}
