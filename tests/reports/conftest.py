"""A small, fully known dataset for the reports, written row by row (no flow runs) so
that every expected number below can be counted by hand.

District 330703: township t1 (villages v11, v12) and t2 (v21, v22); another district
(330704) whose rows no report of 330703 may count. Sixteen cases are submitted in 2026
(``PERIOD``), one in every status, with their decisions, their human tasks (created and
finished at set times in March 2026, a month without public holidays), open deadlines
overdue and escalated, and welfare-fund grants. Three cases lie outside the period, one
a second before it starts. The expected values are in ``EXPECTED`` and the tests.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import count
from zoneinfo import ZoneInfo

import pytest
from viewflow.workflow.models import Process, Task

from casework.fund.models import FundEntry
from casework.models import Area, Case, CaseStatus, Decision, Entitlement
from tests import factories as f
from workflows.applications.flow import BenefitApplicationFlow
from workflows.deadlines.workdays import forget_calendar
from workflows.models import Deadline

TZ = ZoneInfo("Asia/Shanghai")
PERIOD = {"date_from": "2026-01-01", "date_to": "2026-12-31"}
TASK_START = datetime(2026, 3, 2, 9, 0, tzinfo=TZ)  # a Monday
PAST_DUE = datetime(2026, 3, 10, 23, 59, 59, tzinfo=TZ)
FUTURE_DUE = datetime(2099, 1, 1, tzinfo=TZ)
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=TZ)  # "now" for build_report in the tests
_births = count()

S = CaseStatus
A, R, T = "approve", "reject", "return"


def local(*args) -> datetime:
    return datetime(*args, tzinfo=TZ)


def span(days=0, hours=0) -> timedelta:
    return timedelta(days=days, hours=hours)


@dataclass
class CaseSpec:
    name: str
    village: str
    program: str
    status: str
    submitted: datetime = field(default_factory=lambda: local(2026, 3, 1, 10))
    decisions: tuple = ()  # (step, outcome)
    done: tuple = ()  # (step, duration) finished tasks
    cancelled: tuple = ()  # steps of cancelled tasks
    open_step: str | None = None  # its open task, with a deadline
    due: datetime | None = None
    escalated: bool = False
    closed_deadline: bool = False  # the first finished task's deadline, closed
    grant: tuple | None = None  # (valid_from, yuan, state)


CASES = [
    # --- in the period, township t1 ---
    CaseSpec("md_app_v11", "v11", "medical_discount", S.APPROVED,
             decisions=(("village_review", A), ("township_review", A)),
             done=(("village_review", span(1, 2)), ("township_review", span(0, 12))),
             closed_deadline=True),
    CaseSpec("md_rej_v11", "v11", "medical_discount", S.REJECTED,
             decisions=(("village_review", A), ("township_review", R)),
             done=(("village_review", span(2, 12)), ("township_review", span(1)))),
    CaseSpec("md_vr_v11", "v11", "medical_discount", S.VILLAGE_REVIEW,
             submitted=local(2026, 1, 1, 0, 0, 0),  # the period's first moment
             open_step="village_review", due=PAST_DUE, escalated=True),
    CaseSpec("wg_app_v11", "v11", "welfare_grant", S.APPROVED,
             decisions=(("village_review", A), ("township_review", A),
                        ("district_review", A)),
             done=(("village_review", span(3, 1)), ("township_review", span(2, 18)),
                   ("district_review", span(3))),
             grant=(date(2026, 4, 1), "3000.00", "live")),
    CaseSpec("wg_dr_v11", "v11", "welfare_grant", S.DISTRICT_REVIEW,
             decisions=(("village_review", A), ("township_review", A)),
             open_step="district_review", due=FUTURE_DUE),
    CaseSpec("ps_app_v11", "v11", "pension_subsidy", S.APPROVED,
             decisions=(("village_review", A), ("township_review", A),
                        ("district_review", A)),
             grant=(date(2026, 5, 1), "600.00", "live")),
    CaseSpec("md_app_v12", "v12", "medical_discount", S.APPROVED,
             decisions=(("village_review", T), ("village_review", A),
                        ("township_review", A)),
             done=(("village_review", span(4, 6)), ("township_review", span(5))),
             cancelled=("village_review",)),
    CaseSpec("md_wd_v12", "v12", "medical_discount", S.WITHDRAWN,
             submitted=local(2026, 12, 31, 23, 59, 59)),  # the period's last second
    CaseSpec("wg_rej_v12", "v12", "welfare_grant", S.REJECTED,
             decisions=(("village_review", A), ("township_review", A),
                        ("district_review", R)),
             done=(("district_review", span(7, 12)),)),
    CaseSpec("wg_pn_v12", "v12", "welfare_grant", S.PUBLIC_NOTICE,
             decisions=(("village_review", A),)),
    # --- in the period, township t2 ---
    CaseSpec("md_ret_v21", "v21", "medical_discount", S.RETURNED,
             decisions=(("village_review", T),),
             open_step="family_revision", due=PAST_DUE),
    CaseSpec("md_tr_v21", "v21", "medical_discount", S.TOWNSHIP_REVIEW,
             decisions=(("village_review", A),),
             open_step="township_review", due=PAST_DUE),
    CaseSpec("wg_app_v21", "v21", "welfare_grant", S.APPROVED,
             decisions=(("village_review", A), ("objection_review", A),
                        ("township_review", A), ("district_review", A)),
             done=(("village_review", span(10)), ("objection_review", span(0, 6))),
             grant=(date(2026, 6, 1), "5000.00", "ended")),  # ended: still spent
    CaseSpec("ps_rej_v21", "v21", "pension_subsidy", S.REJECTED,
             decisions=(("village_review", R),)),
    CaseSpec("wg_ap_v21", "v21", "welfare_grant", S.APPEAL,
             decisions=(("village_review", A), ("township_review", A),
                        ("district_review", R))),
    CaseSpec("md_sub_v22", "v22", "medical_discount", S.SUBMITTED),
    # --- outside the period ---
    CaseSpec("oos_md_v11", "v11", "medical_discount", S.APPROVED,
             submitted=local(2025, 12, 31, 23, 59, 59),  # a second too early
             decisions=(("village_review", A),), done=(("village_review", span(1)),)),
    CaseSpec("oos_md_tr_v12", "v12", "medical_discount", S.TOWNSHIP_REVIEW,
             submitted=local(2025, 6, 1, 10),  # overdue now: counted in the snapshot
             open_step="township_review", due=PAST_DUE),
    CaseSpec("oos_wg_v11", "v11", "welfare_grant", S.APPROVED,
             submitted=local(2025, 5, 1, 10), grant=(date(2025, 6, 1), "3000.00", "live")),
    # --- another district ---
    CaseSpec("far_md", "far", "medical_discount", S.VILLAGE_REVIEW,
             open_step="village_review", due=PAST_DUE, escalated=True),
    CaseSpec("far_wg", "far", "welfare_grant", S.APPROVED,
             decisions=(("village_review", A),), done=(("village_review", span(1)),),
             grant=(date(2026, 7, 1), "1000.00", "live")),  # the fund is counted whole
]


def node(step: str):
    return BenefitApplicationFlow.instance.node(step)


def _task(process, step, *, status, created, finished=None):
    return Task.objects.create(process=process, flow_task=node(step), flow_task_type="HUMAN",
                               status=status, created=created, finished=finished,
                               owner_permission="x", owner_permission_obj_pk="x")


def write_case(spec: CaseSpec, villages, programs, actor, tag: str = "") -> Case:
    """One case as ``spec`` says, with its decisions, tasks, deadlines and grant."""
    village = villages[spec.village]
    household = f.household(village)
    person = f.person(household, name=f"{spec.name}{tag}",
                      birth=date(1950, 1, 1) + timedelta(days=next(_births)))
    case = f.case(person, programs[spec.program], status=spec.status, filed_by=actor)
    process = Process.objects.create(flow_class=BenefitApplicationFlow, status="NEW",
                                     created=spec.submitted, case=case)
    Case.objects.filter(pk=case.pk).update(submitted_at=spec.submitted)
    for i, (step, outcome) in enumerate(spec.decisions):
        Decision.objects.create(case=case, step=step, outcome=outcome, actor=actor,
                                decided_at=spec.submitted + timedelta(hours=i + 1))
    for i, (step, duration) in enumerate(spec.done):
        task = _task(process, step, status="DONE", created=TASK_START,
                     finished=TASK_START + duration)
        if spec.closed_deadline and i == 0:
            Deadline.objects.create(task=task, case=case, step=step, working_days=5,
                                    due_at=PAST_DUE, stage="done", closed_at=task.finished)
    for step in spec.cancelled:
        _task(process, step, status="CANCELED", created=TASK_START,
              finished=TASK_START + span(0, 1))
    if spec.open_step:
        task = _task(process, spec.open_step, status="NEW", created=TASK_START)
        Deadline.objects.create(task=task, case=case, step=spec.open_step, working_days=5,
                                due_at=spec.due, stage="due", next_at=spec.due,
                                escalated_at=PAST_DUE if spec.escalated else None)
    if spec.grant:
        valid_from, yuan, state = spec.grant
        Entitlement.objects.create(
            case=case, household=household, person=person, program=programs[spec.program],
            area=village, number=f"R{case.pk:08d}{tag}", amount_yuan=Decimal(yuan),
            valid_from=valid_from, valid_to=date(valid_from.year, 12, 31), state=state,
            issued_at=local(valid_from.year, valid_from.month, valid_from.day, 9))
        if spec.program == "welfare_grant":  # paid from its district's fund, as granted
            FundEntry.objects.create(
                area_id=village.code[:6], year=valid_from.year, booked_on=valid_from,
                kind=FundEntry.Kind.GRANT, amount_yuan=Decimal(yuan), case=case,
                case_area_id=village.code, reference=f"R{case.pk:08d}{tag}",
                recorded_at=local(valid_from.year, valid_from.month, valid_from.day, 9))
    return case


@dataclass
class World:
    areas: dict
    programs: dict
    users: dict
    cases: dict


def far_areas() -> Area:
    district = Area.objects.create(code="330704", name="远区", level=Area.Level.DISTRICT)
    township = Area.objects.create(code="330704001", name="远镇", level=Area.Level.TOWNSHIP,
                                   parent=district)
    return Area.objects.create(code="330704001001", name="远村", level=Area.Level.VILLAGE,
                               parent=township)


def fund_income(district: str, year: int, yuan: str) -> None:
    """An allocation to ``district``'s welfare fund on 1 January of ``year``."""
    FundEntry.objects.create(area_id=district, year=year, booked_on=date(year, 1, 1),
                             kind=FundEntry.Kind.ALLOCATION, amount_yuan=Decimal(yuan),
                             counterparty="区财政局", recorded_at=local(year, 1, 1, 9))


