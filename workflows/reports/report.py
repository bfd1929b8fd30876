"""Reports for township and district staff: the numbers behind /workflow/reports/.

One function, ``build_report``, computes every table for a user's area (its scope, from
``casework.access.area_q``), a period and an optional program. The page, its charts and
the Excel export all draw the same ``Table`` objects, so they cannot disagree.

It lives in ``workflows`` because two of its tables read the process: viewflow's task
rows (time per step) and ``workflows.Deadline`` (overdue steps); the dependency rule is
``workflows -> casework -> eligibility``.

Cost: a fixed number of statements whatever the data size (``STATEMENTS``): the counts
are GROUP BY queries in the database; only the step durations are streamed, one row per
finished task, to take percentiles in Python (the same code on SQLite and PostgreSQL,
so both give identical results, to the microsecond).

Definitions (shown on the page, ``DEFINITIONS``):

- **Period**: a case belongs to it when its submission time (``Case.submitted_at``, in
  the site's time zone) falls on a day from ``start`` to ``end`` inclusive. Cases, the
  approval rates and the step times are of the cases submitted in the period.
- **Approval rate of a program**: approved cases / (approved + rejected cases), of the
  period's cases. Open, withdrawn and appealed cases are not decided and not counted.
- **Approval rate of a review step**: "approve" decisions / ("approve" + "reject")
  decisions taken at that step on the period's cases. A "return to the family" is not a
  final answer at the step and is not counted (it is shown, as a count).
- **Days per step**: for each finished (not cancelled) human task of a step, its
  ``finished - created`` in calendar days, and its working days (``workflows.deadlines.workdays``:
  working days after the day it was created up to and including the day it finished,
  as deadlines count them). The median and the 90th percentile use the nearest-rank
  method: the value at rank ceil(p/100 * n) of the sorted durations (the median of an
  even count is the lower middle value); one decimal, rounded half up, after choosing.
- **Overdue** (a snapshot now, not limited to the period): open deadlines
  (``closed_at`` empty) whose ``due_at`` has passed; **escalated**: open deadlines the
  sweep has escalated (``escalated_at`` set).
- **Welfare-fund budget** (for the year the period ends in): the welfare grant's from
  the welfare fund's ledger of the user's district (``casework.fund``): **budget** = the
  balance carried over + the year's income - its other spending, **granted** = the
  year's grant entries (net of reversals), **remaining** = what the next grant is checked
  against (``fund.reserve_grant``: the available balance); another cash program with an
  ``annual_budget_yuan`` parameter: that value, in force on the year's last day (today in
  the current year), against its entitlements with ``valid_from`` in that year. Used =
  granted / budget. "In your area" is the part of the granted sum in the user's scope.

Rates and percentages are rounded half up to one decimal; a rate with nothing decided
is "—" (``None``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import CharField, Count, Q, Sum
from django.db.models.functions import Cast, Length, Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from viewflow.workflow.fields import get_task_ref
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from casework import access
from casework.fund import ledger
from casework.fund import services as fund
from casework.fund.models import FundEntry
from casework.models import Area, Case, CaseStatus, Decision, Entitlement, User
from eligibility.models import PolicyParameter, Program
from eligibility.parameters import resolve

from .. import steps
from ..applications.flow import BenefitApplicationFlow
from ..deadlines.workdays import WorkingCalendar, current_calendar
from ..models import Deadline

# who may read the reports: ``casework.access.may_view_reports`` (re-exported for callers)
may_view_reports = access.may_view_reports

Role = User.Role

# statements ``build_report`` runs, whatever the data (the calendar's two when it is not
# cached yet are not counted: pass ``calendar``)
STATEMENTS = 9

# the human steps of an application, in the order a case meets them
STEP_ORDER = (steps.VILLAGE_REVIEW, steps.OBJECTION_REVIEW, steps.FAMILY_REVISION,
              steps.TOWNSHIP_REVIEW, steps.DISTRICT_REVIEW)
DECISION_STEPS = (steps.VILLAGE_REVIEW, steps.OBJECTION_REVIEW, steps.TOWNSHIP_REVIEW,
                  steps.DISTRICT_REVIEW)
STEP_LABELS = {
    steps.VILLAGE_REVIEW: gettext_lazy("Village review"),
    steps.OBJECTION_REVIEW: gettext_lazy("Objection review"),
    steps.FAMILY_REVISION: gettext_lazy("Family revision"),
    steps.TOWNSHIP_REVIEW: gettext_lazy("Township review"),
    steps.DISTRICT_REVIEW: gettext_lazy("District review"),
    # timed like the others (its deadline shows in the overdue tables), not in the days
    # per step, which are the application flow's
    steps.APPEAL_REVIEW: gettext_lazy("Appeal review"),
}
BUDGET_KEY = "annual_budget_yuan"
FundKind = FundEntry.Kind
P_MEDIAN, P_90 = 50, 90
ONE_DECIMAL = Decimal("0.1")
CENTS = Decimal("0.01")
MICROSECONDS_PER_DAY = 86_400_000_000

DEFINITIONS = (
    gettext_lazy("Period: cases whose submission time falls on a day from the start to the "
                 "end date inclusive (China time). Cases, approval rates and days per step "
                 "are of these cases."),
    gettext_lazy("Approval rate of a program: approved cases ÷ (approved + rejected "
                 "cases). Open, withdrawn and appealed cases are not counted."),
    gettext_lazy("Approval rate of a review step: “approve” decisions ÷ (“approve” + "
                 "“reject” decisions) at that step. Returns to the family are shown but not "
                 "counted in the rate."),
    gettext_lazy("Days per step: from the creation of each finished task of the step to "
                 "its completion, in calendar days (one decimal) and in working days "
                 "(after the day it began, up to and including the day it finished). "
                 "Median and 90th percentile by the nearest-rank method: the value at rank "
                 "⌈p/100 × n⌉ of the sorted durations."),
    gettext_lazy("Overdue: open steps now past their deadline, whatever the submission "
                 "date; escalated: open steps the deadline sweep has escalated to the level "
                 "above."),
    gettext_lazy("Budget: for the welfare grant, what the welfare fund's ledger lets the year "
                 "spend on grants (the balance carried over, plus the year's income, less "
                 "its other spending), granted: the year's grant entries, remaining: what "
                 "the next grant is checked against; for another cash program, its annual "
                 "budget parameter against that year's entitlements; “in your area”: the "
                 "part of it in yours."),
    gettext_lazy("Percentages are rounded half up to one decimal; “—” means nothing to "
                 "divide by."),
)


# --- pure arithmetic ---------------------------------------------------------------------

def nearest_rank(sorted_values: Sequence, percent: int):
    """The ``percent``-th percentile of ascending ``sorted_values`` by nearest rank: the
    value at rank ceil(percent/100 * n), 1-based (PostgreSQL's ``percentile_disc``);
    None for no values. Integer arithmetic, so no float rounding picks the wrong rank."""
    n = len(sorted_values)
    if n == 0:
        return None
    rank = max(1, -(-percent * n // 100))
    return sorted_values[rank - 1]


def rate(part: int, whole: int) -> Decimal | None:
    """``part / whole`` as a percentage with one decimal (half up); None when ``whole``
    is 0: nothing was decided, which is not a rate of 0 %."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(ONE_DECIMAL, ROUND_HALF_UP)


def days(microseconds: int | None) -> Decimal | None:
    """A duration in calendar days with one decimal (half up), from exact microseconds."""
    if microseconds is None:
        return None
    return (Decimal(microseconds) / MICROSECONDS_PER_DAY).quantize(ONE_DECIMAL, ROUND_HALF_UP)


def microseconds(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


# --- what is asked -------------------------------------------------------------------

@dataclass(frozen=True)
class Query:
    """A report's filters: the period (submission dates, inclusive) and a program."""

    start: date
    end: date
    program_id: int | None = None

    @classmethod
    def this_year(cls, today: date | None = None) -> Query:
        today = today or timezone.localdate()
        return cls(date(today.year, 1, 1), date(today.year, 12, 31))

    @property
    def budget_year(self) -> int:
        return self.end.year


def _local_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def period_q(query: Query, case_path: str = "") -> Q:
    """Cases (through ``case_path``, e.g. "case__") submitted in ``query``'s period: from
    the start of its first day to the start of the day after its last, local time."""
    return Q(**{f"{case_path}submitted_at__gte": _local_start(query.start),
                f"{case_path}submitted_at__lt": _local_start(query.end + timedelta(days=1))})


def breakdown_length(area_code: str) -> int:
    """The length of the codes the area tables break a scope into: a district into its
    townships (9 digits), a township (or a village) into its villages (12)."""
    return 9 if len(area_code) <= 6 else 12


# --- tables ------------------------------------------------------------------------------

COUNT, PERCENT, DAYS, YUAN = "count", "percent", "days", "yuan"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = COUNT


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    values: tuple


@dataclass(frozen=True)
class Chart:
    """What the page draws of a table: bars of ``columns`` for every row but the total."""

    columns: tuple[str, ...]
    max_value: Decimal | int | None = None  # the scale's end, e.g. 100 for percentages


@dataclass(frozen=True)
class Table:
    """One table of the report, as the page shows it, the chart draws it and the Excel
    sheet holds it: the same values (ints, ``Decimal`` or None)."""

    key: str
    title: str
    row_header: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    note: str = ""
    chart: Chart | None = None
    total: Row | None = None

    def value(self, row_key: str, column_key: str):
        index = [c.key for c in self.columns].index(column_key)
        for row in (*self.rows, *((self.total,) if self.total else ())):
            if row.key == row_key:
                return row.values[index]
        raise KeyError(row_key)

    def as_dict(self) -> dict[str, dict[str, object]]:
        """{row key: {column key: value}}, the total under "total": for tests and checks."""
        keys = [c.key for c in self.columns]
        rows = (*self.rows, *((self.total,) if self.total else ()))
        return {row.key: dict(zip(keys, row.values, strict=True)) for row in rows}


@dataclass
class Report:
    query: Query
    scope: Area
    program: Program | None
    generated_at: datetime
    tables: list[Table] = field(default_factory=list)

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


def _status_columns() -> tuple[Column, ...]:
    return tuple(Column(s.value, str(s.label)) for s in CaseStatus)


def _total_row(rows: Iterable[Row], columns: Sequence[Column]) -> Row:
    totals = [0] * len(columns)
    for row in rows:
        totals = [t + (v or 0) for t, v in zip(totals, row.values, strict=True)]
    return Row("total", _("Total"), tuple(totals))


def program_label(program: Program, language: str) -> str:
    return program.display_name(language)


# --- the report ------------------------------------------------------------------------------

def build_report(user: User, query: Query, *, language: str = "zh-hans",
                 now: datetime | None = None, calendar: WorkingCalendar | None = None
                 ) -> Report:
    """Every table for ``user``'s scope (``casework.access``), ``query``'s period and
    program; ``STATEMENTS`` statements whatever the data. The caller checks
    ``may_view_reports`` first."""
    now = now or timezone.now()
    calendar = calendar or current_calendar()
    length = breakdown_length(user.area_id)
    scope_area, places = _areas(user.area_id, length)
    programs = list(Program.objects.order_by("id"))
    program = next((p for p in programs if p.pk == query.program_id), None)
    shown = [program] if program else programs
    labels = {p.pk: program_label(p, language) for p in programs}

    cases = Case.objects.filter(access.area_q(user), period_q(query))
    if program:
        cases = cases.filter(program_id=program.pk)

    report = Report(query=query, scope=scope_area, program=program, generated_at=now)
    counts = _case_counts(cases, length)
    report.tables += _case_tables(counts, shown, labels, places)
    report.tables += _approval_tables(user, query, program, counts, shown, labels)
    report.tables.append(_step_times(user, query, program, calendar))
    report.tables += _overdue_tables(user, program, places, length, now)
    report.tables.append(_budget_table(user, query, program, programs, labels, now))
    return report


def _areas(code: str, length: int) -> tuple[Area, list[Area]]:
    """The scope's own area and the areas its tables break it into (one statement)."""
    rows = list(Area.objects.filter(code__startswith=code)
                .annotate(code_length=Length("code"))
                .filter(code_length__in=(len(code), length)).order_by("code"))
    own = next(a for a in rows if a.code == code)
    return own, [a for a in rows if len(a.code) == length]


def _case_counts(cases, length: int) -> dict[tuple[str, int, str], int]:
    """{(place code, program id, status): cases}: one GROUP BY."""
    rows = (cases.order_by().annotate(place=Substr("area_id", 1, length))
            .values_list("place", "program_id", "status").annotate(n=Count("id")))
    return {(place, program_id, status): n for place, program_id, status, n in rows}


def _count_rows(keys: Sequence, label, columns: Sequence[Column], cell) -> tuple[Row, ...]:
    """One row per key: ``cell(key, column key)`` for each column, then their sum."""
    rows = []
    for key in keys:
        values = [cell(key, c.key) for c in columns]
        rows.append(Row(str(key), label(key), (*values, sum(values))))
    return tuple(rows)


def _case_tables(counts, shown, labels, places) -> list[Table]:
    """Cases by program x status, area x status and area x program, from the one
    GROUP BY of ``_case_counts``."""
    by_program_status: dict[tuple[int, str], int] = defaultdict(int)
    by_place_status: dict[tuple[str, str], int] = defaultdict(int)
    by_place_program: dict[tuple[str, int], int] = defaultdict(int)
    for (place, program_id, status), n in counts.items():
        by_program_status[program_id, status] += n
        by_place_status[place, status] += n
        by_place_program[place, program_id] += n
    total = Column("total", _("Total"))
    statuses = _status_columns()
    program_columns = tuple(Column(str(p.pk), labels[p.pk]) for p in shown)
    place_names = {a.code: a.name for a in places}
    place_codes = [a.code for a in places]

    program_rows = _count_rows([p.pk for p in shown], labels.get, statuses,
                               lambda pk, status: by_program_status[pk, status])
    place_rows = _count_rows(place_codes, place_names.get, statuses,
                             lambda code, status: by_place_status[code, status])
    place_program_rows = _count_rows(place_codes, place_names.get, program_columns,
                                     lambda code, pk: by_place_program[code, int(pk)])
    status_cols, program_cols = (*statuses, total), (*program_columns, total)
    return [
        Table("status_program", _("Cases by program and status"), _("Program"), status_cols,
              program_rows, total=_total_row(program_rows, status_cols),
              chart=Chart(("total",))),
        Table("status_area", _("Cases by area and status"), _("Area"), status_cols,
              place_rows, total=_total_row(place_rows, status_cols),
              chart=Chart(("total",))),
        Table("program_area", _("Cases by area and program"), _("Area"), program_cols,
              place_program_rows, total=_total_row(place_program_rows, program_cols)),
    ]


def _approval_tables(user, query, program, counts, shown, labels) -> list[Table]:
    """Approval rates per program (final outcomes, from the case counts) and per review
    step (decisions: one GROUP BY)."""
    decisions = Decision.objects.filter(
        access.area_q(user, area_field="case__area", household_field=None),
        period_q(query, "case__"))
    if program:
        decisions = decisions.filter(case__program_id=program.pk)
    tally = defaultdict(int)
    for program_id, step, outcome, n in (
            decisions.order_by().values_list("case__program_id", "step", "outcome")
            .annotate(n=Count("id"))):
        tally[program_id, step, outcome] += n
        tally[None, step, outcome] += n

    final = defaultdict(int)
    for (_place, program_id, status), n in counts.items():
        final[program_id, status] += n
    approved_col, rejected_col = Column("approved", _("Approved")), Column("rejected",
                                                                          _("Rejected"))
    rate_col = Column("rate", _("Approval rate (%)"), PERCENT)
    program_rows = []
    for p in shown:
        yes, no = final[p.pk, CaseStatus.APPROVED], final[p.pk, CaseStatus.REJECTED]
        program_rows.append(Row(str(p.pk), labels[p.pk], (yes, no, rate(yes, yes + no))))
    yes = sum(r.values[0] for r in program_rows)
    no = sum(r.values[1] for r in program_rows)
    program_total = Row("total", _("Total"), (yes, no, rate(yes, yes + no)))

    A, R, T = Decision.Outcome.APPROVE, Decision.Outcome.REJECT, Decision.Outcome.RETURN
    step_rows = []
    for step in DECISION_STEPS:
        a, r, t = (tally[None, step, o] for o in (A, R, T))
        step_rows.append(Row(step, str(STEP_LABELS[step]), (a, r, t, rate(a, a + r))))
    a, r, t = (sum(row.values[i] for row in step_rows) for i in range(3))
    step_total = Row("total", _("Total"), (a, r, t, rate(a, a + r)))

    matrix_rows = []
    for p in shown:
        matrix_rows.append(Row(str(p.pk), labels[p.pk], tuple(
            rate(tally[p.pk, s, A], tally[p.pk, s, A] + tally[p.pk, s, R])
            for s in DECISION_STEPS)))
    return [
        Table("approval_program", _("Approval rate by program"), _("Program"),
              (approved_col, rejected_col, rate_col), tuple(program_rows),
              note=str(DEFINITIONS[1]), total=program_total,
              chart=Chart(("rate",), 100)),
        Table("approval_step", _("Decisions and approval rate by review step"),
              _("Step"), (Column("approve", _("Approve")), Column("reject", _("Reject")),
                          Column("return", _("Return to the family")), rate_col),
              tuple(step_rows), note=str(DEFINITIONS[2]), total=step_total,
              chart=Chart(("rate",), 100)),
        Table("approval_program_step", _("Approval rate (%) by program and review step"),
              _("Program"), tuple(Column(s, str(STEP_LABELS[s]), PERCENT)
                                  for s in DECISION_STEPS), tuple(matrix_rows)),
    ]


def step_refs() -> dict[str, str]:
    """{stored task reference: step} of the application flow's human steps."""
    flow = BenefitApplicationFlow.instance
    return {get_task_ref(flow.node(step)): step for step in STEP_ORDER}


def _step_times(user, query, program, calendar: WorkingCalendar) -> Table:
    """Median and 90th percentile of each human step's duration: the finished tasks'
    (created, finished) streamed in one statement, percentiles taken here."""
    refs = step_refs()
    tasks = Task.objects.filter(
        access.area_q(user, area_field="process__case__area", household_field=None),
        period_q(query, "process__case__"),
        flow_task__in=list(refs), status=STATUS.DONE, finished__isnull=False)
    if program:
        tasks = tasks.filter(process__case__program_id=program.pk)
    spans: dict[str, list[int]] = defaultdict(list)
    working: dict[str, list[int]] = defaultdict(list)
    rows = (tasks.order_by().annotate(ref=Cast("flow_task", CharField()))
            .values_list("ref", "created", "finished"))
    counted: dict[tuple[date, date], int] = {}  # tasks share their days: count each pair once
    for ref, created, finished in rows.iterator(chunk_size=2000):
        step = refs[ref]
        spans[step].append(microseconds(finished - created))
        pair = (timezone.localtime(created).date(), timezone.localtime(finished).date())
        if pair not in counted:
            counted[pair] = calendar.working_days_between(*pair)
        working[step].append(counted[pair])
    table_rows = []
    for step in STEP_ORDER:
        span, work = sorted(spans[step]), sorted(working[step])
        table_rows.append(Row(step, str(STEP_LABELS[step]), (
            len(span), days(nearest_rank(span, P_MEDIAN)), days(nearest_rank(span, P_90)),
            nearest_rank(work, P_MEDIAN), nearest_rank(work, P_90))))
    return Table(
        "step_days", _("Days per step"), _("Step"),
        (Column("tasks", _("Finished tasks")),
         Column("median", _("Median (calendar days)"), DAYS),
         Column("p90", _("90th percentile (calendar days)"), DAYS),
         Column("median_work", _("Median (working days)"), COUNT),
         Column("p90_work", _("90th percentile (working days)"), COUNT)),
        tuple(table_rows), note=str(DEFINITIONS[3]),
        chart=Chart(("median", "p90")))


def _overdue_tables(user, program, places, length: int, now: datetime) -> list[Table]:
    """Open, overdue and escalated deadlines now, by area and by step: one GROUP BY."""
    open_deadlines = Deadline.objects.filter(
        access.area_q(user, area_field="case__area", household_field=None),
        closed_at__isnull=True)
    if program:
        open_deadlines = open_deadlines.filter(case__program_id=program.pk)
    rows = (open_deadlines.order_by().annotate(place=Substr("case__area_id", 1, length))
            .values_list("place", "step")
            .annotate(n=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=now)),
                      escalated=Count("pk", filter=Q(escalated_at__isnull=False))))
    by_place, by_step = defaultdict(lambda: [0, 0, 0]), defaultdict(lambda: [0, 0, 0])
    for place, step, n, overdue, escalated in rows:
        for bucket in (by_place[place], by_step[step]):
            bucket[0] += n
            bucket[1] += overdue
            bucket[2] += escalated
    columns = (Column("open", _("Open steps")), Column("overdue", _("Overdue")),
               Column("escalated", _("Escalated")))
    place_rows = tuple(Row(a.code, a.name, tuple(by_place[a.code])) for a in places)
    known = [*STEP_ORDER, *sorted(set(by_step) - set(STEP_ORDER))]
    step_rows = tuple(Row(s, str(STEP_LABELS.get(s, s)), tuple(by_step[s])) for s in known)
    note = str(DEFINITIONS[4])
    return [
        Table("overdue_area", _("Overdue by area"), _("Area"), columns, place_rows,
              note=note, total=_total_row(place_rows, columns),
              chart=Chart(("overdue", "escalated"))),
        Table("overdue_step", _("Overdue by step"), _("Step"), columns, step_rows,
              note=note, total=_total_row(step_rows, columns),
              chart=Chart(("overdue", "escalated"))),
    ]


