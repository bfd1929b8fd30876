"""Demo data for Jindong district: the area tree, a synthetic register, the programs
and one account per role, as ``manage.py seed_demo`` builds them.

The module has two halves. The *plan* half (``plan_villages``, ``plan_households``,
``accounts``) is pure Python, so tests can compute what the database must hold
without a database. The *build* half (``seed_demo``) writes whatever of the plan
is missing, so running it twice changes nothing.

Determinism: every generated value comes from a ``random.Random`` seeded with a
string naming what it generates (the village list, household number *i*), never
from the clock or the global generator. Household *i* depends only on households
0..i-1 (through the identity numbers they already took), so asking for more
households later extends the same list instead of reshuffling it. Ages are drawn
as of a fixed reference year, not "today", so the register is the same whenever
it is built; only the health-check enrolment follows the current year, because
the demo must work this year.

All people are fictitious. Identity numbers are valid in form (GB 11643) but
generated; phone numbers only look like mobiles, and some may belong to someone:
never point a real SMS gateway at a demo database.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from itertools import accumulate
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from eligibility.defaults import install_programs
from eligibility.models import Program

from .demo_second_factor import ensure_demo_devices
from .models import Area, Household, Membership, Person, User
from .personal.identity import make_resident_id

DISTRICT_CODE = "330703"
DISTRICT_NAME = "金东区"
CITY_NAME = "金华市"
DEFAULT_HOUSEHOLDS = 300
VILLAGE_TOTAL = 245
SEED = "jindong-demo/1"  # bump to get a different (still deterministic) register
REFERENCE_YEAR = 2026  # generated ages are ages on 1 January of this year
LAST_PAST_DAY = date(REFERENCE_YEAR - 1, 12, 31)  # no generated date is later than this
DUES_YEARS = (2024, 2025, 2026)  # the report plans to start collecting dues
BATCH = 1000


# --- the area tree ---------------------------------------------------------------


@dataclass(frozen=True)
class TownshipSpec:
    """A township of the report. Codes follow the statistical-code convention
    (街道 0xx, 镇 1xx, 乡 2xx); village counts add up to the report's 245."""

    code: str
    name: str
    villages: int
    named: tuple[str, ...] = ()  # villages the report names, given the first codes


TOWNSHIPS: tuple[TownshipSpec, ...] = (
    TownshipSpec("330703001", "多湖街道", 18, ("东山村", "叶宅村")),
    TownshipSpec("330703002", "东孝街道", 16),
    TownshipSpec("330703100", "孝顺镇", 30),
    TownshipSpec("330703101", "傅村镇", 26),
    TownshipSpec("330703102", "曹宅镇", 28, ("杜宅村",)),
    TownshipSpec("330703103", "澧浦镇", 26),
    TownshipSpec("330703104", "岭下镇", 24),
    TownshipSpec("330703105", "江东镇", 22, ("雅湖村", "横店村")),
    TownshipSpec("330703106", "塘雅镇", 22),
    TownshipSpec("330703107", "赤松镇", 17),
    TownshipSpec("330703200", "源东乡", 16, ("邢村",)),
)
assert sum(t.villages for t in TOWNSHIPS) == VILLAGE_TOTAL


@dataclass(frozen=True)
class VillagePlan:
    code: str  # township code + 3 digits (2xx: village committees)
    name: str
    township_code: str
    health_check: bool  # funds the yearly health check from the collective
    weight: int  # relative share of the generated households


# Jinhua surnames, weighted roughly by local frequency (诸葛 is a Lanxi clan).
_SURNAMES: tuple[tuple[str, int], ...] = (
    ("王", 10), ("陈", 9), ("张", 8), ("李", 6), ("吴", 6), ("楼", 5), ("傅", 5), ("金", 5),
    ("方", 5), ("施", 4), ("朱", 4), ("黄", 4), ("徐", 4), ("胡", 4), ("曹", 4), ("叶", 4),
    ("郑", 4), ("蒋", 4), ("周", 3), ("何", 3), ("应", 3), ("盛", 3), ("倪", 3), ("严", 3),
    ("杜", 3), ("邢", 3), ("毛", 2), ("潘", 2), ("俞", 2), ("洪", 2), ("汪", 2), ("吕", 2),
    ("余", 2), ("章", 2), ("丁", 2), ("赵", 2), ("杨", 2), ("刘", 2), ("钱", 1), ("孙", 1),
    ("诸葛", 1), ("欧阳", 1),
)
_SURNAME_NAMES = tuple(s for s, _ in _SURNAMES)
_SURNAME_CUM = tuple(accumulate(w for _, w in _SURNAMES))
_VILLAGE_SURNAMES = tuple(s for s in _SURNAME_NAMES if len(s) == 1)
_DIRECTIONS = "上下前后东西南北中新"
_LANDFORMS = ("宅", "塘", "店", "山", "桥", "溪", "岭", "坞", "畈", "园", "湖", "坑", "口", "头",
              "田", "源", "垅", "塘下", "山下", "溪口", "山头")
_PRETTY = "仙清石白青金长云松桃梅竹和安龙凤花柳杏雅"


