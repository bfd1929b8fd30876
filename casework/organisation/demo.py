"""Demo data of the association's organisation, over the register ``casework.demo``
builds (district 330703, its 11 townships and 245 villages: the seed's count of villages
of 500+ people, each with a full-time vice-president, line 24).

What it makes, and which of it the seed states:

- a unit per level: the district association, one per township, one per village;
- a full-time vice-president (专职副会长) per village, 166 men and 79 women as line 25
  says, and one per township (line 23: in 孝顺、岭下、赤松、东孝 retired leaders of the
  former team; everyone's sex there is demo data), and the district's (line 84);
- the first enterprise association, at 浙江李子园牛奶食品有限公司 (line 64), founded on
  30 October of last year, in 曹宅镇 (line 50 rates 曹宅镇's enterprise association work;
  the township is set locally), and one pilot enterprise association in each other
  township (line 66), their enterprises fictional and marked as demo;
- a few migrant-population groups by trade, home region and kinship (line 140), demo;
- the three two-day training sessions of 25-30 September last year for 900-odd
  secretaries, attendants and women's directors (line 160), some attendees named, and
  seven sessions in enterprises with about 2,000 trained (line 71);
- last year's "5·29" day in each township, its figures spread over the townships so
  that they add up roughly to the report's (11 consultations and 21 screenings,
  5,300-odd people examined, 70,000-odd materials, 50,000-odd yuan: lines 126-127, 32);
- the assessment criteria (``criteria.install_criteria``) and last year's assessment of
  three villages per township, made by the township's approver account where the demo
  has one, else by the district's;
- about 2 % of the roster's plain members made 宣传员 (outreach workers), as the report
  counts 600-odd among 30,000-odd members and volunteers (line 91).

Member counts of enterprise associations and groups, founding dates, names and scores
are demo data. Idempotent (every record is found by its natural key before it is made)
and deterministic (``random.Random("organisation-demo/1/...")``; only ``today`` moves the
dates: "last year" is ``today.year - 1``).
"""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from django.db import transaction

from casework.models import Area, Membership, User

from .criteria import install_criteria, rating_for
from .models import (
    ActivityDay,
    Assessment,
    AssessmentScore,
    OfficeHolder,
    OrgUnit,
    TrainingAttendance,
    TrainingSession,
)
from .services import criteria_for

SEED = "organisation-demo/1"
DISTRICT = "330703"
DEMO = "演示数据"
VILLAGE_VP_WOMEN = 79  # of 245 (line 25: 166 men, 79 women)
VILLAGE_TOTAL = 245
RETIRED_LEADER_TOWNSHIPS = ("孝顺镇", "岭下镇", "赤松镇", "东孝街道")  # line 23
LIZIYUAN = "浙江李子园牛奶食品有限公司"
LIZIYUAN_TOWNSHIP = "曹宅镇"
OUTREACH_SHARE = 0.02  # 600-odd of 30,000-odd (line 91)

_SURNAMES = "王陈张李吴楼傅金方施朱黄徐胡曹叶郑蒋周何应盛倪严杜邢"
_GIVEN = {"M": ("根土", "福根", "金水", "松林", "炳荣", "德兴", "仁法", "新民", "明德", "建华",
                "国平", "伟明", "志强", "建军", "卫东", "国强", "立新", "文斌"),
          "F": ("秀英", "金花", "彩凤", "菊英", "桂芳", "月娥", "玉兰", "素琴", "爱珍", "丽萍",
                "美芳", "雪芬", "丽华", "素芬", "晓红", "美英", "春燕", "慧芳")}
_VP_NOTES = ("原村两委班子成员，退居二线", "退休老干部", "退休老教师", "原村妇女主任")
_TRADES = ("五金工具", "纺织", "食品", "建材", "电器", "塑料制品", "工艺品", "机械", "服装",
           "包装")


def _name(rng: random.Random, sex: str) -> str:
    return rng.choice(_SURNAMES) + rng.choice(_GIVEN[sex])