@pytest.fixture(autouse=True)
def _fresh_calendar():
    forget_calendar()
    yield
    forget_calendar()


@pytest.fixture
def world(programs, areas) -> World:
    villages = {k: v for k, v in areas.items() if k.startswith("v")}
    villages["far"] = far_areas()
    users = {
        "village": f.user("village_reviewer", areas["v11"]),
        "t1": f.user("township_approver", areas["t1"]),
        "t2": f.user("township_approver", areas["t2"]),
        "district": f.user("district_approver", areas["district"]),
        "auditor": f.user("auditor", areas["district"]),
        "admin": f.user("admin", areas["district"]),
        "far": f.user("district_approver", villages["far"].parent.parent),
    }
    users["family"] = f.user("family", areas["v11"], household=f.household(areas["v11"]))
    # the district's welfare fund: 300 000 in 2025, 200 000 more in 2026 (what 2025 did
    # not spend carries over)
    fund_income("330703", 2025, "300000.00")
    fund_income("330703", 2026, "200000.00")
    cases = {spec.name: write_case(spec, villages, programs, users["village"])
             for spec in CASES}
    return World(areas=areas, programs=programs, users=users, cases=cases)


def more_data(world: World, copies: int) -> None:
    """``copies`` more of every case (for the query counts: the statements must not grow)."""
    villages = {k: v for k, v in world.areas.items() if k.startswith("v")}
    villages["far"] = Area.objects.get(code="330704001001")
    for n in range(copies):
        for spec in CASES:
            write_case(spec, villages, world.programs, world.users["village"], tag=f"x{n}")