def _fund_row(user, year: int) -> tuple:
    """The welfare grant's budget line from the ledger of the user's district: the budget
    is what the year may spend on grants (carried over + income - other spending), granted
    what grants spent, remaining what the next grant is checked against
    (``fund.reserve_grant``: the year's available balance)."""
    district = fund.district_of(user.area_id)
    local = len(user.area_id) > len(district)
    book = ledger.read_book(district, area_prefix=user.area_id if local else "")
    budget = ledger.money(book.carried_over(year) + book.income(year)
                          - book.spending(year, (FundKind.OTHER_SPENDING,)))
    total = book.spending(year, (FundKind.GRANT,))
    grants = book.count(year, FundKind.GRANT)
    used = ((total * 100 / budget).quantize(ONE_DECIMAL, ROUND_HALF_UP) if budget > 0
            else None)
    area_total = book.area_spending(year) if local else total
    area_grants = book.area_count(year) if local else grants
    return (budget, grants, total, book.available(year), used, area_grants, area_total)


def budget_date(year: int, now: datetime) -> date:
    """The day whose budget parameter counts for ``year``: today in the current year (the
    value the next grant is checked against), else the year's last day."""
    today = timezone.localtime(now).date()
    return today if today.year == year else date(year, 12, 31)


def _budget_table(user, query, program, programs, labels, now: datetime) -> Table:
    """Per cash program: budget, granted (the whole fund and in the user's area), grants,
    remaining, % used. The welfare grant's from the welfare fund's ledger
    (``casework.fund``: one statement); any other cash program's from its
    ``annual_budget_yuan`` parameter and the year's entitlements (two statements)."""
    year = query.budget_year
    on = budget_date(year, now)
    cash = [p for p in programs if p.is_cash and (program is None or p.pk == program.pk)]
    ids = [p.pk for p in cash if p.code != fund.GRANT_PROGRAM]
    params = defaultdict(list)
    for program_id, key, value, start, end in (
            PolicyParameter.objects.filter(program_id__in=ids, key=BUDGET_KEY,
                                           effective_from__lte=on)
            .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on))
            .values_list("program_id", "key", "value", "effective_from", "effective_to")):
        params[program_id].append((key, value, start, end))
    mine = access.area_q(user, household_field=None)
    granted = {row[0]: row[1:] for row in (
        Entitlement.objects.filter(program_id__in=ids, valid_from__year=year).order_by()
        .values_list("program_id")
        .annotate(total=Sum("amount_yuan"), grants=Count("pk"),
                  area_total=Sum("amount_yuan", filter=mine),
                  area_grants=Count("pk", filter=mine)))} if ids else {}
    rows = []
    for p in cash:
        if p.code == fund.GRANT_PROGRAM:
            rows.append(Row(str(p.pk), labels[p.pk], _fund_row(user, year)))
            continue
        raw = resolve(params[p.pk], on).get(BUDGET_KEY)
        budget = Decimal(str(raw)).quantize(CENTS) if raw is not None else None
        total, grants, area_total, area_grants = granted.get(p.pk, (None, 0, None, 0))
        total = Decimal(str(total or 0)).quantize(CENTS)
        area_total = Decimal(str(area_total or 0)).quantize(CENTS)
        remaining = budget - total if budget is not None else None
        used = ((total * 100 / budget).quantize(ONE_DECIMAL, ROUND_HALF_UP)
                if budget else None)
        rows.append(Row(str(p.pk), labels[p.pk], (budget, grants, total, remaining, used,
                                                  area_grants, area_total)))
    return Table(
        "budget", _("Cash programs: budget for %(year)s") % {"year": year}, _("Program"),
        (Column("budget", _("Annual budget (yuan)"), YUAN),
         Column("grants", _("Grants")),
         Column("granted", _("Granted (yuan)"), YUAN),
         Column("remaining", _("Remaining (yuan)"), YUAN),
         Column("used", _("Budget used (%)"), PERCENT),
         Column("area_grants", _("Grants in your area")),
         Column("area_granted", _("Granted in your area (yuan)"), YUAN)),
        tuple(rows), note=str(DEFINITIONS[5]), chart=Chart(("used",), 100))
