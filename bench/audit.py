"""Audit benchmark: verifying every case's hash chain (casework.history.verification.verify_all).

    .venv/bin/python bench/audit.py [--events 1000000] [--no-profile]

What it measures: ``casework.history.verification.verify_all`` (the code behind
``manage.py verify_audit``) end to end over ``--events`` chained audit events on
PostgreSQL, 10 a case (a tenth of them first, for the memory comparison), against what
its parts cost alone on the same events in the same run:

- the set-up: minimal real parents (``bench.lifecycle.build_register``: the area tree,
  the programs, 20 households with applicant and family account, a reviewer and an
  approver), then the cases and their histories, generated in Python with real hashes
  (``casework.history.chain.event_hash``, each event linked to the previous one, the case row
  keeping the head, the newest event sealed with the audit key as the services seal
  each transaction's head) and loaded with psycopg's COPY, 2,000 cases a transaction;
  each case's 10 events follow a granted application (submitted, pre-check, village
  review, a document, two decisions with a reason in Chinese, public notice, granted),
  and the rows they describe are loaded beside them (the two decisions and the
  entitlement), since ``verify_all`` compares each case's rows with its history. After
  each size a checkpoint is sealed (``seal_checkpoint``), as ``verify_audit --seal``
  would, so ``verify_all`` also checks signed checkpoints;
- ``verify_all()`` timed (wall and client CPU), once as called (it opens its own
  REPEATABLE READ, READ ONLY transaction, so its cursors need no WITH HOLD) and once
  inside the caller's ``transaction.atomic()``; the server's temporary-file bytes during
  each (``pg_stat_database.temp_bytes``) and the time to the first event of the stream
  alone in autocommit (Django declares its server-side cursors WITH HOLD) and in a
  transaction;
- reading alone: the event stream ``verify_all`` reads (``verification._events``, ORM
  rows made into ``chain.Event``), and the same columns through plain psycopg (a named
  cursor in a transaction, 5,000 rows a fetch, psycopg's own jsonb and timestamptz
  loaders);
- the same events, read beforehand chunk by chunk (not timed), put through each step of
  the hash alone: ``chain.canonical`` called as ``Event.computed_hash`` calls it, two of
  its steps alone (``chain.timestamp``; ``rfc8785.dumps`` of the same dict), and
  ``hashlib.sha256(...).hexdigest()`` of the canonical bytes (checked against the stored
  hashes). The ratios: verify_all over hashlib alone and over rfc8785.dumps alone, and
  verify_all's time split between reading, checkpoints, canonicalising, hashing and the
  rest;
- memory, at a tenth of the events and at all of them: the tracemalloc peak of
  ``verify_all`` streaming the events (its ``sealed_heads`` answered from a result made
  before tracing, so the same path runs), apart the peak of ``sealed_heads()`` and what it
  keeps for the whole run (the signed heads), and the RSS growth of the whole
  ``verify_all`` in a fresh process (this script with ``--child``: Django set up, no
  migrations, the RSS high-water mark reset, then one ``verify_all``);
- unless ``--no-profile``, one more ``verify_all`` under cProfile, top 15 by own
  time.

Its database (``DATABASE_URL``, default ``postgres://postgres@127.0.0.1:5432/bench_audit``)
is created and migrated if missing, and the case tables are truncated first, so the name
must start with ``bench``. It reports, it does not assert: exit 0 whatever the numbers.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import hashlib
import io
import json
import os
import pstats
import subprocess
import sys
import sysconfig
import time
import tracemalloc
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.lifecycle import build_register, load, open_database, print_header, wipe  # noqa: E402,E501

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench_audit"
EVENTS = 1_000_000
PER_CASE = 10
SMALL_SHARE = 10  # the memory comparison's smaller size: a tenth of the events
PARENTS = 20  # real households (with applicant and family account) the cases cycle over
COPY_CASES = 2_000  # cases (and their events) per COPY transaction
CHUNK = 5_000  # events per chunk of the component pass (verify_all's own fetch size)
FLAT = 1.2  # memory "flat": peak at all the events within 1.2x the peak at a tenth
T0 = datetime(2025, 1, 6, 1, 0, tzinfo=UTC)

CASE_COLUMNS = ("id", "household_id", "applicant_id", "program_id", "area_id", "status",
                "statement", "filed_by_id", "on_behalf", "submitted_at", "application_date",
                "closed_at", "eligible", "rule_version", "eligibility", "facts",
                "last_decision", "version", "audit_head", "legal_basis", "consent_at",
                "consent_text", "unit_key")
EVENT_COLUMNS = ("case_id", "seq", "actor_id", "action", "from_status", "to_status", "detail",
                 "at", "prev_hash", "hash", "seal")
DECISION_COLUMNS = ("case_id", "step", "outcome", "reason", "actor_id", "task_id", "decided_at")
ENTITLEMENT_COLUMNS = ("case_id", "household_id", "person_id", "program_id", "unit_key",
                       "area_id", "number", "amount_yuan", "valid_from", "valid_to", "state",
                       "issued_at", "end_reason")


# --------------------------------------------------------------------------- helpers


def cursor():
    from django.db import connection

    return connection.cursor()


def scalar(sql: str, params: Any = None) -> Any:
    with cursor() as c:
        c.execute(sql, params)
        return c.fetchone()[0]


def temp_bytes() -> int:
    """Bytes of temporary files this database's backends have written so far (this
    backend's pending counts flushed first)."""
    with cursor() as c:
        c.execute("SELECT pg_stat_force_next_flush()")
    return scalar("SELECT temp_bytes FROM pg_stat_database WHERE datname = current_database()")


