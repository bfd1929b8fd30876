"""Deadline sweep and outbox relay at scale (PostgreSQL, Redis).

    .venv/bin/python bench/deadlines.py [--timers 1000000] [--due 1000] [--messages 20000]

Part 1, the sweep. ``--due`` applications are submitted through the real service
(``workflows.applications.services.submit_application``), each opening its village-review task and
its ``Deadline``; those deadlines are then moved back in time so they are due, a third
each at the reminder, the deadline and the escalation stage. The rest of the timers are
synthetic: an open HUMAN task row and a deadline reminding 1 to 61 days ahead for each,
on the same cases and processes (INSERT ... SELECT generate_series, 100,000 rows a
transaction). With 1% then 10% then 100% of ``--timers`` in the table (the same due
rows each time), ``workflows.deadlines.services.sweep`` runs ``--repeats`` times, each after the
due rows are restored to their stage, the table is vacuumed and a CHECKPOINT has
written out what the fill and the vacuum left dirty. For each sweep: its time and
client CPU, the rows it stamped (due and others), the audit events and outbox rows it
wrote, its statements by kind and their time, and PostgreSQL's counters for the
deadline table meanwhile (sequential scans; heap and index blocks found in shared
buffers or read). Then ``EXPLAIN (ANALYZE, BUFFERS)`` of the sweep's own claim query
(captured from a sweep, run with a fresh ``now`` and rolled back). From 10,000 timers
on, the script exits 1 if that plan scans the deadline table sequentially or does not
read ``deadline_next_due`` (below that a seq scan of a few pages is the right plan).

Part 2, the outbox. ``--messages`` pending outbox rows (half SMS to distinct numbers
through a no-op gateway, half in-app to the village's reviewers), every earlier row
marked sent first. ``workflows.tasks.relay_outbox`` runs in-process with the Celery
app on Redis (``--redis``, db 9 by default): it publishes one ``deliver`` per row, 500
a call. After each call the bench takes the published messages off the queue with
redis-py, as a worker would, and runs ``deliver(id)`` in-process for each (one
transaction a message). Both are timed apart and compared, in the same run, with a
plain redis-py LPUSH of the same message bodies (one round trip each) and with the
database's floor for a delivery (psycopg, one UPDATE and one COMMIT a message). All
Redis keys are under ``--redis-prefix`` (kombu's ``global_keyprefix``) and deleted at
the end.

Its database (``DATABASE_URL``, default ``bench_deadlines``) is created and migrated
if missing, and its case and workflow tables are truncated first, so the name must
start with ``bench``. Apart from the plan check it reports, it does not assert.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.lifecycle import build_register, load, open_database, print_header, wipe  # noqa: E402,E501

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench_deadlines"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/9"
DEFAULT_PREFIX = "bench_deadlines:"
QUEUE = "notifications"  # where settings.CELERY_TASK_ROUTES sends relay_outbox and deliver
CHUNK = 100_000  # synthetic timers per INSERT (and transaction)
FLOOR_MESSAGES = 2_000  # rows of the deliver floor (one commit each)
FLAT = 1.5  # "roughly constant": the largest size's sweep within 1.5x the smallest's
SWEEP_TABLE = "workflows_deadline"
# Below this many rows a seq scan of a few pages is the planner's right choice; from here
# on a seq scan of the deadline table is a failure (exit 1).
CHECK_FROM = 10_000
INDEX = "deadline_next_due"
TABLE_RE = re.compile(r'(?:FROM|UPDATE|INTO)\s+"(\w+)"')


class NullSmsBackend:
    """An SMS gateway that accepts everything and does nothing (settings.SMS_BACKEND)."""

    def send(self, *, to: str, text: str, message_id: int) -> None:
        return None


# --------------------------------------------------------------------------- helpers


def cursor():
    from django.db import connection

    return connection.cursor()


def scalar(sql: str, params: Any = None) -> Any:
    with cursor() as c:
        c.execute(sql, params)
        return c.fetchone()[0]


def vacuum(*tables: str) -> None:
    """VACUUM (ANALYZE): fresh statistics, hint bits set, dead rows of the last run gone,
    so every timed sweep starts from the same kind of table."""
    with cursor() as c:
        c.execute(f"VACUUM (ANALYZE) {', '.join(tables)}")


def checkpoint() -> None:
    """Write out the dirty buffers the fill and VACUUM left, so that a timed sweep does
    not pay for evicting them (it still pays for the pages it dirties itself)."""
    with cursor() as c:
        c.execute("CHECKPOINT")


TABLE_STATS = ("seq_scan", "heap_blks_hit", "heap_blks_read", "idx_blks_hit", "idx_blks_read")


def table_stats() -> Counter[str]:
    """PostgreSQL's counters for the deadline table: sequential scans, and 8 kB blocks
    of heap and indexes found in shared buffers (hit) or not (read: from the OS). This
    backend's pending counts are flushed first, so the sweep's own are in."""
    with cursor() as c:
        c.execute("SELECT pg_stat_force_next_flush()")  # flushed as this statement ends
        c.execute("""
            SELECT t.seq_scan, s.heap_blks_hit, s.heap_blks_read, s.idx_blks_hit,
                   s.idx_blks_read
            FROM pg_stat_user_tables t JOIN pg_statio_user_tables s USING (relid)
            WHERE t.relname = %s""", [SWEEP_TABLE])
        return Counter(dict(zip(TABLE_STATS, c.fetchone(), strict=True)))


@dataclass
class StatementTimes:
    """``connection.execute_wrapper`` hook: statements and their time, by verb and table."""

    count: Counter[str] = field(default_factory=Counter)
    seconds: Counter[str] = field(default_factory=Counter)

    def __call__(self, execute, sql, params, many, context):
        match = TABLE_RE.search(sql)
        kind = f"{sql.split(None, 1)[0].upper()} {match.group(1) if match else '?'}"
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.count[kind] += 1
            self.seconds[kind] += time.perf_counter() - t0

    @property
    def total(self) -> int:
        return sum(self.count.values())

    def lines(self, wall: float, width: int = 3) -> list[str]:
        """The kinds by time, ``width`` to a line, then what was spent outside them."""
        parts = [f"{kind} {self.count[kind]:,}x {1000 * sec / self.count[kind]:.2f} ms"
                 for kind, sec in self.seconds.most_common()]
        lines = ["; ".join(parts[i:i + width]) for i in range(0, len(parts), width)]
        inside = sum(self.seconds.values())
        lines.append(f"in statements {ms(inside)}, outside them {ms(wall - inside)} "
                     "(Python, BEGIN/COMMIT)")
        return lines


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


# --------------------------------------------------------------------------- part 1


@dataclass
class DueSet:
    """The real deadlines made due, and their state to restore before each sweep."""

    task_ids: list[int]
    stages: list[str]
    next_at: list[Any]
    remind_at: list[Any]
    due_at: list[Any]
    escalate_at: list[Any]
    cases: list[tuple[int, int, str]]  # (case id, process id, village) of the due cases
    flow_task: str
    token: str
    owner_permission: str

    def restore(self) -> None:
        with cursor() as c:
            c.execute(f"""
                UPDATE {SWEEP_TABLE} d SET stage = v.stage, next_at = v.next_at,
                    remind_at = v.remind_at, due_at = v.due_at, escalate_at = v.escalate_at,
                    reminded_at = NULL, overdue_at = NULL, escalated_at = NULL,
                    closed_at = NULL
                FROM unnest(%s::bigint[], %s::text[], %s::timestamptz[], %s::timestamptz[],
                            %s::timestamptz[], %s::timestamptz[])
                    AS v(task_id, stage, next_at, remind_at, due_at, escalate_at)
                WHERE d.task_id = v.task_id""",
                      [self.task_ids, self.stages, self.next_at, self.remind_at, self.due_at,
                       self.escalate_at])


def submit_due(count: int) -> float:
    """``count`` applications through the real service; returns the seconds it took."""
    from workflows.applications import services

    reg = build_register(count)
    started = time.perf_counter()
    for i in range(count):
        services.submit_application(actor=reg.families[i], household=reg.households[i],
                                    program=reg.program, applicant=reg.applicants[i])
    return time.perf_counter() - started


def make_due(count: int) -> DueSet:
    """Shift each real deadline back in time so that its stage's moment passed 1 hour
    (plus i seconds) ago; a third each wait to remind, to mark overdue, to escalate."""
    from django.utils import timezone

    from workflows.models import Deadline

    deadlines = list(Deadline.objects.select_related("case", "task").order_by("task_id"))
    if len(deadlines) != count:
        sys.exit(f"expected {count} deadlines from the submitted cases, found {len(deadlines)}"
                 " (is village review still timed?)")
    now = timezone.now()
    order = (Deadline.Stage.REMIND, Deadline.Stage.DUE, Deadline.Stage.ESCALATE)
    due = DueSet([], [], [], [], [], [], [], "", "", "")
    for i, d in enumerate(deadlines):
        stage = order[i % 3]
        anchor = {Deadline.Stage.REMIND: d.remind_at, Deadline.Stage.DUE: d.due_at,
                  Deadline.Stage.ESCALATE: d.escalate_at}[stage]
        if anchor is None:  # no reminder or no escalation planned: mark overdue instead
            stage, anchor = Deadline.Stage.DUE, d.due_at
        shift = anchor - (now - timedelta(hours=1, seconds=i))
        due.task_ids.append(d.task_id)
        due.stages.append(stage)
        due.next_at.append(anchor - shift)
        due.remind_at.append(d.remind_at - shift if d.remind_at else None)
        due.due_at.append(d.due_at - shift)
        due.escalate_at.append(d.escalate_at - shift if d.escalate_at else None)
        due.cases.append((d.case_id, d.task.process_id, d.case.area_id))
    with cursor() as c:  # the synthetic tasks copy the real task row's references
        c.execute("SELECT flow_task, token, owner_permission FROM viewflow_task WHERE id = %s",
                  [due.task_ids[0]])
        due.flow_task, due.token, due.owner_permission = c.fetchone()
    due.restore()
    return due


def add_timers(due: DueSet, start: int, stop: int) -> None:
    """Synthetic scheduled timers ``start`` .. ``stop - 1``: an open HUMAN task row on
    one of the due cases' processes and its deadline, reminding 1 to 61 days ahead."""
    from django.db import transaction

    ids, processes, areas = zip(*due.cases, strict=True)
    for a in range(start, stop, CHUNK):
        b = min(a + CHUNK, stop)
        with transaction.atomic(), cursor() as c:
            c.execute(f"""
                WITH c AS (
                    SELECT * FROM unnest(%s::bigint[], %s::text[]) WITH ORDINALITY
                        AS c(process_id, area, n)),
                t AS (
                    INSERT INTO viewflow_task (flow_task, flow_task_type, status, created,
                        token, owner_permission, owner_permission_obj_pk, process_id, data)
                    SELECT %s, 'HUMAN', 'NEW', now() - make_interval(secs => g %% 86400), %s,
                        %s, c.area, c.process_id, '{{}}'
                    FROM generate_series(%s::int, %s::int) g JOIN c ON c.n = g %% %s::int + 1
                    RETURNING id, process_id),
                r AS (
                    SELECT t.id, k.id AS case_id, now() + interval '1 day'
                        + make_interval(secs => (t.id * 7919) %% (60 * 86400)) AS remind_at
                    FROM t JOIN viewflow_process p ON p.id = t.process_id
                    JOIN casework_case k ON k.id = p.artifact_object_id)
                INSERT INTO {SWEEP_TABLE} (task_id, case_id, step, working_days, due_at,
                    remind_at, escalate_at, stage, next_at)
                SELECT id, case_id, 'village_review', 5, remind_at + interval '1 day 15 hours',
                    remind_at, remind_at + interval '4 days 15 hours', 'remind', remind_at
                FROM r""",
                      [list(processes), list(areas), due.flow_task, due.token,
                       due.owner_permission, a, b - 1, len(ids)])


