"""Demo income projects (少生快富项目) over the demo register (``casework.demo``).

The report (seed line 56): "201X年，我区各镇乡（街道）开展了源东大白桃基地项目等十个
'少生快富'项目建设，帮扶一百多户脱贫". So: ten projects, one per township but 东孝街道,
the 源东大白桃基地 in 源东乡 (330703200) the only one the report names; its support is
what lines 43 and 121 tell (a sales website with the mobile company, buyers brought in
to buy on the spot). The other nine are invented for the demo and say so in their names
(「（演示）」): kinds the report asks for (lines 44, 194: poultry, 一乡一品 and 一村一品
farming, piecework 来料加工) and products the townships could plausibly have; the
东山村 poultry project borrows the report's 应金堂 (line 44), who is not said to run one
of the ten. Budgets and amounts given to households are demo values (the report states
none).

Households: up to a hundred and ten households of the projects' townships (a hundred-odd
over the default 300-household register, where 源东乡 has only some nine), the township's
family-planning households first, then others (the demo register has fewer of those than
a real one); never the hand-written demo families (those with an account: they are there
to apply themselves). A few have left again. Joining dates fall between the project's
start (1 March of last year) and ``today``.

Idempotent: a project is found by township and name, and a project that already has
households gets none added. Deterministic: ``random.Random("projects-demo/1/<name>")``,
the register ordered by household number, no clock but ``today``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from casework.models import Area, Household

from .models import IncomeProject, ProjectHousehold

SEED = "projects-demo/1"
DEMO = "（演示）"
Kind = IncomeProject.Kind


@dataclass(frozen=True)
class ProjectSpec:
    township: str  # code
    name: str
    kind: str
    lead: str
    support: str
    households: int  # how many the demo adds (fewer if the township has fewer)
    budget_yuan: int | None
    given: tuple[str, ...]  # what a household is recorded as given


PROJECTS: tuple[ProjectSpec, ...] = (
    ProjectSpec(
        "330703200", "源东大白桃基地", Kind.ORCHARD,
        "源东乡计生协会骨干与白桃种植大户",
        "白桃种植技术培训；与移动公司联手建立源东大白桃销售网站，把客户引进就地收购，"
        "帮助果农把白桃销往外省（报告第43、121行）。",
        16, None,
        ("白桃修剪与疏果培训", "销售网站代销白桃", "客户上门收购对接", "桃苗与套袋")),
    ProjectSpec(
        "330703001", f"东山村山黄鸡养殖{DEMO}", Kind.LIVESTOCK,
        "应金堂（东山村计生协会理事，报告第44行）",
        "鸡苗与养殖技术指导，带领周边群众养殖广东山黄鸡，统一联系销路。",
        14, 60000, ("鸡苗200羽", "养殖技术上门指导", "防疫与饲料赊销", "统一收购成鸡")),
    ProjectSpec(
        "330703100", f"孝顺镇来料加工点{DEMO}", Kind.PROCESSING, f"本地服装企业{DEMO}",
        "把来料加工的活计送到村里，上门培训，按件计酬，让照顾家庭的妇女在家增收。",
        12, 30000, ("缝纫培训", "来料加工活计", "加工设备借用")),
    ProjectSpec(
        "330703101", f"傅村镇苗木种植{DEMO}", Kind.CROPS, f"苗木专业合作社{DEMO}",
        "提供苗木和嫁接技术培训，合作社统一收购。", 10, 50000,
        ("苗木", "嫁接技术培训", "合作社统一收购")),
    ProjectSpec(
        "330703102", f"曹宅镇奶牛养殖{DEMO}", Kind.LIVESTOCK, f"奶牛养殖专业合作社{DEMO}",
        "奶牛养殖技术培训和防疫服务，鲜奶由合作社统一收购。", 10, 80000,
        ("养殖技术培训", "防疫服务", "鲜奶统一收购")),
    ProjectSpec(
        "330703103", f"澧浦镇蔬菜种植基地{DEMO}", Kind.CROPS, f"蔬菜专业合作社{DEMO}",
        "一村一品蔬菜种植：种子、大棚技术和统一销售。", 10, 40000,
        ("蔬菜种子", "大棚种植培训", "统一销售")),
    ProjectSpec(
        "330703104", f"岭下镇食用菌种植{DEMO}", Kind.CROPS, f"食用菌种植能人{DEMO}",
        "菌棒和种植技术，能人带头示范，帮助联系收购。", 9, 30000,
        ("菌棒", "种植技术指导", "联系收购")),
    ProjectSpec(
        "330703105", f"江东镇葡萄种植{DEMO}", Kind.ORCHARD, f"葡萄种植大户{DEMO}",
        "葡萄苗和避雨栽培技术培训，采摘季组织游客采摘。", 10, 45000,
        ("葡萄苗", "栽培技术培训", "组织采摘游")),
    ProjectSpec(
        "330703106", f"塘雅镇两头乌养殖{DEMO}", Kind.LIVESTOCK, f"金华猪养殖企业{DEMO}",
        "金华两头乌仔猪和饲养技术，企业保价收购。", 9, 70000,
        ("仔猪", "饲养技术培训", "保价收购")),
    ProjectSpec(
        "330703107", f"赤松镇佛手种植{DEMO}", Kind.CROPS, f"佛手专业合作社{DEMO}",
        "金华佛手种苗和盆景制作培训，合作社帮助销售。", 10, 35000,
        ("佛手种苗", "盆景制作培训", "合作社代销")),
)


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(9, 0)))


def _family_planning(rows):
    return rows.filter(Q(one_child_certificate_date__isnull=False)
                       | Q(two_daughter_household=True)
                       | Q(second_birth_renounced_date__isnull=False))


def _households(spec: ProjectSpec, project: IncomeProject, today: date,
                rng: random.Random) -> list[ProjectHousehold]:
    township = Household.objects.filter(area__code__startswith=spec.township,
                                        accounts__isnull=True).order_by("number")
    planned = list(_family_planning(township).values_list("pk", "area_id"))
    others = [row for row in township.values_list("pk", "area_id") if row not in planned]
    chosen = rng.sample(planned, min(spec.households, len(planned)))
    wanted = spec.households - len(chosen)
    chosen = sorted(chosen + rng.sample(others, min(wanted, len(others))))
    days = max((today - project.started_on).days, 1)
    rows = []
    for household_id, village in chosen:
        joined = project.started_on + timedelta(days=rng.randrange(days))
        left = None
        if rng.random() < 0.08 and (today - joined).days > 60:
            left = joined + timedelta(days=30 + rng.randrange((today - joined).days - 30))
        given = "；".join(rng.sample(spec.given, rng.randint(1, len(spec.given))))
        rows.append(ProjectHousehold(
            project=project, household_id=household_id, area_id=village, joined_on=joined,
            left_on=left, support_given=given,
            support_yuan=Decimal(rng.randrange(3, 31) * 100),
            recorded_at=_aware(joined)))
    return rows


@transaction.atomic
def seed(*, today: date) -> dict[str, int]:
    """The ten projects and their households (see the module's docstring); counts of
    what this run made."""
    made = {"projects": 0, "project_households": 0}
    started = date(today.year - 1, 3, 1)
    townships = set(Area.objects.filter(code__in=[s.township for s in PROJECTS])
                    .values_list("code", flat=True))
    for spec in PROJECTS:
        if spec.township not in townships:
            continue
        project, created = IncomeProject.objects.get_or_create(
            area_id=spec.township, name=spec.name, defaults={
                "kind": spec.kind, "lead": spec.lead, "support": spec.support,
                "started_on": started, "active": True,
                "budget_yuan": None if spec.budget_yuan is None else Decimal(spec.budget_yuan),
                "created_at": _aware(started)})
        made["projects"] += int(created)
        if ProjectHousehold.objects.filter(project=project).exists():
            continue
        rng = random.Random(f"{SEED}/{spec.name}")
        rows = _households(spec, project, today, rng)
        ProjectHousehold.objects.bulk_create(rows)
        made["project_households"] += len(rows)
    return made