def mib(n: float) -> str:
    return f"{n / 2**20:,.1f} MiB"


def rate(n: int, seconds: float) -> str:
    return f"{n / seconds:>12,.0f} events/s"


def us(seconds: float, n: int) -> str:
    return f"{1e6 * seconds / n:.2f} us/event"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


# --------------------------------------------------------------------------- set-up


@dataclass
class Parents:
    program_id: int
    area_id: str
    households: list[int]
    applicants: list[int]
    families: list[int]
    reviewer: int
    approver: int


def make_parents() -> Parents:
    reg = build_register(PARENTS)
    return Parents(program_id=reg.program.pk, area_id=reg.households[0].area_id,
                   households=[h.pk for h in reg.households],
                   applicants=[p.pk for p in reg.applicants],
                   families=[u.pk for u in reg.families],
                   reviewer=reg.reviewer.pk, approver=reg.approver.pk)


def case_events(case_id: int, p: Parents) -> list[dict[str, Any]]:
    """The 10 events of a granted application, as the services write them (without the
    chain fields); times spread over days, microseconds never zero."""
    family = p.families[case_id % PARENTS]
    start = T0 + timedelta(minutes=3 * case_id)
    task = 4 * case_id
    steps = [
        (family, "submitted", "", "submitted",
         {"program": "medical_discount", "on_behalf": False}),
        (None, "eligibility_precheck", "submitted", "submitted",
         {"eligible": True, "rule_version": "medical_discount@2025-01-01", "failed": []}),
        (family, "enter_village_review", "submitted", "village_review", {"task": task}),
        (family, "document_added", "village_review", "village_review",
         {"document": 2 * case_id, "kind": "hukou_booklet"}),
        (p.reviewer, "decision_approve", "village_review", "village_review",
         {"step": "village_review", "reason": "材料齐全，情况属实，同意上报。", "task": task}),
        (p.reviewer, "enter_township_review", "village_review", "township_review",
         {"task": task + 1}),
        (p.approver, "decision_approve", "township_review", "township_review",
         {"step": "township_review", "reason": "经审核，符合医疗费用减免条件。",
          "task": task + 1}),
        (p.approver, "public_notice_started", "township_review", "public_notice",
         {"until": (start + timedelta(days=9)).isoformat(), "task": task + 2}),
        (None, "public_notice_ended", "public_notice", "public_notice", {}),
        (p.approver, "granted", "public_notice", "approved",
         {"entitlement": f"BE{case_id:09d}", "amount_yuan": "600.00"}),
    ]
    return [{"case_id": case_id, "seq": seq, "actor_id": actor, "action": action,
             "from_status": frm, "to_status": to, "detail": detail,
             "at": start + timedelta(hours=20 * seq,
                                     microseconds=1 + (case_id * 7919 + seq * 104729) % 999_999)}
            for seq, (actor, action, frm, to, detail) in enumerate(steps, start=1)]