def capture_claim(due: DueSet) -> tuple[str, list[Any]]:
    """One untimed sweep (the warm-up); returns its claim statement and parameters."""
    from django.db import connection

    from workflows.deadlines.services import sweep

    seen: list[tuple[str, Any]] = []

    def record(execute, sql, params, many, context):
        seen.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        sweep()
    claims = [(s, p) for s, p in seen
              if f'FROM "{SWEEP_TABLE}"' in s and "FOR UPDATE" in s.upper()]
    if not claims:
        sys.exit("could not find the sweep's claim query (SELECT ... FOR UPDATE on "
                 f"{SWEEP_TABLE}) among its statements")
    due.restore()
    return claims[0][0], list(claims[0][1])


@dataclass
class SweepRun:
    wall: float
    cpu: float
    done: int
    statements: StatementTimes
    touched_due: int
    touched_other: int
    events: int
    outbox: int
    stats: Counter[str]


def timed_sweep(due: DueSet) -> SweepRun:
    from django.db import connection
    from django.utils import timezone

    from workflows.deadlines.services import sweep

    due.restore()
    vacuum(SWEEP_TABLE)
    checkpoint()
    last_event = scalar("SELECT coalesce(max(id), 0) FROM casework_auditevent")
    last_outbox = scalar("SELECT coalesce(max(id), 0) FROM casework_outboxmessage")
    before = table_stats()
    log = StatementTimes()
    now = timezone.now()
    t0, c0 = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(log):
        done = sweep(now=now)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    stats = table_stats()
    stats.subtract(before)
    with cursor() as c:  # what the sweep stamped with its ``now``: the rows it moved
        c.execute(f"""
            SELECT count(*) FILTER (WHERE task_id = ANY(%s)),
                   count(*) FILTER (WHERE NOT task_id = ANY(%s))
            FROM {SWEEP_TABLE}
            WHERE reminded_at = %s OR overdue_at = %s OR escalated_at = %s""",
                  [due.task_ids, due.task_ids, now, now, now])
        touched_due, touched_other = c.fetchone()
    events = scalar("SELECT count(*) FROM casework_auditevent WHERE id > %s", [last_event])
    outbox = scalar("SELECT count(*) FROM casework_outboxmessage WHERE id > %s", [last_outbox])
    return SweepRun(wall, cpu, done, log, touched_due, touched_other, events, outbox, stats)