def _level_units(today: date, counts: dict) -> dict[str, OrgUnit]:
    """The district's, the townships' and the villages' associations, by area code."""
    areas = list(Area.objects.filter(code__startswith=DISTRICT).order_by("code"))
    live = {(u.kind, u.area_id): u for u in OrgUnit.objects.filter(
        area__code__startswith=DISTRICT, dissolved_on__isnull=True,
        kind__in=OrgUnit.LEVEL_KINDS)}
    kind_of = {Area.Level.DISTRICT: OrgUnit.Kind.DISTRICT,
               Area.Level.TOWNSHIP: OrgUnit.Kind.TOWNSHIP,
               Area.Level.VILLAGE: OrgUnit.Kind.VILLAGE}
    founded = {Area.Level.DISTRICT: date(2002, 1, 1), Area.Level.TOWNSHIP: date(2002, 3, 1),
               Area.Level.VILLAGE: date(2002, 6, 1)}
    units: dict[str, OrgUnit] = {}
    for level in (Area.Level.DISTRICT, Area.Level.TOWNSHIP, Area.Level.VILLAGE):
        new = []
        for area in (a for a in areas if a.level == level):
            kind = kind_of[level]
            unit = live.get((kind, area.code))
            if unit is None:
                parent = units.get(area.parent_id) if area.parent_id else None
                note = f"{DEMO}：成立日期为假设"
                if level == Area.Level.VILLAGE:
                    note += "；500人以上行政村（报告第24行：全区245个）"
                unit = OrgUnit(kind=kind, area=area, name=f"{area.name}计划生育协会",
                               parent=parent, founded_on=founded[level], note=note)
                new.append(unit)
            units[area.code] = unit
        OrgUnit.objects.bulk_create(new)
        counts["units"] += len(new)
    return units


def _vice_presidents(units: dict[str, OrgUnit], today: date, counts: dict) -> None:
    """A full-time vice-president per village (166 men, 79 women of 245), per township
    and for the district, unless the unit has one in office."""
    held = set(OfficeHolder.objects.filter(
        office=OfficeHolder.Office.FULLTIME_VICE_PRESIDENT, until__isnull=True,
        area__code__startswith=DISTRICT).values_list("unit_id", flat=True))
    since = date(today.year - 1, 8, 1)  # after the notice of 30 July (line 23)
    villages = sorted(code for code in units if len(code) == 12)
    women = round(len(villages) * VILLAGE_VP_WOMEN / VILLAGE_TOTAL)
    female = set(random.Random(f"{SEED}/vp-women").sample(villages, women))
    new = []
    for code, unit in sorted(units.items()):
        if unit.pk in held:
            continue
        rng = random.Random(f"{SEED}/vp/{code}")
        if len(code) == 12:
            sex = "F" if code in female else "M"
            note = rng.choice(_VP_NOTES[:3] if sex == "M" else _VP_NOTES)
        else:
            sex = rng.choice("MMF")
            note = (f"原班子退二线的老领导（报告第23行）；性别为{DEMO}"
                    if unit.area.name in RETIRED_LEADER_TOWNSHIPS else f"{DEMO}")
        new.append(OfficeHolder(unit=unit, area_id=code, name=_name(rng, sex), sex=sex,
                                office=OfficeHolder.Office.FULLTIME_VICE_PRESIDENT,
                                since=since, note=note))
    OfficeHolder.objects.bulk_create(new)
    counts["office_holders"] += len(new)


def _township(name: str) -> Area | None:
    return Area.objects.filter(code__startswith=DISTRICT, level=Area.Level.TOWNSHIP,
                               name=name).first()


def _enterprises(units: dict[str, OrgUnit], today: date, counts: dict) -> list[OrgUnit]:
    """李子园's association, and a pilot in each other township (line 66)."""
    last = today.year - 1
    existing = {(u.area_id, u.enterprise_name): u for u in OrgUnit.objects.filter(
        kind=OrgUnit.Kind.ENTERPRISE, area__code__startswith=DISTRICT)}
    townships = list(Area.objects.filter(code__startswith=DISTRICT,
                                         level=Area.Level.TOWNSHIP).order_by("code"))
    rng = random.Random(f"{SEED}/enterprises")
    made, all_units = [], []
    for i, township in enumerate(townships):
        if township.name == LIZIYUAN_TOWNSHIP:
            enterprise = LIZIYUAN
            name = f"{LIZIYUAN}计划生育协会"
            founded = date(last, 10, 30)
            note = "区首家企业计生协会试点单位（报告第64行）；会员数为" + DEMO
            members = 180
        else:
            enterprise = f"金华市{_TRADES[i % len(_TRADES)]}演示有限公司"
            name = f"{enterprise}计划生育协会"
            founded = date(last, 11, 10 + i)
            note = f"{DEMO}：虚构企业，镇乡（街道）年内试点（报告第66行）"
            members = 40 + rng.randrange(120)
        unit = existing.get((township.code, enterprise))
        if unit is None:
            unit = OrgUnit(kind=OrgUnit.Kind.ENTERPRISE, area=township, name=name,
                           parent=units.get(township.code), enterprise_name=enterprise,
                           member_count=members, founded_on=founded, note=note)
            made.append(unit)
        all_units.append(unit)
    OrgUnit.objects.bulk_create(made)
    counts["units"] += len(made)
    return all_units