def add_cases(p: Parents, first: int, last: int) -> tuple[float, float]:
    """Cases ``first``..``last`` with their chained events: hashes computed here, rows
    loaded by COPY, ``COPY_CASES`` cases a transaction. Returns (hashing s, loading s)."""
    from django.db import connection, transaction

    from casework.history import audit_key, chain

    key = audit_key.signing_key()
    hashing = loading = 0.0
    copies = {table: f"COPY {table} ({', '.join(columns)}) FROM STDIN" for table, columns in (
        ("casework_case", CASE_COLUMNS), ("casework_auditevent", EVENT_COLUMNS),
        ("casework_decision", DECISION_COLUMNS),
        ("casework_entitlement", ENTITLEMENT_COLUMNS))}
    for lo in range(first, last + 1, COPY_CASES):
        t0 = time.perf_counter()
        cases, events, decisions, entitlements = [], [], [], []
        for case_id in range(lo, min(lo + COPY_CASES, last + 1)):
            prev = chain.GENESIS
            fields = case_events(case_id, p)
            i = case_id % PARENTS
            for f in fields:
                digest = chain.event_hash(**f, prev_hash=prev)
                detail = f["detail"]
                seal = chain.seal(key, case_id, f["seq"], digest) if f is fields[-1] else ""
                events.append((case_id, f["seq"], f["actor_id"], f["action"], f["from_status"],
                               f["to_status"], json.dumps(detail, ensure_ascii=False),
                               f["at"], prev, digest, seal))
                prev = digest
                if f["action"].startswith("decision_"):
                    decisions.append((case_id, detail["step"], "approve", detail["reason"],
                                      f["actor_id"], detail["task"], f["at"]))
                elif f["action"] == "granted":
                    day = f["at"].date()
                    entitlements.append((
                        case_id, p.households[i], p.applicants[i], p.program_id,
                        f"bench:{case_id}", p.area_id, detail["entitlement"],
                        detail["amount_yuan"], day, day + timedelta(days=3 * 365),
                        "live", f["at"], ""))
            submitted = fields[0]["at"]
            cases.append((case_id, p.households[i], p.applicants[i], p.program_id, p.area_id,
                          "approved", "", p.families[i], False, submitted,
                          submitted.date(), fields[-1]["at"], True,
                          "medical_discount@2025-01-01", "{}", "{}", "approve", len(fields),
                          prev, "consent", submitted, "v1", f"person:{p.applicants[i]}"))
        t1 = time.perf_counter()
        with transaction.atomic(), connection.cursor() as c:
            raw = c.cursor  # psycopg's cursor under Django's wrapper
            for table, rows in (("casework_case", cases), ("casework_auditevent", events),
                                ("casework_decision", decisions),
                                ("casework_entitlement", entitlements)):
                with raw.copy(copies[table]) as copy:
                    for row in rows:
                        copy.write_row(row)
        hashing += t1 - t0
        loading += time.perf_counter() - t1
    with cursor() as c:
        c.execute("SELECT setval(pg_get_serial_sequence('casework_case', 'id'), "
                  "(SELECT max(id) FROM casework_case))")
        c.execute("VACUUM (ANALYZE) casework_case, casework_auditevent")
    return hashing, loading