def _village_name(rng: random.Random) -> str:
    """A name in the local patterns: 下王村, 王宅村, 仙桥村."""
    pattern = rng.randrange(3)
    if pattern == 0:
        return f"{rng.choice(_DIRECTIONS)}{rng.choice(_VILLAGE_SURNAMES)}村"
    if pattern == 1:
        return f"{rng.choice(_VILLAGE_SURNAMES)}{rng.choice(_LANDFORMS)}村"
    return f"{rng.choice(_PRETTY)}{rng.choice(_LANDFORMS)}村"


@cache
def plan_villages() -> tuple[VillagePlan, ...]:
    """The 245 villages: the report's named ones first in their township, then
    generated names, unique across the district so a name finds one village."""
    rng = random.Random(f"{SEED}/villages")
    taken = {name for township in TOWNSHIPS for name in township.named}
    plans: list[VillagePlan] = []
    for township in TOWNSHIPS:
        names = list(township.named)
        while len(names) < township.villages:
            name = _village_name(rng)
            if name not in taken:
                taken.add(name)
                names.append(name)
        for k, name in enumerate(names, start=1):
            named = name in township.named
            plans.append(VillagePlan(
                code=f"{township.code}{200 + k:03d}", name=name, township_code=township.code,
                health_check=named or rng.random() < 0.4,
                weight=4 if named else rng.randint(1, 4),
            ))
    return tuple(plans)


def township_code(name: str) -> str:
    return next(t.code for t in TOWNSHIPS if t.name == name)


def village_code(township: str, village: str) -> str:
    prefix = township_code(township)
    return next(v.code for v in plan_villages()
                if v.township_code == prefix and v.name == village)


# --- people ----------------------------------------------------------------------

# Given names by generation: names date people as much as birth years do.
_GIVEN: dict[tuple[str, str], tuple[str, ...]] = {
    ("old", "M"): ("根土", "福根", "金水", "土生", "樟根", "有福", "松林", "炳荣", "德兴",
                   "仁法", "关根", "金龙", "寿昌", "兆丰", "新民", "明德"),
    ("old", "F"): ("秀英", "金花", "彩凤", "菊英", "桂芳", "月娥", "凤仙", "玉兰", "素琴",
                   "梅香", "爱珍", "雪娟", "荷花", "杏芬"),
    ("mid", "M"): ("建华", "国平", "伟明", "志强", "海军", "建军", "卫东", "晓东", "建平",
                   "国强", "永康", "立新", "文斌", "红兵", "跃进"),
    ("mid", "F"): ("丽萍", "美芳", "雪芬", "玲", "红", "丽华", "素芬", "小燕", "晓红", "美英",
                   "春燕", "亚芬", "秀娟", "慧芳"),
    ("young", "M"): ("磊", "杰", "俊", "浩", "伟", "鹏", "斌", "军", "超", "晨", "俊杰",
                     "志豪", "建波", "宇", "凯"),
    ("young", "F"): ("婷婷", "佳怡", "倩", "丹", "晓燕", "静", "琳", "莉", "敏", "霞", "雅琴",
                     "丽娜", "燕", "颖"),
    ("new", "M"): ("浩宇", "子轩", "宇航", "俊熙", "皓轩", "梓豪", "宇泽", "一鸣", "思远",
                   "博文", "天佑"),
    ("new", "F"): ("梓涵", "欣怡", "子涵", "雨萱", "诗琪", "一诺", "可馨", "语嫣", "若汐",
                   "思彤", "芷若"),
}
# Rare characters (CJK Extension A and E among them) that real registers hold and
# software must store, show and search: 䶮 U+4DAE, 㛃 U+36C3, 𫖯 U+2B5AF.
_RARE_GIVEN = {"M": ("䶮", "俊堃", "子喆", "文赟", "昇", "燊", "孟𫖯"),
               "F": ("思玥", "珺", "一㛃", "玥", "若珺")}
_MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150",
                    "151", "152", "153", "155", "157", "158", "159", "180", "181", "182",
                    "183", "186", "187", "188", "189")


def _surname(rng: random.Random) -> str:
    return rng.choices(_SURNAME_NAMES, cum_weights=_SURNAME_CUM)[0]


def _given_name(rng: random.Random, sex: str, birth: date) -> str:
    if rng.random() < 0.02:
        return rng.choice(_RARE_GIVEN[sex])
    era = ("old" if birth.year < 1960 else "mid" if birth.year < 1980
           else "young" if birth.year < 2000 else "new")
    return rng.choice(_GIVEN[(era, sex)])


def _full_name(rng: random.Random, surname: str, sex: str, birth: date,
               taken: set[str]) -> str:
    """A name no one else in the household has (parents do not name two children alike)."""
    for _ in range(10):
        name = surname + _given_name(rng, sex, birth)
        if name not in taken:
            break
    taken.add(name)
    return name


def _mobile(rng: random.Random) -> str:
    return rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def _birth_for_age(rng: random.Random, age: int) -> date:
    """A birth date that makes the person ``age`` on 1 January of REFERENCE_YEAR."""
    return date(REFERENCE_YEAR - age, 1, 1) - timedelta(days=rng.randrange(365))