MIGRANT_GROUPS = (
    # township, village (None: the township), name, basis, members
    ("多湖街道", None, "集贸市场外来商户计生协会小组", OrgUnit.Basis.TRADE, 46),
    ("东孝街道", None, "江西籍外来人员计生协会小组", OrgUnit.Basis.HOME_REGION, 63),
    ("孝顺镇", None, "安徽籍外来人员计生协会小组", OrgUnit.Basis.HOME_REGION, 38),
    ("江东镇", "横店村", "外来务工人员亲缘计生协会小组", OrgUnit.Basis.KINSHIP, 21),
)


def _migrant_groups(units: dict[str, OrgUnit], counts: dict) -> None:
    existing = set(OrgUnit.objects.filter(kind=OrgUnit.Kind.MIGRANT,
                                          area__code__startswith=DISTRICT)
                   .values_list("area_id", "name"))
    made = []
    for township_name, village_name, name, basis, members in MIGRANT_GROUPS:
        township = _township(township_name)
        if township is None:
            continue
        area = township
        if village_name:
            area = Area.objects.filter(code__startswith=township.code,
                                       name=village_name).first() or township
        if (area.code, name) in existing:
            continue
        rng = random.Random(f"{SEED}/migrant/{name}")
        made.append(OrgUnit(kind=OrgUnit.Kind.MIGRANT, area=area, name=name, basis=basis,
                            parent=units.get(area.code), leader_name=_name(rng, "M"),
                            member_count=members, founded_on=date(2003, 6, 1),
                            note=f"{DEMO}：组长由小群体中威信较高的人担任（报告第140行）"))
    OrgUnit.objects.bulk_create(made)
    counts["units"] += len(made)


def _training(today: date, enterprises: list[OrgUnit], counts: dict) -> None:
    last = today.year - 1
    district = Area.objects.filter(code=DISTRICT).first()
    if district is None:
        return
    existing = set(TrainingSession.objects.filter(area__code__startswith=DISTRICT)
                   .values_list("area_id", "title"))
    council = list(Membership.objects.filter(
        person__household__area__code__startswith=DISTRICT, left__isnull=True,
        role__in=(Membership.Role.COUNCIL, Membership.Role.VOLUNTEER))
        .select_related("person__household").order_by("number")[:60])
    topics = ("“三个代表”重要思想；计划生育协会工作；政策法规；优质服务；计生统计；"
              "流动人口计生管理（报告第161行）")
    roles = ("村级秘书长", "服务员", "妇女主任", "乡级秘书长")
    totals = (304, 302, 306)  # 900-odd in three sessions (line 160); split is demo data
    for n, (first, total) in enumerate(zip((25, 27, 29), totals, strict=True), start=1):
        title = f"{last}年全区计生系统专题培训（第{n}期）"
        if (DISTRICT, title) in existing:
            continue
        named = council[(n - 1) * 20:n * 20]
        session = TrainingSession.objects.create(
            area=district, title=title, topics=topics, first_day=date(last, 9, first),
            last_day=date(last, 9, first + 1), venue="区计生指导站",
            audience="乡级秘书长、村级秘书长、服务员、妇女主任",
            other_attendees=total - len(named))
        TrainingAttendance.objects.bulk_create(
            TrainingAttendance(session=session, person=m.person, name=m.person.name,
                               role=roles[i % len(roles)], area_id=m.person.household.area_id)
            for i, m in enumerate(named))
        counts["training_sessions"] += 1
        counts["attendance"] += len(named)
    # seven sessions in enterprises, nearly 2,000 trained (line 71)
    trained = (310, 290, 280, 270, 280, 260, 290)
    for i, (unit, total) in enumerate(zip(enterprises[:7], trained, strict=False)):
        title = f"{unit.enterprise_name}员工计生协会知识培训"
        if (unit.area_id, title) in existing:
            continue
        day = date(last, 10, 8 + 2 * i)
        TrainingSession.objects.create(
            area_id=unit.area_id, title=title, first_day=day, last_day=day,
            topics="计生协的性质、任务、工作方法；避孕节育；生殖健康；致富技术；市场信息"
                   "（报告第70行）",
            venue=unit.enterprise_name, audience="企业员工", other_attendees=total)
        counts["training_sessions"] += 1