def table_sizes() -> str:
    parts = []
    for table in ("casework_auditevent", "casework_case"):
        heap = scalar("SELECT pg_table_size(%s)", [table])
        idx = scalar("SELECT pg_indexes_size(%s)", [table])
        parts.append(f"{table} {mib(heap)} + {mib(idx)} indexes")
    return "; ".join(parts)


# --------------------------------------------------------------------------- measuring


def event_stream():
    """What verify_all reads: every case's events in (case, seq) order as chain.Event."""
    from casework.history.verification import _events
    from casework.models import AuditEvent

    return _events(AuditEvent.objects.filter(case__isnull=False))


@dataclass
class Verified:
    wall: float
    cpu: float
    temp: int
    report: Any


def timed_verify(atomic: bool = False) -> Verified:
    from django.db import transaction

    from casework.history.verification import verify_all

    gc.collect()
    before = temp_bytes()
    t0, c0 = time.perf_counter(), time.process_time()
    if atomic:
        with transaction.atomic():
            report = verify_all()
    else:
        report = verify_all()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return Verified(wall, cpu, temp_bytes() - before, report)


def describe(report: Any) -> str:
    state = "intact" if report.intact else (f"BROKEN: {len(report.broken)} cases, "
                                            f"{len(report.bad_checkpoints)} checkpoints")
    return (f"{report.cases:,} cases, {report.events:,} events, {report.checkpoints} "
            f"checkpoints: {state}")


def first_event(atomic: bool) -> tuple[float, int]:
    """Seconds until the event stream yields its first event, and temp bytes meanwhile."""
    from django.db import transaction

    before = temp_bytes()
    t0 = time.perf_counter()
    if atomic:
        with transaction.atomic():
            stream = event_stream()
            next(stream)
            seconds = time.perf_counter() - t0
            stream.close()
    else:
        stream = event_stream()
        next(stream)
        seconds = time.perf_counter() - t0
        stream.close()
    return seconds, temp_bytes() - before


def read_orm() -> tuple[float, float, int]:
    gc.collect()
    t0, c0 = time.perf_counter(), time.process_time()
    n = sum(1 for _ in event_stream())
    return time.perf_counter() - t0, time.process_time() - c0, n


def read_psycopg() -> tuple[float, float, int]:
    """The same columns and order through plain psycopg: a named cursor in a transaction
    (no WITH HOLD), 5,000 rows a fetch, rows as tuples."""
    import psycopg

    from casework.history.verification import EVENT_COLUMNS as COLUMNS

    sql = (f"SELECT {', '.join(COLUMNS)} FROM casework_auditevent WHERE case_id IS NOT NULL "
           "ORDER BY case_id, seq, id")
    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
        conn.execute("SET TIME ZONE 'UTC'")
        gc.collect()
        t0, c0 = time.perf_counter(), time.process_time()
        with conn.cursor(name="bench_audit_read") as cur:
            cur.itersize = CHUNK
            cur.execute(sql)
            n = sum(1 for _ in cur)
        return time.perf_counter() - t0, time.process_time() - c0, n


STEPS = ("canonical", "timestamp", "dumps", "sha")


@dataclass
class Parts:
    """Wall and client-CPU seconds of each step of the hash, over every stored event."""

    events: int = 0
    wall: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STEPS, 0.0))
    cpu: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STEPS, 0.0))
    mismatched: int = 0
    canonical_bytes: int = 0