def _add_days(day: date, days: int, *, latest: date = LAST_PAST_DAY) -> date:
    return min(day + timedelta(days=days), latest)


class ResidentIdAllocator:
    """Hands out unique identity numbers for area 330703.

    The sequence starts where the caller's generator says and probes forward
    within the sex's parity, so the number of random draws never depends on
    which numbers are taken: a collision changes one number, not the rest of
    the register.
    """

    SLOTS = 499  # sequences 001-997 (odd, male) or 002-998 (even, female)

    def __init__(self, reserved: Iterable[str] = ()) -> None:
        self._used: set[str] = set(reserved)

    def allocate(self, birth: date, sex: str, start: int) -> str:
        for step in range(self.SLOTS):
            slot = 1 + (start + step) % self.SLOTS
            sequence = slot * 2 - (1 if sex == "M" else 0)
            number = make_resident_id(DISTRICT_CODE, birth, sequence, sex)
            if number not in self._used:
                self._used.add(number)
                return number
        raise RuntimeError(f"no free identity number left for {birth} {sex}")


# --- households -------------------------------------------------------------------


@dataclass(frozen=True)
class MembershipPlan:
    number: str
    joined: date
    role: str
    dues_paid_years: tuple[int, ...]


@dataclass(frozen=True)
class PersonPlan:
    name: str
    sex: str
    birth_date: date
    relationship: str
    phone: str
    pension_insured: bool
    id_number: str
    membership: MembershipPlan | None


@dataclass(frozen=True)
class HouseholdPlan:
    number: str
    village_code: str
    address: str
    registration: str
    one_child_certificate_date: date | None
    two_daughter_household: bool
    second_birth_renounced_date: date | None
    hardship: bool
    special_family: str
    annual_income_yuan: Decimal
    paired: bool
    persons: tuple[PersonPlan, ...]

    def household_fields(self) -> dict:
        """Keyword arguments for ``Household`` (the area FK by its code)."""
        return {
            "number": self.number, "area_id": self.village_code, "address": self.address,
            "registration": self.registration,
            "one_child_certificate_date": self.one_child_certificate_date,
            "two_daughter_household": self.two_daughter_household,
            "second_birth_renounced_date": self.second_birth_renounced_date,
            "hardship": self.hardship, "special_family": self.special_family,
            "annual_income_yuan": self.annual_income_yuan, "paired": self.paired,
        }


@dataclass(frozen=True)
class _Draft:
    """A household member before phone, insurance, membership and number are drawn."""

    name: str
    sex: str
    birth: date
    relationship: str


@dataclass
class _Numbering:
    """Household serials per village and the identity numbers taken so far."""

    ids: ResidentIdAllocator
    serials: Counter = field(default_factory=Counter)

    def household_number(self, village: str) -> str:
        self.serials[village] += 1
        return f"{village}-{self.serials[village]:04d}"


@cache
def _place_names() -> dict[str, str]:
    """Village code -> "township + village", for addresses."""
    townships = {t.code: t.name for t in TOWNSHIPS}
    return {v.code: townships[v.township_code] + v.name for v in plan_villages()}


def _address(village: str, house_no: int) -> str:
    return f"{CITY_NAME}{DISTRICT_NAME}{_place_names()[village]}{house_no}号"


def _membership(rng: random.Random, number: str, birth: date) -> MembershipPlan:
    earliest = max(date(birth.year + 20, birth.month, 1), date(2003, 1, 1))
    joined = _add_days(earliest, rng.randrange(max(1, (LAST_PAST_DAY - earliest).days)))
    role = rng.choices(("member", "volunteer", "council"), weights=(88, 8, 4))[0]
    dues = tuple(y for y in DUES_YEARS if y >= joined.year and rng.random() < 0.85)
    return MembershipPlan(number=number, joined=joined, role=role, dues_paid_years=dues)


def _finish_person(rng: random.Random, draft: _Draft, *, household_number: str, ordinal: int,
                   member_share: float, numbering: _Numbering) -> PersonPlan:
    """Phone, pension insurance, membership and identity number for one member."""
    age = REFERENCE_YEAR - 1 - draft.birth.year
    has_phone = age >= 16 and rng.random() < (0.6 if age >= 75 else 0.92)
    phone = _mobile(rng) if has_phone else ""
    insured = age >= 18 and rng.random() < (0.85 if age >= 45 else 0.45)
    member = None
    if age >= 20 and rng.random() < member_share:
        member = _membership(rng, f"M{household_number}-{ordinal}", draft.birth)
    id_number = numbering.ids.allocate(draft.birth, draft.sex, rng.randrange(10**6))
    return PersonPlan(name=draft.name, sex=draft.sex, birth_date=draft.birth,
                      relationship=draft.relationship, phone=phone, pension_insured=insured,
                      id_number=id_number, membership=member)


# Household kinds: what the family-planning facts and the members follow from.
_KINDS_LOCAL = (("one_child", 30), ("two_daughter", 9), ("renounced", 10), ("ordinary", 43),
                ("single_elder", 8))
_KINDS_MIGRANT = (("one_child", 40), ("two_daughter", 5), ("ordinary", 55))
_HEAD_AGES = {"one_child": (28, 72), "two_daughter": (35, 72), "renounced": (56, 82),
              "ordinary": (24, 80), "single_elder": (66, 92)}
