"""Lifecycle benchmark: submit -> village approve -> township approve, per case.

Why this exists: the architecture note measured a bare viewflow flow at ~70 SQL
statements per case against ~18 for the same writes in raw SQL, with the Python
side as the limit. This bench measures *our* hot path through the real services
(``workflows.applications.services.submit_application`` and ``decide``) and, in the same run and
database, a raw-SQL floor doing the minimal writes of one case, so the lead can see
both the statement count and how far from the floor we are.

Run from the project root::

    .venv/bin/python bench/lifecycle.py [--cases N] [--profile]

It needs PostgreSQL (``DATABASE_URL``, default
``postgres://postgres@127.0.0.1:5432/bench_lifecycle``). The database is created if
missing and migrated, and the bench *truncates* the register, case and workflow
tables before each run so runs are repeatable; it therefore refuses any database
whose name does not start with ``bench`` (never the shared ``test`` database).

A benchmark reports, it does not assert: the targets are printed as PASS/MISS and
the exit code is 0 whatever they say. It exits non-zero only when it cannot run
(bad database URL, a service raising), because then there is nothing to report.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import platform
import pstats
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:  # Django is set up at run time, after the environment is configured
    from casework.models import Household, Person, User
    from eligibility.models import Program

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench_lifecycle"
WARMUP = 10
BLOCK = 10  # real and floor alternate in blocks of this many cases
QUERY_TARGET = 28  # project guide: "submit to grant in at most 28 SQL statements"
RATIO_TARGET = 0.25  # project guide: ">= 0.25x the floor"
FLOOR_SCHEMA = "bench_floor"
SQL_PREVIEW = 120
BROKER_URL = "memory://localhost/"

# Tables the floor copies (columns, defaults, indexes, foreign keys) from the real schema.
FLOOR_TABLES = (
    "viewflow_process",
    "viewflow_task",
    "casework_case",
    "casework_auditevent",
    "casework_decision",
    "casework_entitlement",
    "casework_outboxmessage",
)


# --------------------------------------------------------------------------- setup


def database_url() -> str:
    """The bench database URL, refusing anything the bench must not truncate."""
    url = os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        sys.exit(f"bench/lifecycle.py needs PostgreSQL; DATABASE_URL is {parts.scheme}://...")
    if not name.startswith("bench"):
        sys.exit(f"refusing database {name!r}: the bench truncates tables, so its database "
                 "name must start with 'bench' (default: bench_lifecycle)")
    return url


def ensure_database(url: str) -> None:
    """Create the bench database on first use (CREATE DATABASE cannot run in a transaction,
    hence a separate autocommit connection to the maintenance database)."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def setup_django() -> None:
    """Configure Django for the bench: production-like DEBUG=False (DEBUG keeps a log of
    every query, which costs CPU the service would not spend), then migrate."""
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.setdefault("DJANGO_DEBUG", "False")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    # The settings only offer Redis (REDIS_URL) or the filesystem broker under var/; the
    # after-commit relay kick would then leave hundreds of messages for a dev worker. The
    # in-memory transport keeps the kick in the measured path (it runs inside the
    # services' commit) without I/O or a server.
    from config.celery import app

    app.conf.broker_url = BROKER_URL
    app.conf.broker_transport_options = {}


def open_database(default_url: str) -> None:
    """Point Django at the bench's own PostgreSQL database (``DATABASE_URL``, else
    ``default_url``), create it on first use and migrate it: every bench starts so."""
    os.environ.setdefault("DATABASE_URL", default_url)
    ensure_database(database_url())
    setup_django()


def print_header(title: str) -> None:
    """The lines every bench report starts with: what ran, where, on what code."""
    from django.db import connection

    db = connection.settings_dict
    print(title)
    print(f"code        git {git_state()}")
    print(f"machine     {machine()}")
    print(f"database    {db['HOST']}:{db['PORT']}/{db['NAME']}  {server_settings()}")