def component_pass() -> Parts:
    """Each step of the hash alone over every stored event, chunk by chunk; the reading
    (5,000 events at a time into a list) is not timed. ``canonical`` is the call
    ``Event.computed_hash`` makes (``chain.canonical`` with the event's fields as keyword
    arguments: timestamp, dict, rfc8785.dumps); ``timestamp`` and ``dumps`` are two of
    its steps alone (dumps over the same dicts, built untimed); ``sha`` hashes the bytes."""
    import rfc8785

    from casework.history import chain

    parts = Parts()
    stream = event_stream()
    wall, cpu = time.perf_counter, time.process_time
    canonical, timestamp = chain.canonical, chain.timestamp
    dumps, sha256 = rfc8785.dumps, hashlib.sha256
    gc.collect()

    def step(name: str, fn, items: list) -> list:
        w0, c0 = wall(), cpu()
        out = [fn(x) for x in items]
        parts.wall[name] += wall() - w0
        parts.cpu[name] += cpu() - c0
        return out

    while chunk := list(islice(stream, CHUNK)):
        blobs = step("canonical", lambda e: canonical(
            case_id=e.case_id, seq=e.seq, at=e.at, actor_id=e.actor_id, action=e.action,
            from_status=e.from_status, to_status=e.to_status, detail=e.detail,
            prev_hash=e.prev_hash), chunk)
        stamps = step("timestamp", lambda e: timestamp(e.at), chunk)
        objs = [{"case": e.case_id, "seq": e.seq, "at": s, "actor": e.actor_id,
                 "action": e.action, "from": e.from_status, "to": e.to_status,
                 "detail": e.detail, "prev": e.prev_hash}
                for e, s in zip(chunk, stamps, strict=True)]
        again = step("dumps", dumps, objs)
        digests = step("sha", lambda b: sha256(b).hexdigest(), blobs)
        parts.events += len(chunk)
        parts.canonical_bytes += sum(map(len, blobs))
        parts.mismatched += sum(d != e.hash for d, e in zip(digests, chunk, strict=True))
        parts.mismatched += sum(a != b for a, b in zip(again, blobs, strict=True))
    return parts


def timed_sealed() -> tuple[float, float, int, int]:
    """sealed_heads() alone: wall, CPU, checkpoints, leaves."""
    from casework.history.verification import sealed_heads

    gc.collect()
    t0, c0 = time.perf_counter(), time.process_time()
    sealed, _, count = sealed_heads()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return wall, cpu, count, sum(map(len, sealed.values()))


@dataclass
class Memory:
    events: int
    cases: int
    checkpoints: int
    stream_peak: int  # tracemalloc peak of verify_all, its sealed heads loaded beforehand
    traced_wall: float
    sealed_kept: int  # what sealed_heads() holds once it returned (tracemalloc current)
    sealed_peak: int  # and its peak while it reads and checks the checkpoints
    child: dict[str, Any]


def traced_verify() -> tuple[int, float, Any]:
    """verify_all under tracemalloc, with ``sealed_heads`` answered from a result made
    before tracing began: the peak is what streaming the events costs (the chunks, the
    events, the groups, what the loop keeps), on the same code path."""
    from casework.history import verification

    real = verification.sealed_heads
    preloaded = real()
    verification.sealed_heads = lambda public_key=None: preloaded
    try:
        gc.collect()
        tracemalloc.start()
        t0 = time.perf_counter()
        report = verification.verify_all()
        wall = time.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    finally:
        verification.sealed_heads = real
    return peak, wall, report


def traced_sealed() -> tuple[int, int]:
    from casework.history.verification import sealed_heads

    gc.collect()
    tracemalloc.start()
    kept = sealed_heads()
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del kept
    return current, peak


def child_verify() -> dict[str, Any]:
    """verify_all in a fresh process (this script with --child), for its RSS peak."""
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child"], cwd=ROOT,
                         env={**os.environ, "DJANGO_DEBUG": "False"}, capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def proc_status(key: str) -> int:
    """A size from /proc/self/status (VmRSS: resident now; VmHWM: its high-water mark)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(key)


def run_child() -> int:
    """The --child mode: Django set up (no migrations), one query, then verify_all. The
    RSS high-water mark is reset just before (Linux: ``5`` into /proc/self/clear_refs), so
    what it reports after is verify_all's own peak, not that of start-up."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.setdefault("DJANGO_DEBUG", "False")
    import django

    django.setup()
    from casework.history.verification import verify_all

    scalar("SELECT 1")
    gc.collect()
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")
    before = proc_status("VmRSS")
    t0 = time.perf_counter()
    report = verify_all()
    wall = time.perf_counter() - t0
    print(json.dumps({"before": before, "after": proc_status("VmHWM"), "wall": wall,
                      "events": report.events, "intact": report.intact}))
    return 0