_PLANNED_KINDS = ("one_child", "two_daughter", "renounced")


def _pick_kind(rng: random.Random, migrant: bool) -> str:
    kinds = _KINDS_MIGRANT if migrant else _KINDS_LOCAL
    return rng.choices([k for k, _ in kinds], weights=[w for _, w in kinds])[0]


def _children(rng: random.Random, kind: str, mother_age: int) -> list[tuple[str, int]]:
    """(sex, age) of every child born to the couple, moved out or not."""
    if kind == "single_elder":
        return []
    if kind == "two_daughter":
        sexes = ["F", "F"]
    elif kind == "ordinary":
        weights = (2, 3, 4, 2) if mother_age > 55 else (2, 4, 3, 1)
        count = rng.choices((0, 1, 2, 3), weights=weights)[0]
        sexes = [rng.choice("MF") for _ in range(count)]
    else:
        sexes = [rng.choice("MF")]
    children = []
    age = mother_age - rng.randint(22, 32)
    if kind in ("one_child", "renounced"):
        age = min(age, 46)  # the only child of a certificate holder: born 1980 or later
    for sex in sexes:
        if age < 1:
            break
        children.append((sex, age))
        age -= rng.randint(1, 6)
    return children


def _members(rng: random.Random, kind: str, migrant: bool
             ) -> tuple[list[_Draft], list[_Draft]]:
    """The people living in the household, and all children born to the couple."""
    low, high = _HEAD_AGES[kind]
    head_age = rng.randint(low, min(high, 50) if migrant else high)
    head_sex = "M" if rng.random() < (0.45 if kind == "single_elder" else 0.85) else "F"
    head_surname = family = _surname(rng)
    head_birth = _birth_for_age(rng, head_age)
    names: set[str] = set()
    people = [_Draft(_full_name(rng, family, head_sex, head_birth, names), head_sex,
                     head_birth, "head")]
    mother_age = head_age
    has_spouse = kind != "single_elder" and (kind != "ordinary" or rng.random() < 0.9)
    if has_spouse:
        spouse_sex = "F" if head_sex == "M" else "M"
        gap = rng.randint(-2, 5)
        spouse_age = max(20, head_age - gap if head_sex == "M" else head_age + gap)
        spouse_birth = _birth_for_age(rng, spouse_age)
        spouse_surname = _surname(rng)
        people.append(_Draft(_full_name(rng, spouse_surname, spouse_sex, spouse_birth, names),
                             spouse_sex, spouse_birth, "spouse"))
        if head_sex == "F":
            family = spouse_surname  # children take the father's surname
        else:
            mother_age = spouse_age
    born = []
    for sex, age in _children(rng, kind, mother_age):
        birth = _birth_for_age(rng, age)
        child = _Draft(_full_name(rng, family, sex, birth, names), sex, birth, "child")
        born.append(child)
        if age < 26 or rng.random() < 0.4:  # grown children often live elsewhere
            people.append(child)
    if head_age < 52 and not migrant and rng.random() < 0.18:
        parent_sex = rng.choice("MF")
        parent_birth = _birth_for_age(rng, min(96, head_age + rng.randint(22, 32)))
        # the head's father shares the head's surname; the mother has her own
        parent_surname = head_surname if parent_sex == "M" else _surname(rng)
        people.append(_Draft(_full_name(rng, parent_surname, parent_sex, parent_birth, names),
                             parent_sex, parent_birth, "parent"))
    return people, born


@dataclass(frozen=True)
class _Facts:
    one_child_certificate_date: date | None = None
    two_daughter_household: bool = False
    second_birth_renounced_date: date | None = None
    hardship: bool = False
    special_family: str = ""
    paired: bool = False


def _family_planning_facts(rng: random.Random, kind: str, people: list[_Draft],
                           born: list[_Draft]) -> tuple[_Facts, list[_Draft]]:
    """The facts benefits read, consistent with the members; a family whose only
    child died loses that child from the household."""
    head_age = REFERENCE_YEAR - 1 - people[0].birth.year
    certificate = renounced = None
    if kind in ("one_child", "renounced") and born and rng.random() < (
            0.9 if kind == "renounced" else 0.75):
        certificate = _add_days(born[0].birth, rng.randint(60, 1000))
    if kind == "renounced" and born:
        renounced = max(_add_days(born[0].birth, rng.randint(365, 5 * 365)), date(1980, 1, 1))
    special = ""
    if certificate and head_age >= 48 and rng.random() < 0.06:
        special = rng.choice(("lost_only_child", "disabled_only_child"))
        if special == "lost_only_child":
            people = [p for p in people if p is not born[0]]
        elif born[0] not in people:
            people.append(born[0])  # a disabled only child lives with the parents
    hardship = rng.random() < (0.5 if special else 0.2 if kind == "single_elder" else 0.07)
    facts = _Facts(
        one_child_certificate_date=certificate,
        two_daughter_household=kind == "two_daughter",
        second_birth_renounced_date=renounced,
        hardship=hardship,
        special_family=special,
        paired=hardship and rng.random() < 0.3,
    )
    return facts, people