def wipe() -> None:
    """Empty every table the bench writes, so each run starts from the same state."""
    from django.apps import apps
    from django.db import connection
    from viewflow.workflow.models import Task

    labels = ("casework", "eligibility", Task._meta.app_label)
    tables = sorted({model._meta.db_table for label in labels
                     for model in apps.get_app_config(label).get_models(include_auto_created=True)})
    quoted = ", ".join(connection.ops.quote_name(t) for t in tables)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {FLOOR_SCHEMA} CASCADE")
        # the history tables refuse TRUNCATE (casework 0019); the bench's superuser
        # switches triggers off for its own wipe, as the application's role cannot
        cursor.execute("SET session_replication_role = replica")
        try:
            cursor.execute(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")


@dataclass
class Register:
    """What the lifecycle needs in hand, loaded the way a view would have it."""

    program: Program
    households: list[Household]
    applicants: list[Person]
    families: list[User]
    reviewer: User
    approver: User


def build_register(count: int) -> Register:
    """Areas, programs, ``count`` eligible households with a family account, and the staff.

    Bulk inserts (and unusable passwords: hashing is ~100 ms a user) keep setup to seconds.
    """
    from casework.models import Household, Membership, Person, User
    from casework.personal.identity import make_resident_id
    from eligibility.defaults import install_programs
    from tests.factories import DISTRICT, area_tree

    areas = area_tree()
    program = install_programs()["medical_discount"]
    village = areas["v11"]
    households = Household.objects.bulk_create([
        Household(area=village, number=f"BENCH{i:08d}", one_child_certificate_date=date(1990, 1, 1))
        for i in range(count)
    ])
    people = []
    for i, household in enumerate(households):
        birth = date(1950, 1, 1) + timedelta(days=i % 20000)
        people.append(Person(household=household, name=f"申请人{i}", sex="M", birth_date=birth,
                             id_number=make_resident_id(DISTRICT, birth, 1 + 2 * (i // 20000), "M"),
                             phone=f"138{i:08d}", relationship="head", pension_insured=True))
    people = Person.objects.bulk_create(people)
    Membership.objects.bulk_create([
        Membership(person=p, number=f"BM{i:08d}", joined=date(2015, 1, 1))
        for i, p in enumerate(people)
    ])
    accounts = []
    for i, household in enumerate(households):
        account = User(username=f"bench_family{i}", role=User.Role.FAMILY, area=village,
                       household=household)
        account.set_unusable_password()
        accounts.append(account)
    reviewer = User(username="bench_village", role=User.Role.VILLAGE_REVIEWER, area=village)
    approver = User(username="bench_township", role=User.Role.TOWNSHIP_APPROVER,
                    area=areas["t1"])
    for staff in (reviewer, approver):
        staff.set_unusable_password()
    User.objects.bulk_create([*accounts, reviewer, approver])
    # reload as a view would: the household with its village (build_facts reads it)
    by_id = Household.objects.select_related("area").in_bulk([h.pk for h in households])
    return Register(program=program, households=[by_id[h.pk] for h in households],
                    applicants=people, families=accounts, reviewer=reviewer, approver=approver)


# --------------------------------------------------------------------------- real path


@dataclass
class StatementLog:
    """``connection.execute_wrapper`` hook: counts statements per phase, and keeps their
    text when asked. Cheap enough to stay on during the timed loop."""

    keep: bool = False
    phase: str = ""
    counts: Counter[str] = field(default_factory=Counter)
    kept: list[tuple[str, str]] = field(default_factory=list)

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool,
                 context: dict[str, Any]) -> Any:
        self.counts[self.phase] += 1
        if self.keep:
            self.kept.append((self.phase, sql))
        return execute(sql, params, many, context)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class CaseRun:
    """One case through the real path: service time and statements, lookups excluded."""

    wall: float
    cpu: float
    log: StatementLog
    case_id: int


def open_task_id(case_id: int) -> int:
    """The bench's own lookup of the case's open human task (one query, not counted)."""
    from viewflow.workflow.models import Task
    from viewflow.workflow.status import STATUS

    return Task.objects.filter(process__case=case_id, flow_task_type="HUMAN",
                               status=STATUS.NEW).values_list("pk", flat=True).get()


def run_case(reg: Register, i: int, keep: bool = False) -> CaseRun:
    """Submit as the family, approve at village then township; time only the services."""
    from django.db import connection

    from workflows.applications import services

    log = StatementLog(keep=keep)
    wall = cpu = 0.0

    @contextmanager
    def measured(phase: str) -> Iterator[None]:
        nonlocal wall, cpu
        log.phase = phase
        t0, c0 = time.perf_counter(), time.process_time()
        with connection.execute_wrapper(log):
            yield
        wall += time.perf_counter() - t0
        cpu += time.process_time() - c0

    with measured("submit"):
        case = services.submit_application(actor=reg.families[i], household=reg.households[i],
                                           program=reg.program, applicant=reg.applicants[i])
    for phase, actor in (("village", reg.reviewer), ("township", reg.approver)):
        task_id = open_task_id(case.pk)
        with measured(phase):
            case = services.decide(actor=actor, task_id=task_id, decision="approve")
    return CaseRun(wall=wall, cpu=cpu, log=log, case_id=case.pk)


def verify(case_ids: list[int]) -> int:
    """How many of the cases ended approved with an entitlement (the path really ran)."""
    from casework.models import Case, CaseStatus

    return Case.objects.filter(pk__in=case_ids, status=CaseStatus.APPROVED,
                               entitlement__isnull=False).count()


def statement_kind(sql: str) -> str:
    """SELECT / SELECT FOR UPDATE / INSERT / UPDATE / SAVEPOINT / RELEASE / ..."""
    head = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else "?"
    if head == "SELECT" and "FOR UPDATE" in sql.upper():
        return "SELECT FOR UPDATE"
    return head


def breakdown(run: CaseRun) -> list[str]:
    """Every statement of one case, grouped by type, with a phase x type table on top."""
    phases = ("submit", "village", "township")
    kinds = Counter(statement_kind(sql) for _, sql in run.log.kept)
    order = [k for k, _ in kinds.most_common()]
    lines = [f"query breakdown: case #{run.case_id} (last warm-up case), "
             f"{len(run.log.kept)} statements", ""]
    lines.append(f"  {'type':<18}" + "".join(f"{p:>9}" for p in phases) + f"{'total':>9}")
    for kind in order:
        row = [sum(1 for ph, s in run.log.kept if ph == p and statement_kind(s) == kind)
               for p in phases]
        lines.append(f"  {kind:<18}" + "".join(f"{n:>9}" for n in row) + f"{sum(row):>9}")
    totals = [run.log.counts[p] for p in phases]
    lines.append(f"  {'total':<18}" + "".join(f"{n:>9}" for n in totals)
                 + f"{sum(totals):>9}")
    for kind in order:
        lines += ["", f"  {kind} ({kinds[kind]})"]
        for phase, sql in run.log.kept:
            if statement_kind(sql) == kind:
                text = re.sub(r"\s+", " ", sql).strip()
                lines.append(f"    [{phase:<8}] {text[:SQL_PREVIEW]}")
    return lines


# --------------------------------------------------------------------------- floor


def create_floor_tables() -> None:
    """Scratch copies of the real tables in schema ``bench_floor``.

    ``LIKE ... INCLUDING ALL`` copies columns, defaults, identity, checks and every index
    (partial unique ones included); the foreign keys are copied from ``pg_constraint``,
    pointing at the floor copy when the target is copied too, else at the real table
    (household, person, program, area, user). So the floor pays the same index and
    constraint maintenance as the real path, minus what the ORM and viewflow add.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA {FLOOR_SCHEMA}")
        for table in FLOOR_TABLES:
            cursor.execute(f"CREATE TABLE {FLOOR_SCHEMA}.{table} "
                           f"(LIKE public.{table} INCLUDING ALL)")
        for table in FLOOR_TABLES:
            cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                           "WHERE conrelid = %s::regclass AND contype = 'f'",
                           [f"public.{table}"])
            for name, definition in cursor.fetchall():
                target = re.search(r"REFERENCES (?:public\.)?(\w+)", definition).group(1)
                schema = FLOOR_SCHEMA if target in FLOOR_TABLES else "public"
                definition = re.sub(r"REFERENCES (?:public\.)?\w+",
                                    f"REFERENCES {schema}.{target}", definition, count=1)
                cursor.execute(f"ALTER TABLE {FLOOR_SCHEMA}.{table} "
                               f"ADD CONSTRAINT {name} {definition}")


@dataclass
class FloorContext:
    """Constants of the floor's rows, taken from the real run so rows have the same size."""

    flow_class: str
    task_refs: dict[str, str]
    eligibility: dict[str, Any]
    facts: dict[str, Any]
    program_id: int
    area_id: str
    reviewer_id: int
    approver_id: int


def floor_context(reg: Register, sample_case_id: int) -> FloorContext:
    from viewflow.workflow.fields import get_flow_ref, get_task_ref

    from casework.models import Case
    from workflows.applications.services import BenefitApplicationFlow as Flow

    sample = Case.objects.get(pk=sample_case_id)
    return FloorContext(
        flow_class=get_flow_ref(Flow),
        task_refs={name: get_task_ref(getattr(Flow, name))
                   for name in ("village_review", "township_review")},
        eligibility=sample.eligibility, facts=sample.facts, program_id=reg.program.pk,
        area_id=reg.households[0].area_id, reviewer_id=reg.reviewer.pk,
        approver_id=reg.approver.pk)


@dataclass
class FloorCounter:
    statements: int = 0
    transactions: int = 0


def floor_case(conn: Any, ctx: FloorContext, reg: Register, i: int, n: FloorCounter) -> None:
    """One case as three raw transactions (submit, village decision, township decision).

    Each decision starts with ``UPDATE task ... WHERE status = 'NEW' RETURNING`` which
    both locks and detects a concurrent decision, so the floor is as safe as the real
    path without a separate lock read. Not written: viewflow's start/switch/end task
    rows and ``task_previous`` links (the audit trail already orders the steps).
    """
    from psycopg.types.json import Jsonb

    F = FLOOR_SCHEMA
    household, applicant, family = reg.households[i], reg.applicants[i], reg.families[i]
    now = time_now()
    today = now.date()
    cur = conn.cursor()

    def run(sql: str, params: tuple[Any, ...]) -> Any:
        n.statements += 1
        cur.execute(sql, params)
        return cur.fetchone() if cur.description else None

    def outbox(case_id: int, rows: list[tuple[str, str, str, str]]) -> None:
        values = ", ".join(["(%s, %s, NULL, %s, %s, %s, %s, NULL, 0, '')"] * len(rows))
        params: list[Any] = []
        for channel, recipient, template, step in rows:
            params += [case_id, channel, recipient, template,
                       Jsonb({"case": case_id, "step": step, "program": ctx.program_id}), now]
        run(f"INSERT INTO {F}.casework_outboxmessage (case_id, channel, recipient_user_id, "
            "recipient, template, payload, created_at, sent_at, attempts, last_error) "
            f"VALUES {values}", tuple(params))

    def audit(case_id: int, rows: list[tuple[int, int | None, str, str, str, dict]]) -> None:
        # the floor stores no hash chain (''), so it stays the cheaper side of the ratio
        values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, '', '')"] * len(rows))
        params: list[Any] = []
        for seq, actor, action, src, dst, detail in rows:
            params += [case_id, seq, actor, action, src, dst, Jsonb(detail), now]
        run(f"INSERT INTO {F}.casework_auditevent (case_id, seq, actor_id, action, "
            f"from_status, to_status, detail, at, prev_hash, hash) VALUES {values}",
            tuple(params))

    def next_task(process_id: int, step: str, role: str) -> int:
        return run(f"INSERT INTO {F}.viewflow_task (process_id, flow_task, flow_task_type, "
                   "status, created, token, data, owner_permission, owner_permission_obj_pk) "
                   "VALUES (%s, %s, 'HUMAN', 'NEW', %s, 'start', '{}', %s, %s) RETURNING id",
                   (process_id, ctx.task_refs[step], now, role, ctx.area_id))[0]

    # 1. submit: case (already at village review), its process, 3 events, task, 3 messages
    (case_id,) = run(
        f"INSERT INTO {F}.casework_case (household_id, applicant_id, program_id, area_id, "
        "status, statement, filed_by_id, on_behalf, submitted_at, application_date, "
        "eligible, rule_version, eligibility, facts, last_decision, version, "
        "audit_head, legal_basis, consent_at, consent_text, unit_key) "
        "VALUES (%s, %s, %s, %s, 'village_review', '', %s, false, %s, %s, true, %s, %s, %s, "
        "'', 3, '', 'consent', %s, 'privacy-2026-1', %s) RETURNING id",
        (household.pk, applicant.pk, ctx.program_id, ctx.area_id, family.pk, now, today,
         ctx.eligibility.get("rule_version", ""), Jsonb(ctx.eligibility), Jsonb(ctx.facts),
         now, f"person:{applicant.pk}"))
    (process_id,) = run(f"INSERT INTO {F}.viewflow_process (flow_class, status, created, "
                        "data, artifact_object_id) VALUES (%s, 'NEW', %s, '{}', %s) RETURNING id",
                        (ctx.flow_class, now, case_id))
    audit(case_id, [
        (1, family.pk, "submitted", "", "submitted", {"program": "medical_discount"}),
        (2, None, "eligibility_precheck", "submitted", "submitted", {"eligible": True}),
        (3, family.pk, "enter_village_review", "submitted", "village_review", {}),
    ])
    task_id = next_task(process_id, "village_review", "village_reviewer")
    outbox(case_id, [("sms", applicant.phone, "case_submitted", "submitted"),
                     ("inapp", f"household:{household.pk}", "case_submitted", "submitted"),
                     ("inapp", f"village_review:{ctx.area_id}", "task_waiting",
                      "village_review")])
    conn.commit()
    n.transactions += 1

    # 2. and 3. the decisions
    for step, actor, final in (("village_review", ctx.reviewer_id, False),
                               ("township_review", ctx.approver_id, True)):
        (process_id, case_id) = run(
            f"UPDATE {F}.viewflow_task SET status = 'DONE', owner_id = %s, started = %s, "
            "finished = %s WHERE id = %s AND status = 'NEW' RETURNING process_id, "
            f"(SELECT artifact_object_id FROM {F}.viewflow_process p WHERE p.id = process_id)",
            (actor, now, now, task_id))
        status = "approved" if final else "township_review"
        (case_id, version) = run(
            f"UPDATE {F}.casework_case SET status = %s, last_decision = 'approve', "
            "version = version + 2, closed_at = CASE WHEN %s THEN %s::timestamptz END "
            "WHERE id = %s RETURNING id, version",
            (status, final, now, case_id))
        run(f"INSERT INTO {F}.casework_decision (case_id, step, outcome, reason, actor_id, "
            "task_id, decided_at) VALUES (%s, %s, 'approve', '', %s, %s, %s)",
            (case_id, step, actor, task_id, now))
        audit(case_id, [
            (version - 1, actor, "decision_approve", step, step, {"step": step, "task": task_id}),
            (version, actor, "granted" if final else "enter_township_review", step, status, {}),
        ])
        if final:
            run(f"INSERT INTO {F}.casework_entitlement (case_id, household_id, person_id, "
                "program_id, area_id, number, amount_yuan, valid_from, valid_to, state, "
                "issued_at, unit_key, end_reason) VALUES (%s, %s, %s, %s, %s, %s, 0, %s, %s, "
                "'live', %s, %s, '')",
                (case_id, household.pk, applicant.pk, ctx.program_id, ctx.area_id,
                 f"JD{today:%Y}{ctx.program_id:02d}{case_id:08d}", today,
                 today.replace(year=today.year + 3) - timedelta(days=1), now,
                 f"person:{applicant.pk}"))
            run(f"UPDATE {F}.viewflow_process SET status = 'DONE', finished = %s WHERE id = %s",
                (now, process_id))
            outbox(case_id, [("sms", applicant.phone, "case_approved", "approved"),
                             ("inapp", f"household:{household.pk}", "case_approved",
                              "approved")])
        else:
            task_id = next_task(process_id, "township_review", "township_approver")
            outbox(case_id, [("inapp", f"township_review:{ctx.area_id}", "task_waiting",
                              "township_review")])
        conn.commit()
        n.transactions += 1
    cur.close()


def time_now() -> Any:
    from django.utils import timezone

    return timezone.now()


def timed_floor_case(conn: Any, ctx: FloorContext, reg: Register, i: int,
                     counter: FloorCounter) -> float:
    """One floor case; returns its wall time."""
    t0 = time.perf_counter()
    floor_case(conn, ctx, reg, i, counter)
    return time.perf_counter() - t0


# --------------------------------------------------------------------------- report


def git_state() -> str:
    """Which code was measured: other sessions edit the tree, so dirty matters."""
    import subprocess

    try:
        return subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT,
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def machine() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    return (f"nproc {os.cpu_count()}, Python {platform.python_version()}, "
            f"PostgreSQL {server}, {platform.system()} {platform.machine()}")


def server_settings() -> str:
    """The settings that decide what a commit costs, for reading the floor."""
    from django.db import connection

    with connection.cursor() as cursor:
        values = []
        for name in ("synchronous_commit", "fsync", "shared_buffers"):
            cursor.execute(f"SHOW {name}")
            values.append(f"{name}={cursor.fetchone()[0]}")
    return " ".join(values)


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200, help="timed cases (default 200)")
    parser.add_argument("--profile", action="store_true",
                        help="run the timed real cases under cProfile and print the top 15 "
                        "cumulative functions (real timings are then not comparable)")
    args = parser.parse_args(argv)
    count = args.cases
    if count < 1:
        parser.error("--cases must be at least 1")

    url = database_url()
    ensure_database(url)
    setup_django()
    import psycopg
    from django.conf import settings
    from django.db import connection

    wipe()
    reg = build_register(WARMUP + count)
    db = connection.settings_dict
    print("Lifecycle benchmark: submit -> village approve -> township approve")
    print("            (medical_discount: final approval at township, no public notice)")
    print(f"code        git {git_state()}")
    print(f"machine     {machine()}")
    print(f"database    {db['HOST']}:{db['PORT']}/{db['NAME']}  {server_settings()}")
    print(f"django      DEBUG={settings.DEBUG}, celery broker {BROKER_URL} (kick measured)")
    print(f"cases       N={count} timed, {WARMUP} warm-up not counted; real and floor run "
          f"interleaved in blocks of {BLOCK}")
    print(f"start       {load()}")

    # warm-up: the real path (its last case is kept for the breakdown), then the floor
    warm = [run_case(reg, i, keep=(i == WARMUP - 1)) for i in range(WARMUP)]
    create_floor_tables()
    ctx = floor_context(reg, warm[-1].case_id)
    profiler = cProfile.Profile() if args.profile else None
    runs: list[CaseRun] = []
    floor_times: list[float] = []
    floor_n = FloorCounter()
    with psycopg.connect(url, autocommit=False) as conn:
        for i in range(WARMUP):
            floor_case(conn, ctx, reg, i, FloorCounter())
        # Interleaved blocks: the machine may be shared, and a burst of load should hit
        # both sides alike rather than skew the ratio.
        for block in range(WARMUP, WARMUP + count, BLOCK):
            cases = range(block, min(block + BLOCK, WARMUP + count))
            if profiler:
                profiler.enable()
            runs += [run_case(reg, i) for i in cases]
            if profiler:
                profiler.disable()
            floor_times += [timed_floor_case(conn, ctx, reg, i, floor_n) for i in cases]
    ids = [r.case_id for r in warm + runs]
    approved = verify(ids)
    print(f"end         {load()}")

    print()
    print("\n".join(breakdown(warm[-1])))

    real_seconds = sum(r.wall for r in runs)
    real_cpu = sum(r.cpu for r in runs)
    floor_seconds = sum(floor_times)
    per_case = [r.log.total for r in runs]
    phase_avg = {p: statistics.mean(r.log.counts[p] for r in runs)
                 for p in ("submit", "village", "township")}
    statements = statistics.mean(per_case)
    real_rate = count / real_seconds
    floor_rate = count / floor_seconds
    ratio = real_rate / floor_rate
    real_median = statistics.median(r.wall for r in runs)
    floor_median = statistics.median(floor_times)
    print()
    print("results")
    print(f"  N                      {count}")
    print(f"  real                   {real_rate:8.1f} cases/s  "
          f"({1000 * real_seconds / count:.2f} ms/case mean, {1000 * real_median:.2f} median, "
          f"{1000 * real_cpu / count:.2f} client CPU{', PROFILED' if profiler else ''})")
    print(f"  verified               {approved}/{len(ids)} cases approved with an entitlement")
    print(f"  SQL statements/case    {statements:8.1f}  (min {min(per_case)}, max {max(per_case)}: "
          + ", ".join(f"{p} {v:.1f}" for p, v in phase_avg.items())
          + ") in 3 transactions")
    print("                         (bench task lookups and BEGIN/COMMIT not counted)")
    print(f"  floor                  {floor_rate:8.1f} cases/s  "
          f"({1000 * floor_seconds / count:.2f} ms/case mean, {1000 * floor_median:.2f} median; "
          f"{floor_n.statements / count:.0f} statements in "
          f"{floor_n.transactions // count} transactions)")
    print(f"  ratio real/floor       {ratio:8.3f}  (on medians {floor_median / real_median:.3f})")
    print()
    print("targets (project guide)")
    print(f"  <= {QUERY_TARGET} SQL statements per case {statements:6.1f}   "
          f"{verdict(statements <= QUERY_TARGET)}")
    print(f"  >= {RATIO_TARGET}x the floor          {ratio:6.3f}   "
          f"{verdict(ratio >= RATIO_TARGET)}")

    if profiler:
        out = io.StringIO()
        profiler.dump_stats("var/lifecycle.prof")
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(15)
        print()
        print("profile: top 15 cumulative (timed real cases)")
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