def measure_memory() -> Memory:
    peak, wall, report = traced_verify()
    kept, sealed_peak = traced_sealed()
    return Memory(events=report.events, cases=report.cases, checkpoints=report.checkpoints,
                  stream_peak=peak, traced_wall=wall, sealed_kept=kept,
                  sealed_peak=sealed_peak, child=child_verify())


def events_plan() -> list[str]:
    from casework.history.verification import EVENT_COLUMNS as COLUMNS
    from casework.models import AuditEvent

    qs = (AuditEvent.objects.filter(case__isnull=False).order_by("case_id", "seq", "id")
          .values_list(*COLUMNS))
    return qs.explain().splitlines()


def profile() -> list[str]:
    from casework.history.verification import verify_all

    profiler = cProfile.Profile()
    profiler.enable()
    verify_all()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
    prefixes = [sysconfig.get_paths()["purelib"] + "/", str(ROOT) + "/",
                sysconfig.get_paths()["stdlib"] + "/"]
    lines = []
    for line in out.getvalue().splitlines():
        for prefix in prefixes:  # shorter paths: site-packages, the project, the stdlib
            line = line.replace(prefix, "")
        lines.append(line.rstrip())
    while lines and not lines[0].strip():
        lines.pop(0)
    return lines


# --------------------------------------------------------------------------- report


def report_memory(mem: Memory) -> None:
    child = mem.child
    print(f"  verify_all, streaming  traced peak {mib(mem.stream_peak):>10}  "
          f"({describe_short(mem)}; its sealed heads loaded before tracing; "
          f"{mem.events / mem.traced_wall:,.0f} events/s under tracemalloc)")
    print(f"  sealed_heads() alone   traced peak {mib(mem.sealed_peak):>10}, keeps "
          f"{mib(mem.sealed_kept)} for the whole run (the signed heads of "
          f"{mem.checkpoints} checkpoint(s))")
    print(f"  verify_all, fresh process  RSS {mib(child['before'])} before, peak "
          f"{mib(child['after'])} during it (+{mib(child['after'] - child['before'])}); "
          f"{child['events'] / child['wall']:,.0f} events/s, "
          f"{'intact' if child['intact'] else 'BROKEN'}")