def _income(rng: random.Random, hardship: bool, size: int) -> Decimal:
    """Yearly household income, round hundreds; hardship households below the
    welfare fund's per-head limit, the rest spread around the district's median."""
    if hardship:
        per_head = rng.randint(30, 110) * 100
    else:
        per_head = int(rng.lognormvariate(10.1, 0.45))
    return Decimal(round(per_head * size, -2)).quantize(Decimal("0.01"))


class _Context:
    """What generating household *i* needs besides its own generator."""

    def __init__(self, numbering: _Numbering) -> None:
        self.numbering = numbering
        self.villages = plan_villages()
        self.cum_weights = tuple(accumulate(v.weight for v in self.villages))

    def pick_village(self, rng: random.Random) -> VillagePlan:
        return rng.choices(self.villages, cum_weights=self.cum_weights)[0]


def generate_household(index: int, context: _Context) -> HouseholdPlan:
    """Household number ``index`` of the generated register."""
    rng = random.Random(f"{SEED}/household/{index}")
    village = context.pick_village(rng)
    migrant = rng.random() < 0.12
    kind = _pick_kind(rng, migrant)
    people, born = _members(rng, kind, migrant)
    facts, people = _family_planning_facts(rng, kind, people, born)
    number = context.numbering.household_number(village.code)
    member_share = (0.7 if kind in _PLANNED_KINDS else 0.5) * (0.7 if migrant else 1)
    persons = tuple(
        _finish_person(rng, draft, household_number=number, ordinal=k,
                       member_share=member_share, numbering=context.numbering)
        for k, draft in enumerate(people, start=1)
    )
    return HouseholdPlan(
        number=number, village_code=village.code,
        address=_address(village.code, rng.randint(1, 320)),
        registration="migrant" if migrant else "local",
        annual_income_yuan=_income(rng, facts.hardship, len(persons)),
        persons=persons, **asdict(facts),
    )


# --- the demo families: hand-written so every program has a household to show --


@dataclass(frozen=True)
class DemoMember:
    name: str
    sex: str
    birth: date
    relationship: str
    phone: str
    pension_insured: bool
    member_since: date | None


@dataclass(frozen=True)
class DemoFamily:
    username: str  # the family's account
    township: str
    village: str
    house_no: int
    shows: str  # which programs it qualifies for, and why
    members: tuple[DemoMember, ...]
    registration: str = "local"
    one_child_certificate_date: date | None = None
    two_daughter_household: bool = False
    second_birth_renounced_date: date | None = None
    hardship: bool = False
    special_family: str = ""
    annual_income_yuan: int = 0


DEMO_FAMILIES: tuple[DemoFamily, ...] = (
    DemoFamily(
        "family_xing", "源东乡", "邢村", 18,
        "medical discount (one-child certificate), pension subsidy (renounced a second "
        "birth, head 60+ and insured), health check (village enrolled), income project "
        "for the working-age son (16,000 yuan a head, the 源东 white-peach orchards)",
        (DemoMember("邢根土", "M", date(1957, 4, 16), "head", "13857912086", True,
                    date(2008, 3, 1)),
         DemoMember("楼秀英", "F", date(1959, 9, 3), "spouse", "15867923175", True,
                    date(2008, 3, 1)),
         DemoMember("邢伟", "M", date(1983, 11, 20), "child", "18857936402", True, None)),
        one_child_certificate_date=date(1984, 6, 1),
        second_birth_renounced_date=date(1985, 3, 12), annual_income_yuan=48000,
    ),
    DemoFamily(
        "family_lou", "源东乡", "邢村", 52,
        "welfare grant at the special-family amount and assistance pairing (only child "
        "died), medical discount, health check; not the pension subsidy (no renunciation)",
        (DemoMember("楼福根", "M", date(1953, 2, 8), "head", "13905793318", True,
                    date(2005, 9, 1)),
         DemoMember("施菊英", "F", date(1955, 7, 19), "spouse", "", True, date(2005, 9, 1))),
        one_child_certificate_date=date(1981, 5, 20), special_family="lost_only_child",
        annual_income_yuan=19200,
    ),
    DemoFamily(
        "family_dongshan", "多湖街道", "东山村", 7,
        "medical discount (two-daughter household), welfare grant and assistance pairing "
        "(hardship, 8,500 yuan a head), health check, income project (head of working age)",
        (DemoMember("陈建华", "M", date(1969, 10, 5), "head", "13758961240", True,
                    date(2012, 4, 15)),
         DemoMember("方丽萍", "F", date(1971, 2, 14), "spouse", "15057926631", True,
                    date(2012, 4, 15)),
         DemoMember("陈佳怡", "F", date(1995, 8, 30), "child", "18367905512", False, None),
         DemoMember("陈诗琪", "F", date(2000, 12, 11), "child", "18857920937", False, None)),
        two_daughter_household=True, hardship=True, annual_income_yuan=34000,
    ),
    DemoFamily(
        "family_migrant", "多湖街道", "东山村", 131,
        "a migrant family treated like a local one: medical discount (one-child "
        "certificate) and health check",
        (DemoMember("吴明", "M", date(1988, 5, 21), "head", "18757983024", True,
                    date(2019, 6, 1)),
         DemoMember("何倩", "F", date(1990, 3, 8), "spouse", "15258916647", False, None),
         DemoMember("吴梓涵", "F", date(2015, 7, 2), "child", "", False, None)),
        registration="migrant", one_child_certificate_date=date(2016, 1, 15),
        annual_income_yuan=150000,
    ),
)