def _split(total: int, weights: list[int]) -> list[int]:
    """``total`` split in proportion to ``weights``, summing exactly to ``total``."""
    whole = sum(weights)
    parts = [total * w // whole for w in weights]
    for i in range(total - sum(parts)):
        parts[i % len(parts)] += 1
    return parts


def _activity_days(today: date, counts: dict) -> None:
    """Last year's 5·29 day in each township: 11 consultations and 21 screenings, 5,316
    examined, 71,200 materials, 51,600 yuan in all (the report's 5,300-odd, 70,000-odd
    and 50,000-odd; the split over townships is demo data)."""
    last = today.year - 1
    held_on = date(last, 5, 29)
    townships = list(Area.objects.filter(code__startswith=DISTRICT, level=Area.Level.TOWNSHIP)
                     .order_by("code"))
    if not townships:
        return
    existing = set(ActivityDay.objects.filter(
        area__code__startswith=DISTRICT, kind=ActivityDay.Kind.MEMBER_DAY_529,
        held_on__year=last).values_list("area_id", flat=True))
    weights = [Area.objects.filter(parent_id=t.code).count() or 1 for t in townships]
    screenings = _split(21, [1] * len(townships))
    examined = _split(5316, weights)
    materials = _split(71200, weights)
    spending = _split(51600, weights)
    made = []
    for i, township in enumerate(townships):
        if township.code in existing:
            continue
        made.append(ActivityDay(
            area=township, kind=ActivityDay.Kind.MEMBER_DAY_529, held_on=held_on,
            title=f"{last}年“5·29”会员活动日（{township.name}）",
            sessions_held=1 + screenings[i], people_examined=examined[i],
            materials_distributed=materials[i], spending_yuan=Decimal(spending[i]),
            note=(f"农村集市知识咨询1次、妇女病普查{screenings[i]}次；{DEMO}：按报告全区合计"
                  "（第126-127行、第32行）分到各镇乡（街道）")))
    ActivityDay.objects.bulk_create(made)
    counts["activity_days"] += len(made)


def _assessor(township_code: str) -> User | None:
    return (User.objects.filter(role=User.Role.TOWNSHIP_APPROVER, area_id=township_code,
                                is_active=True).order_by("id").first()
            or User.objects.filter(role=User.Role.DISTRICT_APPROVER, area_id=DISTRICT,
                                   is_active=True).order_by("id").first())


def _assessments(today: date, counts: dict) -> None:
    """Last year's assessment of three villages per township (the report's named
    villages among them when the township has any)."""
    last = today.year - 1
    criteria = criteria_for(last)
    if not criteria:
        return
    max_total = sum(c.max_score for c in criteria)
    done = set(Assessment.objects.filter(area__code__startswith=DISTRICT, year=last)
               .values_list("area_id", flat=True))
    townships = Area.objects.filter(code__startswith=DISTRICT,
                                    level=Area.Level.TOWNSHIP).order_by("code")
    for township in townships:
        assessor = _assessor(township.code)
        if assessor is None:
            continue
        villages = list(Area.objects.filter(parent_id=township.code).order_by("code"))
        rng = random.Random(f"{SEED}/assess/{township.code}")
        chosen = villages[:3] if len(villages) <= 3 else rng.sample(villages, 3)
        for n, village in enumerate(sorted(chosen, key=lambda v: v.code)):
            if village.code in done:
                continue
            strong = n == 0 or village.name == "东山村"  # 应金堂's village (line 44)
            scores = {c.code: (c.max_score - rng.randrange(3) if strong
                               else c.max_score - rng.randrange(2, c.max_score // 2 + 2))
                      for c in criteria}
            total = sum(scores.values())
            assessment = Assessment.objects.create(
                area=village, year=last, assessed_by=assessor,
                assessed_on=date(last, 12, 15), total=total, max_total=max_total,
                rating=rating_for(total, max_total),
                note=f"{DEMO}：镇乡（街道）自评（报告第52行）")
            AssessmentScore.objects.bulk_create(
                AssessmentScore(assessment=assessment, criterion=c, score=scores[c.code])
                for c in criteria)
            counts["assessments"] += 1


def _outreach_workers(counts: dict) -> None:
    """About 2 % of the roster's plain members become 宣传员: each membership drawn on
    its own number, so the same ones are picked whatever else the roster holds."""
    picked = [pk for pk, number in Membership.objects.filter(
        role=Membership.Role.MEMBER, person__household__area__code__startswith=DISTRICT)
        .values_list("pk", "number")
        if random.Random(f"{SEED}/outreach/{number}").random() < OUTREACH_SHARE]
    counts["outreach_workers"] += Membership.objects.filter(pk__in=picked).update(
        role=Membership.Role.OUTREACH)


@transaction.atomic
def seed(*, today: date) -> dict[str, int]:
    """Build (or complete) the organisation's demo data; counts of what it made."""
    counts = dict.fromkeys(("criteria", "units", "office_holders", "training_sessions",
                            "attendance", "activity_days", "assessments",
                            "outreach_workers"), 0)
    counts["criteria"] = install_criteria()
    units = _level_units(today, counts)
    if not units:
        return counts
    _vice_presidents(units, today, counts)
    enterprises = _enterprises(units, today, counts)
    _migrant_groups(units, counts)
    _training(today, enterprises, counts)
    _activity_days(today, counts)
    _assessments(today, counts)
    _outreach_workers(counts)
    return counts