def describe_short(mem: Memory) -> str:
    return f"{mem.events:,} events, {mem.cases:,} cases, {mem.checkpoints} checkpoint(s)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=EVENTS,
                        help=f"audit events at the full size, {PER_CASE} a case (default "
                        f"{EVENTS:,}); memory is also measured at a tenth of them")
    parser.add_argument("--no-profile", dest="profile", action="store_false",
                        help="skip the cProfile run of verify_all")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return run_child()
    if args.events % (PER_CASE * SMALL_SHARE) or args.events < PER_CASE * SMALL_SHARE:
        parser.error(f"--events must be a positive multiple of {PER_CASE * SMALL_SHARE}")
    cases = args.events // PER_CASE
    small_cases = cases // SMALL_SHARE

    open_database(DEFAULT_DATABASE_URL)
    from importlib.metadata import version

    from django.conf import settings

    from casework.history.verification import seal_checkpoint

    wipe()
    print_header("Audit benchmark: verify every case's hash chain "
                 "(casework.history.verification.verify_all)")
    print(f"django      DEBUG={settings.DEBUG}; rfc8785 {version('rfc8785')}, psycopg "
          f"{version('psycopg')}")
    print(f"events      {args.events:,} in {cases:,} cases x {PER_CASE} (a granted "
          f"application: submitted ... granted), {PARENTS} real households as parents")
    print(f"start       {load()}")

    parents = make_parents()
    memory: list[Memory] = []
    print()
    print("set-up (hashes by chain.event_hash, rows by COPY, 2,000 cases a transaction; "
          "then VACUUM ANALYZE and a sealed checkpoint)")
    done = 0
    for upto in (small_cases, cases):
        hashing, loading = add_cases(parents, done + 1, upto)
        n = (upto - done) * PER_CASE
        t0 = time.perf_counter()
        checkpoint = seal_checkpoint()
        sealed = time.perf_counter() - t0
        print(f"  cases {done + 1:,}..{upto:,}: {n:,} events made and hashed in {hashing:.1f} s "
              f"({us(hashing, n)}), loaded in {loading:.1f} s; checkpoint of "
              f"{checkpoint.size:,} heads sealed in {sealed:.2f} s")
        print(f"    {table_sizes()}")
        done = upto
        print()
        print(f"memory at {upto * PER_CASE:,} events")
        mem = measure_memory()
        memory.append(mem)
        report_memory(mem)
        print()

    n = args.events
    print(f"speed at {n:,} events")
    plan = events_plan()
    print("  plan of the event stream's query (EXPLAIN):")
    for line in plan:
        print(f"    {line}")
    psy_wall, psy_cpu, psy_n = read_psycopg()  # also warms the OS cache for what follows
    orm_wall, orm_cpu, orm_n = read_orm()
    plain = timed_verify()
    inside = timed_verify(atomic=True)
    first_hold, first_hold_temp = first_event(atomic=False)
    first_tx, first_tx_temp = first_event(atomic=True)
    parts = component_pass()
    seal_wall, seal_cpu, seal_count, seal_leaves = timed_sealed()
    pw, pc = parts.wall, parts.cpu
    print(f"  verify_all()             {rate(n, plain.wall)}  ({plain.wall:.2f} s wall, "
          f"{plain.cpu:.2f} s client CPU = {us(plain.cpu, n)}; server temp files "
          f"{mib(plain.temp)})")
    print(f"                           {describe(plain.report)}")
    print(f"  verify_all() in atomic() {rate(n, inside.wall)}  ({inside.wall:.2f} s wall, "
          f"{inside.cpu:.2f} s client CPU; server temp files {mib(inside.temp)})")
    print(f"  first event of the stream: {first_hold:.2f} s in autocommit (cursor WITH HOLD, "
          f"temp files {mib(first_hold_temp)}), {1e3 * first_tx:.1f} ms in a transaction "
          f"(temp files {mib(first_tx_temp)})")
    print(f"  reading alone, ORM       {rate(orm_n, orm_wall)}  (verification._events: "
          f"{orm_wall:.2f} s wall, {orm_cpu:.2f} s client CPU = {us(orm_cpu, orm_n)})")
    print(f"  reading alone, psycopg   {rate(psy_n, psy_wall)}  (named cursor in a "
          f"transaction, {CHUNK:,} a fetch: {psy_wall:.2f} s wall, {psy_cpu:.2f} s client "
          f"CPU = {us(psy_cpu, psy_n)})")
    print(f"  sealed_heads() alone     {seal_wall:.2f} s wall, {seal_cpu:.2f} s CPU for "
          f"{seal_count} checkpoints, {seal_leaves:,} heads ({1e6 * seal_cpu / seal_leaves:.1f} "
          "us CPU a head: leaves read, Merkle root and signature checked)")
    labels = {"canonical": "chain.canonical alone   ", "timestamp": "  chain.timestamp alone ",
              "dumps": "  rfc8785.dumps alone   ", "sha": "hashlib.sha256 alone    "}
    for name, label in labels.items():
        extra = ""
        if name == "canonical":
            extra = (f"; {parts.canonical_bytes / parts.events:.0f} bytes an event; "
                     "timestamp, dict, dumps")
        if name == "sha":
            extra = (f"; {parts.events - parts.mismatched:,} of {parts.events:,} equal the "
                     "stored hash")
        print(f"  {label} {rate(n, pw[name])}  ({us(pw[name], n)} wall, "
              f"{us(pc[name], n)[:-9]} CPU{extra})")
    print()
    print("ratios")
    print(f"  verify_all / hashlib alone            {pw['sha'] / plain.wall:.4f}  "
          f"(verify_all {rate(n, plain.wall).strip()}, hashlib alone "
          f"{rate(n, pw['sha']).strip()})")
    print(f"  verify_all / rfc8785.dumps alone      {pw['dumps'] / plain.wall:.3f}")
    both = pw["canonical"] + pw["sha"]
    print(f"  verify_all / canonical+hashing alone  {both / plain.wall:.3f}")
    print(f"  verify_all / reading alone (ORM)      {orm_wall / plain.wall:.3f}")
    print("  verify_all's time by part (each part timed alone above; wall - CPU is waiting "
          "for the server, or for a core)")
    other_w = pw["canonical"] - pw["timestamp"] - pw["dumps"]
    other_c = pc["canonical"] - pc["timestamp"] - pc["dumps"]
    rows = [("reading from PostgreSQL (ORM rows -> chain.Event)", orm_wall, orm_cpu),
            ("checkpoints: sealed_heads()", seal_wall, seal_cpu),
            ("canonicalising: chain.canonical", pw["canonical"], pc["canonical"]),
            ("  of which chain.timestamp", pw["timestamp"], pc["timestamp"]),
            ("  of which rfc8785.dumps", pw["dumps"], pc["dumps"]),
            ("  of which the call and the dict", other_w, other_c),
            ("hashing: hashlib.sha256", pw["sha"], pc["sha"])]
    parts_w = orm_wall + seal_wall + pw["canonical"] + pw["sha"]
    parts_c = orm_cpu + seal_cpu + pc["canonical"] + pc["sha"]
    rows.append(("the rest (groupby, verify_chain, event_hash's call)",
                 plain.wall - parts_w, plain.cpu - parts_c))
    print(f"    {'part':<56} {'wall s':>8} {'%':>6} {'CPU s':>8} {'%':>6}")
    for label, w, c in rows:
        print(f"    {label:<56} {w:8.2f} {100 * w / plain.wall:6.1f} {c:8.2f} "
              f"{100 * c / plain.cpu:6.1f}")
    print(f"    {'verify_all()':<56} {plain.wall:8.2f} {100.0:6.1f} {plain.cpu:8.2f} "
          f"{100.0:6.1f}")
    print()
    small, full = memory
    print("memory of verify_all by size")
    print(f"  {'events':>10} {'cases':>8} {'checkpoints':>11} {'streaming peak':>15} "
          f"{'sealed_heads peak':>18} {'sealed kept':>12} {'RSS growth':>11}")
    for mem in memory:
        print(f"  {mem.events:>10,} {mem.cases:>8,} {mem.checkpoints:>11} "
              f"{mib(mem.stream_peak):>15} {mib(mem.sealed_peak):>18} "
              f"{mib(mem.sealed_kept):>12} {mib(mem.child['after'] - mem.child['before']):>11}")
    growth = full.stream_peak / max(1, small.stream_peak)
    rss = ((full.child["after"] - full.child["before"])
           / max(1, small.child["after"] - small.child["before"]))
    print(f"  streaming peak (tracemalloc) at {full.events:,} / at {small.events:,}: "
          f"{growth:.2f}  (flat if <= {FLAT}) {verdict(growth <= FLAT)}")
    print(f"  RSS growth of the whole verify_all at {full.events:,} / at {small.events:,}: "
          f"{rss:.2f}  (flat if <= {FLAT}) {verdict(rss <= FLAT)}")
    if args.profile:
        print()
        print(f"profile: verify_all() under cProfile at {n:,} events, top 15 by own time")
        for line in profile():
            print(f"  {line}")
    print()
    print(f"end         {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