def demo_household(family: DemoFamily, numbering: _Numbering) -> HouseholdPlan:
    """The demo family as a plan; only the identity numbers are drawn."""
    rng = random.Random(f"{SEED}/demo/{family.username}")
    village = village_code(family.township, family.village)
    number = numbering.household_number(village)
    persons = []
    for k, m in enumerate(family.members, start=1):
        membership = None
        if m.member_since:
            membership = MembershipPlan(number=f"M{number}-{k}", joined=m.member_since,
                                        role="member", dues_paid_years=DUES_YEARS)
        persons.append(PersonPlan(
            name=m.name, sex=m.sex, birth_date=m.birth, relationship=m.relationship,
            phone=m.phone, pension_insured=m.pension_insured, membership=membership,
            id_number=numbering.ids.allocate(m.birth, m.sex, rng.randrange(10**6)),
        ))
    return HouseholdPlan(
        number=number, village_code=village, address=_address(village, family.house_no),
        registration=family.registration,
        one_child_certificate_date=family.one_child_certificate_date,
        two_daughter_household=family.two_daughter_household,
        second_birth_renounced_date=family.second_birth_renounced_date,
        hardship=family.hardship, special_family=family.special_family,
        annual_income_yuan=Decimal(family.annual_income_yuan).quantize(Decimal("0.01")),
        paired=False, persons=tuple(persons),
    )


def plan_households(total: int, *, reserved: Iterable[str] = ()) -> list[HouseholdPlan]:
    """The register of ``total`` households: the demo families first, then generated
    ones (at least the demo families, whatever ``total`` says).

    ``reserved`` identity numbers are never handed out (numbers already in the
    database for people the seed did not create)."""
    numbering = _Numbering(ResidentIdAllocator(reserved))
    plans = [demo_household(family, numbering) for family in DEMO_FAMILIES]
    context = _Context(numbering)
    plans.extend(generate_household(i, context) for i in range(max(0, total - len(plans))))
    return plans


# --- accounts --------------------------------------------------------------------

Role = User.Role


@dataclass(frozen=True)
class AccountSpec:
    username: str
    role: str
    area_code: str
    display_name: str
    household_number: str | None = None  # family accounts only


def _family_account(family: DemoFamily, household_number: str) -> AccountSpec:
    # a family account's area is its village: the family inbox relies on it
    return AccountSpec(family.username, Role.FAMILY, village_code(family.township,
                                                                  family.village),
                       f"{family.members[0].name}（{family.village}）", household_number)


def accounts(plans: Sequence[HouseholdPlan]) -> tuple[AccountSpec, ...]:
    """One account per role at least; two villages in different townships, each
    with its reviewer and its township's approver, so scoping can be seen."""
    families = tuple(_family_account(f, plans[i].number) for i, f in enumerate(DEMO_FAMILIES))
    return families + (
        AccountSpec("village_xing", Role.VILLAGE_REVIEWER, village_code("源东乡", "邢村"),
                    "邢村计生协会 专职副会长"),
        AccountSpec("village_dongshan", Role.VILLAGE_REVIEWER,
                    village_code("多湖街道", "东山村"), "东山村计生协会 专职副会长"),
        AccountSpec("township_yuandong", Role.TOWNSHIP_APPROVER, township_code("源东乡"),
                    "源东乡计生协会"),
        AccountSpec("township_duohu", Role.TOWNSHIP_APPROVER, township_code("多湖街道"),
                    "多湖街道计生协会"),
        AccountSpec("district", Role.DISTRICT_APPROVER, DISTRICT_CODE, "金东区计生协会"),
        AccountSpec("auditor", Role.AUDITOR, DISTRICT_CODE, "金东区计生协会 审计"),
        AccountSpec("admin", Role.ADMIN, DISTRICT_CODE, "系统管理员"),
    )


_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i look-alikes


def demo_password(username: str) -> str:
    """Deterministic, so the credentials file stays right across re-runs; long and
    mixed enough for Django's validators. Demo only: never seed a live system."""
    digest = hashlib.sha256(f"{SEED}/password/{username}".encode()).digest()
    suffix = "".join(_PASSWORD_ALPHABET[b % len(_PASSWORD_ALPHABET)] for b in digest[:4])
    return f"Demo-{REFERENCE_YEAR}-{suffix}"


# --- building ----------------------------------------------------------------------