def explain(due: DueSet, claim: tuple[str, list[Any]]) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of the claim query as the sweep runs it, rolled back
    (ANALYZE executes it, and it locks the rows it returns)."""
    from django.db import transaction
    from django.utils import timezone

    sql, params = claim
    params = [timezone.now() if hasattr(p, "tzinfo") else p for p in params]
    due.restore()
    vacuum(SWEEP_TABLE)
    with transaction.atomic(), cursor() as c:
        c.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        lines = [row[0] for row in c.fetchall()]
        transaction.set_rollback(True)
    return lines


def access_path(lines: list[str]) -> str:
    """How the claim query reads the deadline table: the plan node that scans it."""
    for line in lines:
        node = line.strip().removeprefix("->").strip()
        if f" on {SWEEP_TABLE}" in node or f" on {INDEX}" in node:
            return node.split("  (")[0]
    return "?"


def plan_ok(lines: list[str]) -> bool:
    """No sequential scan of the deadline table, and the partial index is what is read
    (an Index Scan, or a Bitmap Index Scan when the planner prefers one: both O(due))."""
    text = "\n".join(lines)
    return (f"Seq Scan on {SWEEP_TABLE}" not in text
            and (f"Index Scan using {INDEX} on {SWEEP_TABLE}" in text
                 or f"Bitmap Index Scan on {INDEX}" in text))


def sizes(timers: int, due: int) -> list[int]:
    return sorted({max(due, timers // 100), max(due, timers // 10), max(due, timers)})


def part_sweep(args: argparse.Namespace) -> bool:
    """Returns False if a plan scanned the deadline table (the script then exits 1)."""
    from workflows.deadlines.services import SWEEP_BATCH

    print(f"\n1. deadline sweep (workflows.deadlines.services.sweep, batches of {SWEEP_BATCH})")
    seconds = submit_due(args.due)
    due = make_due(args.due)
    print(f"  due         {args.due:,} applications submitted through the service in "
          f"{seconds:.1f} s; their deadlines moved back so they are due "
          f"({due.stages.count('remind')} remind, {due.stages.count('due')} overdue, "
          f"{due.stages.count('escalate')} escalate)")
    vacuum(SWEEP_TABLE, "viewflow_task", "casework_case")
    claim = capture_claim(due)
    print("  claim SQL   " + " ".join(claim[0].split()))
    print("  warm-up     one untimed sweep of the due rows alone")

    ok = True
    results: dict[int, list[SweepRun]] = {}
    plans: dict[int, list[str]] = {}
    present = args.due
    for size in sizes(args.timers, args.due):
        started = time.perf_counter()
        add_timers(due, present, size)
        present = size
        vacuum(SWEEP_TABLE, "viewflow_task")
        checkpoint()
        scheduled = scalar(f"SELECT count(*) FROM {SWEEP_TABLE} WHERE next_at IS NOT NULL")
        index_mb = scalar("SELECT pg_relation_size(%s::regclass)", [INDEX]) / 2**20
        print(f"\n  {size:,} timers ({scheduled:,} scheduled, {args.due:,} due; "
              f"{INDEX} {index_mb:.1f} MiB); filled in {time.perf_counter() - started:.1f} s")
        runs = [timed_sweep(due) for _ in range(args.repeats)]
        results[size] = runs
        for i, run in enumerate(runs, 1):
            st = run.stats
            print(f"    sweep {i}: {ms(run.wall):>10} ({ms(run.cpu)} client CPU); "
                  f"{run.done:,} actions, stamped {run.touched_due:,} due + "
                  f"{run.touched_other:,} other rows; {run.events:,} audit events, "
                  f"{run.outbox:,} outbox rows; {run.statements.total:,} statements")
            print(f"             {SWEEP_TABLE}: {st['seq_scan']} seq scans; 8 kB blocks "
                  f"heap {st['heap_blks_hit']:,} hit + {st['heap_blks_read']:,} read, "
                  f"indexes {st['idx_blks_hit']:,} hit + {st['idx_blks_read']:,} read")
        median_run = sorted(runs, key=lambda r: r.wall)[len(runs) // 2]
        print("    statements of the median sweep, by kind (count x mean):")
        for line in median_run.statements.lines(median_run.wall):
            print("      " + line)
        plans[size] = explain(due, claim)
        good = plan_ok(plans[size])
        checked = size >= CHECK_FROM
        ok = ok and (good or not checked)
        print(f"    EXPLAIN (ANALYZE, BUFFERS) of the claim query: {access_path(plans[size])}"
              + ("" if checked else f"  (not checked below {CHECK_FROM:,} timers)"))
        for line in plans[size]:
            print("      " + line)

    print("\n  sweep time by total timers (median of "
          f"{args.repeats}; {args.due:,} due each time)")
    medians = {size: statistics.median(r.wall for r in runs) for size, runs in results.items()}
    smallest, largest = min(medians), max(medians)
    minima = {size: min(r.wall for r in runs) for size, runs in results.items()}
    print(f"    {'timers':>11}  {'median':>11}  {'x':>5}  {'min':>11}  {'x':>5}  "
          f"{'us/due':>7}  {'client CPU':>11}  {'index blocks read':>17}")
    for size, median in medians.items():
        runs = results[size]
        print(f"    {size:>11,}  {ms(median):>11}  {median / medians[smallest]:5.2f}  "
              f"{ms(minima[size]):>11}  {minima[size] / minima[smallest]:5.2f}  "
              f"{1e6 * median / args.due:7,.0f}  "
              f"{ms(statistics.median(r.cpu for r in runs)):>11}  "
              f"{statistics.median(r.stats['idx_blks_read'] for r in runs):17,.0f}")
    ratio = medians[largest] / medians[smallest]
    touched_right = all(r.touched_due == args.due and r.touched_other == 0 and r.done == args.due
                        for runs in results.values() for r in runs)
    no_scans = all(r.stats["seq_scan"] == 0 for size, runs in results.items() for r in runs
                   if size >= CHECK_FROM)
    print(f"\n  sweep at {largest:,} / at {smallest:,} timers: {ratio:.2f} on medians, "
          f"{minima[largest] / minima[smallest]:.2f} on minima  "
          f"(flat if <= {FLAT} on medians) {verdict(ratio <= FLAT)}")
    print(f"  every sweep moved exactly the {args.due:,} due rows: "
          f"{verdict(touched_right)}; no seq scan on {SWEEP_TABLE} from {CHECK_FROM:,} timers: "
          f"{verdict(no_scans)}")
    print(f"  claim plan reads {INDEX}, no seq scan, from {CHECK_FROM:,} timers: "
          f"{verdict(ok)}{'' if ok else '  -> exit 1'}")
    return ok


# --------------------------------------------------------------------------- part 2


def fill_outbox(count: int) -> int:
    """Mark every earlier row sent, then ``count`` pending rows (half SMS to distinct
    numbers, half in-app to the village's reviewers); returns the rows marked sent."""
    with cursor() as c:
        c.execute("UPDATE casework_outboxmessage SET sent_at = now() WHERE sent_at IS NULL")
        earlier = c.rowcount
        c.execute("""
            WITH k AS (SELECT id, area_id, program_id, row_number() OVER (ORDER BY id) - 1 AS n
                       FROM casework_case),
                 m AS (SELECT count(*) AS n FROM k)
            INSERT INTO casework_outboxmessage (case_id, channel, recipient, template, payload,
                created_at, attempts, last_error)
            SELECT k.id,
                CASE WHEN g %% 2 = 0 THEN 'sms' ELSE 'inapp' END,
                CASE WHEN g %% 2 = 0 THEN '139' || lpad(g::text, 8, '0')
                     ELSE 'village_review:' || k.area_id END,
                CASE WHEN g %% 2 = 0 THEN 'case_submitted' ELSE 'task_reminder' END,
                CASE WHEN g %% 2 = 0
                     THEN jsonb_build_object('step', 'submitted', 'program', k.program_id)
                     ELSE jsonb_build_object('step', 'village_review', 'due_at', '2026-12-04',
                                             'program', k.program_id) END,
                now(), 0, ''
            FROM generate_series(0, %s::int - 1) g, m JOIN k ON true
            WHERE k.n = g %% m.n""", [count])
    vacuum("casework_outboxmessage")
    return earlier


def task_id_of(raw: bytes) -> int:
    """The message id a published ``deliver`` carries (kombu's Redis envelope, Celery's
    protocol 2 body: ``[args, kwargs, embed]``)."""
    envelope = json.loads(raw)
    body = envelope["body"]
    if envelope["properties"].get("body_encoding") == "base64":
        body = base64.b64decode(body)
    args, _kwargs, _embed = json.loads(body)
    return int(args[0])


def part_relay(args: argparse.Namespace, client) -> None:
    import psycopg
    from django.db import connection

    from casework.models import OutboxMessage
    from workflows.tasks import RELAY_BATCH, deliver, relay_outbox

    queue = args.redis_prefix + QUEUE
    print(f"\n2. outbox relay ({args.messages:,} pending rows; Celery broker {args.redis} "
          f"with key prefix {args.redis_prefix!r})")
    earlier = fill_outbox(args.messages)
    channel_of = dict(OutboxMessage.objects.filter(sent_at__isnull=True)
                      .values_list("id", "channel"))
    print(f"  rows        {len(channel_of):,} pending ({earlier:,} rows the sweeps and "
          "submissions wrote marked sent first); SMS through a no-op gateway "
          "(bench.deadlines.NullSmsBackend)")
    client.delete(queue)  # the after-commit kicks of the submissions

    relay_s = relay_cpu = deliver_cpu = 0.0
    deliver_s: Counter[str] = Counter()
    delivered: Counter[str] = Counter()
    calls = 0
    payloads: list[bytes] = []
    log = StatementTimes()
    while True:
        t0, c0 = time.perf_counter(), time.process_time()
        sent = relay_outbox()
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
        if not sent:
            break
        relay_s += elapsed
        relay_cpu += cpu
        calls += 1
        raw = client.lrange(queue, 0, -1)  # what a worker would take off the queue
        client.delete(queue)
        if len(raw) != sent:
            sys.exit(f"relay_outbox said {sent} but the queue {queue!r} holds {len(raw)}")
        payloads += raw
        ids = [task_id_of(m) for m in reversed(raw)]  # oldest first, as a worker takes them
        c0 = time.process_time()
        with connection.execute_wrapper(log):
            for message_id in ids:
                t0 = time.perf_counter()
                ok = deliver(message_id)
                channel = channel_of[message_id]
                deliver_s[channel] += time.perf_counter() - t0
                delivered[channel] += bool(ok)
        deliver_cpu += time.process_time() - c0
    left = OutboxMessage.objects.filter(sent_at__isnull=True).count()
    n = len(payloads)
    if not n:
        print("  nothing was relayed")
        return

    key = args.redis_prefix + "raw_lpush"
    t0 = time.perf_counter()
    for payload in payloads:
        client.lpush(key, payload)
    raw_s = time.perf_counter() - t0
    client.delete(key)

    # the database's floor for deliver: one UPDATE and one COMMIT a message, plain psycopg
    sample = list(channel_of)[:FLOOR_MESSAGES]
    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
        t0 = time.perf_counter()
        for message_id in sample:
            conn.execute("UPDATE casework_outboxmessage SET sent_at = now() WHERE id = %s",
                         (message_id,))
            conn.commit()
        floor_s = time.perf_counter() - t0

    deliver_total = sum(deliver_s.values())
    relay_rate, deliver_rate = n / relay_s, n / deliver_total
    raw_rate, floor_rate = n / raw_s, len(sample) / floor_s
    size = statistics.mean(len(p) for p in payloads)
    print(f"  relay       {relay_rate:10,.0f} msgs/s  ({n:,} published in {relay_s:.2f} s, "
          f"{1e6 * relay_cpu / n:,.0f} us client CPU a message; {calls} relay_outbox "
          f"calls of up to {RELAY_BATCH})")
    per_channel = ", ".join(f"{ch} {delivered[ch]:,} at {delivered[ch] / sec:,.0f}/s"
                            for ch, sec in sorted(deliver_s.items()))
    print(f"  deliver     {deliver_rate:10,.0f} msgs/s  ({sum(delivered.values()):,} sent in "
          f"{deliver_total:.2f} s, {1e6 * deliver_cpu / n:,.0f} us client CPU and "
          f"{log.total / n:.1f} statements a message; {per_channel})")
    for line in log.lines(deliver_total, width=2):
        print("                deliver's statements: " + line)
    print(f"  one worker  {n / (relay_s + deliver_total):10,.0f} msgs/s  (relay + deliver in "
          f"series); {left:,} rows left pending")
    print(f"  raw LPUSH   {raw_rate:10,.0f} msgs/s  (redis-py, one LPUSH a message, the same "
          f"{n:,} message bodies, {size:,.0f} bytes each)")
    print(f"  commit floor{floor_rate:10,.0f} msgs/s  (psycopg: one UPDATE + COMMIT a message, "
          f"{len(sample):,} rows; synchronous_commit on)")
    print(f"  ratio relay / raw LPUSH       {relay_rate / raw_rate:.3f}")
    print(f"  ratio deliver / raw LPUSH     {deliver_rate / raw_rate:.3f}")
    print(f"  ratio deliver / commit floor  {deliver_rate / floor_rate:.3f}")


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timers", type=int, default=1_000_000,
                        help="total deadlines at the largest size (default 1,000,000); the "
                        "sweep also runs at 1%% and 10%% of it")
    parser.add_argument("--due", type=int, default=1_000,
                        help="due deadlines, real submitted cases (default 1,000)")
    parser.add_argument("--messages", type=int, default=20_000,
                        help="pending outbox rows to relay (default 20,000; 0 skips part 2)")
    parser.add_argument("--repeats", type=int, default=5, help="sweeps per size (default 5)")
    parser.add_argument("--redis", default=DEFAULT_REDIS_URL,
                        help=f"Celery broker for part 2 (default {DEFAULT_REDIS_URL})")
    parser.add_argument("--redis-prefix", default=DEFAULT_PREFIX,
                        help=f"prefix of every Redis key the bench writes (default "
                        f"{DEFAULT_PREFIX!r}); all are deleted at the end")
    args = parser.parse_args(argv)
    if args.due < 3 or args.timers < args.due or args.repeats < 1 or args.messages < 0:
        parser.error("need --due >= 3, --timers >= --due, --repeats >= 1, --messages >= 0")
    if not args.redis_prefix:
        parser.error("--redis-prefix must not be empty (the bench deletes its keys by it)")

    open_database(DEFAULT_DATABASE_URL)
    import redis
    from django.conf import settings

    from config.celery import app

    # The bench's own broker and key prefix (setup_django chose memory://; nothing has
    # been published yet, so the producer pool is built for this one).
    app.conf.broker_url = args.redis
    app.conf.task_always_eager = False  # the relay must publish, whatever the environment says
    app.conf.broker_transport_options = {"visibility_timeout": settings.BROKER_VISIBILITY_TIMEOUT,
                                         "global_keyprefix": args.redis_prefix}
    settings.SMS_BACKEND = "bench.deadlines.NullSmsBackend"
    client = redis.Redis.from_url(args.redis)
    client.ping()

    wipe()
    print_header("Deadlines benchmark: deadline sweep at scale, outbox relay throughput")
    print(f"django      DEBUG={settings.DEBUG}, celery broker {args.redis}")
    print(f"start       {load()}")
    try:
        ok = part_sweep(args)
        if args.messages:
            part_relay(args, client)
    finally:
        keys = list(client.scan_iter(match=args.redis_prefix + "*"))
        if keys:
            client.delete(*keys)
        print(f"\nend         {load()}; {len(keys)} Redis keys under {args.redis_prefix!r} "
              "deleted")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