@dataclass
class SeedReport:
    """What a run created and what the database now holds."""

    created: Counter = field(default_factory=lambda: Counter(dict.fromkeys(
        ("areas", "households", "persons", "memberships", "programs", "users"), 0)))
    totals: dict[str, int] = field(default_factory=dict)
    credentials: list[dict[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line of totals, with what this run added in brackets, then the notes."""
        parts = [f"{name} {count}" + (f" (+{self.created[name]})" if name in self.created
                                      else "")
                 for name, count in self.totals.items()]
        parts += [f"{name} +{count}" for name, count in self.created.items()
                  if name not in self.totals and "." in name]
        return "\n".join(["seed_demo: " + ", ".join(parts)]
                         + [f"note: {note}" for note in self.notes])


def _wanted_areas(today: date) -> list[Area]:
    """District, townships, villages, parents before children."""
    district = Area(code=DISTRICT_CODE, name=DISTRICT_NAME, level=Area.Level.DISTRICT)
    townships = [Area(code=t.code, name=t.name, level=Area.Level.TOWNSHIP,
                      parent_id=DISTRICT_CODE) for t in TOWNSHIPS]
    years = [today.year - 1, today.year]
    villages = [Area(code=v.code, name=v.name, level=Area.Level.VILLAGE,
                     parent_id=v.township_code,
                     health_check_enrolled_years=years if v.health_check else [])
                for v in plan_villages()]
    return [district, *townships, *villages]


def ensure_areas(today: date, report: SeedReport) -> None:
    """Create missing areas; enrol the health-check villages for this year and the
    last (an old demo database keeps working next year). Names are not overwritten."""
    existing = Area.objects.in_bulk(field_name="code")
    wanted = _wanted_areas(today)
    new = [a for a in wanted if a.code not in existing]
    Area.objects.bulk_create(new, batch_size=BATCH)
    report.created["areas"] = len(new)
    stale = []
    for area in wanted:
        current = existing.get(area.code)
        if current is None or not area.health_check_enrolled_years:
            continue
        years = sorted(set(current.health_check_enrolled_years or [])
                       | set(area.health_check_enrolled_years))
        if years != current.health_check_enrolled_years:
            current.health_check_enrolled_years = years
            stale.append(current)
    Area.objects.bulk_update(stale, ["health_check_enrolled_years"], batch_size=BATCH)


def _chunks(items: Sequence, size: int = BATCH) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _taken_id_numbers(plans: Sequence[HouseholdPlan]) -> set[str]:
    """Identity numbers of the planned people that someone else already holds (found
    through the lookup hashes; only a clash is decrypted)."""
    numbers = [p.id_number for plan in plans for p in plan.persons]
    taken: set[str] = set()
    for chunk in _chunks(numbers):
        taken.update(Person.objects.filter(id_number__in=chunk)
                     .values_list("id_number", flat=True))
    return taken


def _missing_plans(total: int) -> tuple[list[HouseholdPlan], list[HouseholdPlan]]:
    """(the whole plan, the households not yet in the database). When people
    entered by hand hold a planned identity number, plan again around them."""
    existing = set(Household.objects.filter(number__startswith=DISTRICT_CODE)
                   .values_list("number", flat=True))
    reserved: set[str] = set()
    while True:
        plans = plan_households(total, reserved=reserved)
        missing = [p for p in plans if p.number not in existing]
        clash = _taken_id_numbers(missing)
        if not clash:
            return plans, missing
        reserved |= clash


def _insert_households(plans: Sequence[HouseholdPlan]) -> list[Household]:
    rows = [Household(**plan.household_fields()) for plan in plans]
    Household.objects.bulk_create(rows, batch_size=BATCH)
    if any(row.pk is None for row in rows):  # a backend that returns no ids
        ids = dict(Household.objects.filter(number__in=[r.number for r in rows])
                   .values_list("number", "pk"))
        for row in rows:
            row.pk = ids[row.number]
    return rows


def _insert_people(plans: Sequence[HouseholdPlan], households: Sequence[Household]
                   ) -> tuple[int, int]:
    people, wanted = [], []
    for plan, household in zip(plans, households, strict=True):
        for p in plan.persons:
            people.append(Person(
                household_id=household.pk, name=p.name, id_number=p.id_number, sex=p.sex,
                birth_date=p.birth_date, phone=p.phone, relationship=p.relationship,
                pension_insured=p.pension_insured))
            wanted.append(p.membership)
    Person.objects.bulk_create(people, batch_size=BATCH)
    if any(person.pk is None for person in people):
        # matched on the lookup hashes: nothing to decrypt
        ids = dict(Person.objects.filter(id_number__in=[p.id_number for p in people])
                   .values_list("id_number_hash", "pk"))
        for person in people:
            person.pk = ids[person.id_number_hash]
    memberships = [
        Membership(person_id=person.pk, number=m.number, joined=m.joined, role=m.role,
                   dues_paid_years=list(m.dues_paid_years))
        for person, m in zip(people, wanted, strict=True) if m is not None
    ]
    Membership.objects.bulk_create(memberships, batch_size=BATCH)
    village_of = {h.pk: h.area_id for h in households}
    _insert_dues(memberships, {p.pk: village_of[p.household_id] for p in people})
    return len(people), len(memberships)


def _insert_dues(memberships: Sequence[Membership], villages: dict[int, str]) -> None:
    """Each paid year of the plan as a payment with its receipt (casework.register.dues); the
    years left out (some 15 %) are the demo's arrears."""
    from .models import DuesPayment
    from .register.dues import amount_for, receipt_for

    if any(m.pk is None for m in memberships):
        ids = dict(Membership.objects.filter(number__in=[m.number for m in memberships])
                   .values_list("number", "pk"))
        for m in memberships:
            m.pk = ids[m.number]
    now = timezone.now()
    DuesPayment.objects.bulk_create([
        DuesPayment(membership_id=m.pk, area_id=villages[m.person_id], year=year,
                    amount_yuan=amount_for(year) or Decimal("10"),
                    paid_on=min(date(year, 3, 1), LAST_PAST_DAY),
                    receipt_number=receipt_for(year, m.number), recorded_at=now)
        for m in memberships for year in m.dues_paid_years], batch_size=BATCH)


def ensure_households(total: int, report: SeedReport) -> list[HouseholdPlan]:
    """Insert the planned households that are missing, with their people."""
    plans, missing = _missing_plans(total)
    for chunk in _chunks(missing, 5 * BATCH):
        rows = _insert_households(chunk)
        people, members = _insert_people(chunk, rows)
        report.created["households"] += len(rows)
        report.created["persons"] += people
        report.created["memberships"] += members
    return plans


def ensure_accounts(specs: Sequence[AccountSpec], report: SeedReport) -> None:
    """Create missing accounts with their demo password; put back an existing
    account's role and scope if they drifted, but never touch its password."""
    households = dict(Household.objects.filter(
        number__in=[s.household_number for s in specs if s.household_number])
        .values_list("number", "pk"))
    existing = User.objects.in_bulk([s.username for s in specs], field_name="username")
    for spec in specs:
        wanted = {
            "role": spec.role, "area_id": spec.area_code, "display_name": spec.display_name,
            "household_id": households.get(spec.household_number),
            "is_staff": spec.role == Role.ADMIN, "is_superuser": spec.role == Role.ADMIN,
        }
        user = existing.get(spec.username)
        if user is None:
            user = User(username=spec.username, **wanted)
            user.set_password(demo_password(spec.username))
            user.save()
            report.created["users"] += 1
        else:
            changed = [k for k, v in wanted.items() if getattr(user, k) != v]
            if changed:
                for key in changed:
                    setattr(user, key, wanted[key])
                user.save(update_fields=changed)
                report.notes.append(f"account {spec.username}: reset {', '.join(changed)}")
        report.credentials.append({"username": spec.username,
                                   "password": demo_password(spec.username),
                                   "role": str(spec.role),
                                   "area_code": spec.area_code})


def _totals() -> dict[str, int]:
    in_district = Area.objects.filter(code__startswith=DISTRICT_CODE)
    return {
        "areas": in_district.count(),
        "townships": in_district.filter(level=Area.Level.TOWNSHIP).count(),
        "villages": in_district.filter(level=Area.Level.VILLAGE).count(),
        "households": Household.objects.count(),
        "persons": Person.objects.count(),
        "memberships": Membership.objects.count(),
        "programs": Program.objects.count(),
        "users": User.objects.count(),
    }


@transaction.atomic
def seed_demo(*, households: int = DEFAULT_HOUSEHOLDS, today: date | None = None,
              association: bool = True) -> SeedReport:
    """Build (or complete) the demo: areas, programs, ``households`` households, the
    demo accounts and (unless ``association`` is false: a part's own tests seed it
    themselves) the association's year. All or nothing, so an interrupted run leaves no
    half-register."""
    report = SeedReport()
    programs_before = Program.objects.count()
    install_programs()
    report.created["programs"] = Program.objects.count() - programs_before
    ensure_areas(today or timezone.localdate(), report)
    plans = ensure_households(households, report)
    ensure_accounts(accounts(plans), report)
    report.notes += ensure_demo_devices(SEED, report.credentials)  # development only
    if association:
        ensure_association(today or timezone.localdate(), report)
    report.totals = _totals()
    report.notes.append(f"{VILLAGE_TOTAL} villages: the report's count of villages of 500+ "
                        "people, each with a full-time vice-president (seed line 24); the "
                        "district has smaller ones the demo leaves out")
    return report


#: the association's own year, in the order each part needs the others: its organisation
#: first (units, office holders), then health checks, contact households, projects,
#: pairings, the dues campaigns and the welfare fund's ledger
ASSOCIATION_PARTS = ("organisation", "healthchecks", "contacts", "projects", "pairings",
                     "duescampaigns", "fund")


def ensure_association(today: date, report: SeedReport) -> None:
    """Each part of the association's year seeds its demo records over the register and
    the accounts (``casework.<part>.demo.seed``: idempotent, deterministic); what each
    made is added to the report."""
    from importlib import import_module

    for part in ASSOCIATION_PARTS:
        made = import_module(f"casework.{part}.demo").seed(today=today)
        for name, count in made.items():
            if isinstance(count, int) and count:
                report.created[f"{part}.{name}"] = count


def write_credentials(path: Path | str, credentials: list[dict[str, str]]) -> None:
    """The demo accounts as JSON for the run script; readable by the owner only."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(credentials, ensure_ascii=False, indent=2) + "\n",
                    encoding="utf-8")
    path.chmod(0o600)
