"""Eligibility benchmark: the yearly re-certification of a district-sized register.

What it measures: ``workflows.recertification.recertify`` (the code behind
``manage.py recertify`` and its Celery task) over 300,000 households, each with a live
entitlement, on PostgreSQL: reading the register in chunks (``casework.register.bulk_facts``, the
next chunk read ahead on a second connection), evaluating every entitlement against the
year's rules, and opening a review flow for the few (1 in 1,000) that no longer qualify,
a chunk per transaction with its checkpoint. It prints

- households/s end to end, the client CPU behind it, and the time the reviews took;
- the same facts evaluated already in memory (``evaluate()`` alone over the first
  50,000, read beforehand), the ratio between the two (what reading the register and
  writing the run cost), and the reader alone over those 50,000;
- the peak of Python memory (tracemalloc) of a run over the first 50,000 households and
  of one over all 300,000 (other years, so each run does the whole work), with the
  process's max RSS: neither may grow with the register.

Run from the project root::

    .venv/bin/python bench/eligibility.py [--households N] [--chunk-size N] [--profile]

It needs PostgreSQL (``DATABASE_URL``, default
``postgres://postgres@127.0.0.1:5432/bench_eligibility``). The database is created if
missing and migrated; the bench *truncates* the register, case and workflow tables
before each run, so it refuses any database whose name does not start with ``bench``.

A benchmark reports, it does not assert: the target is printed as PASS/MISS and the
exit code is 0 whatever it says.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import pstats
import resource
import sys
import time
import tracemalloc
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench_eligibility"
os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)

# the set-up every PostgreSQL benchmark shares: its own bench_* database, created and
# migrated, DEBUG off, an in-memory Celery broker, and a wipe before each run
from bench.lifecycle import (  # noqa: E402
    BROKER_URL,
    database_url,
    ensure_database,
    load,
    machine,
    setup_django,
    wipe,
)

HOUSEHOLDS = 300_000
SMALL = 50_000  # the smaller run of the memory comparison, and the in-memory sample
RATE_TARGET = 20_000  # households/s end to end, one core (issue 3)
YEAR = 2026  # the timed run; the memory runs use the next two years
TOWNSHIPS = 11
VILLAGES_PER_TOWNSHIP = 22
DISTRICT = "330703"
# Of every 1,000 households, this many hold a pension subsidy and are aged 61 to 63 on
# 1 January: the parameter change below (min_age 60 -> 65 from YEAR) fails them.
FLAGGED_PER_MILLE = 1


# --------------------------------------------------------------------------- setup






# --------------------------------------------------------------------------- register

# Household i (1..N) is generated in SQL from i alone, so the register is the same on
# every run. Buckets of i % 100 choose the program its head holds:
PROGRAM_BUCKETS = (  # (program, upper bound of i % 100)
    ("medical_discount", 60), ("pension_subsidy", 75), ("health_check", 85),
    ("welfare_grant", 93), ("assistance_pairing", 97), ("income_project", 100),
)


def _program_case(programs: dict[str, int]) -> str:
    """SQL: the program id of household ``i``."""
    whens = " ".join(f"WHEN i % 100 < {bound} THEN {programs[code]}"
                     for code, bound in PROGRAM_BUCKETS)
    return f"(CASE {whens} END)"


def build_register(count: int) -> dict[str, int]:
    """Areas, programs (with the parameter change that fails a few), and ``count``
    households with their members, memberships, one granted case and one live
    entitlement each: a few set-based INSERT ... SELECT statements, seconds not minutes.

    Every household still qualifies for its program under the year's rules except
    ``FLAGGED_PER_MILLE`` per thousand: pension holders aged 61 to 63 when the
    pension's minimum age rises from 60 to 65.
    """
    from django.db import connection

    from casework.models import Area, User
    from eligibility.defaults import install_programs
    from eligibility.models import PolicyParameter

    programs = {code: p.pk for code, p in install_programs().items()}
    # a new dated value: the old period ends the day before (periods never overlap)
    PolicyParameter.objects.filter(program_id=programs["pension_subsidy"], key="min_age",
                                   effective_to__isnull=True).update(
        effective_to=date(YEAR - 1, 12, 31))
    PolicyParameter.objects.create(program_id=programs["pension_subsidy"], key="min_age",
                                   value=65, effective_from=date(YEAR, 1, 1),
                                   source_document="bench: minimum age raised")
    district = Area.objects.create(code=DISTRICT, name="金东区", level=Area.Level.DISTRICT)
    villages = []
    enrolled = list(range(2020, 2031))
    for t in range(TOWNSHIPS):
        township = Area.objects.create(code=f"{DISTRICT}{100 + t:03d}", name=f"镇{t}",
                                       level=Area.Level.TOWNSHIP, parent=district)
        villages += [Area(code=f"{township.code}{200 + v:03d}", name=f"村{t}-{v}",
                          level=Area.Level.VILLAGE, parent=township,
                          health_check_enrolled_years=enrolled)
                     for v in range(VILLAGES_PER_TOWNSHIP)]
    Area.objects.bulk_create(villages)
    clerk = User(username="bench_clerk", role=User.Role.VILLAGE_REVIEWER, area=district)
    clerk.set_unusable_password()
    clerk.save()

    codes = "ARRAY[" + ", ".join(f"'{v.code}'" for v in villages) + "]"
    village = f"({codes})[1 + i % {len(villages)}]"
    program = _program_case(programs)
    pension = "(i % 100 >= 60 AND i % 100 < 75)"
    hardship = "(i % 100 >= 85 AND i % 100 < 97)"
    size = "(1 + i % 4)"
    flagged = f"(i % 1000 < {FLAGGED_PER_MILLE} + 60 AND i % 1000 >= 60)"
    # the head's birth date by program: pension holders 66 to 85 (the flagged ones 61 to
    # 63), income-project applicants 25 to 55, everyone else 30 to 75, on 1 January YEAR
    head_birth = (
        f"CASE WHEN {flagged} THEN DATE '{YEAR - 63}-01-02' + (i % 900) "
        f"WHEN {pension} THEN DATE '{YEAR - 86}-01-02' + (i % 7000) "
        f"WHEN i % 100 >= 97 THEN DATE '{YEAR - 56}-01-02' + (i % 10000) "
        f"ELSE DATE '{YEAR - 76}-01-02' + (i % 16000) END"
    )
    from casework.personal import crypto

    sealed_id = crypto.encrypt("330703196001010011")
    sealed_phone = crypto.encrypt("13800000000")
    statements = [
        f"""INSERT INTO casework_household (id, number, area_id, address, registration,
            one_child_certificate_date, two_daughter_household, second_birth_renounced_date,
            hardship, special_family, annual_income_yuan, paired, created, updated)
        SELECT i, 'BH' || lpad(i::text, 9, '0'), {village}, '',
            CASE WHEN i % 10 = 3 THEN 'migrant' ELSE 'local' END,
            CASE WHEN i % 7 = 0 THEN NULL ELSE DATE '1990-01-01' + (i % 3000) END,
            i % 7 = 0,
            CASE WHEN {pension} OR i % 5 = 0 THEN DATE '1988-05-01' + (i % 2000) END,
            {hardship}, CASE WHEN {hardship} AND i % 9 = 0 THEN 'lost_only_child' ELSE '' END,
            CASE WHEN {hardship} OR i % 100 >= 97 THEN (8000 + i % 1000) * {size}
                 ELSE 30000 + (i % 50000) + 0.5 END,
            false, now(), now()
        FROM generate_series(1, {count}) AS i""",
        # members: the head (k = 0) and up to three more; person id 4i + k
        # identity numbers and phones are stored encrypted with a keyed hash; the checks
        # never read them, but opening a review reads its applicant (the family's SMS), so
        # everyone shares one sealed number and one sealed phone (as bench/inbox.py does)
        f"""INSERT INTO casework_person (id, household_id, name, id_number_enc, id_number_hash,
            sex, birth_date, phone_enc, phone_hash, relationship, pension_insured)
        SELECT 4 * i + k, i, '成员' || i || '-' || k, '{sealed_id}', md5((4 * i + k)::text),
            CASE WHEN k = 1 THEN 'F' ELSE 'M' END,
            CASE WHEN k = 0 THEN {head_birth} WHEN k = 1 THEN DATE '1950-01-01' + (i % 20000)
                 ELSE DATE '1985-01-01' + (i % 12000) END,
            '{sealed_phone}', md5('138' || i),
            CASE k WHEN 0 THEN 'head' WHEN 1 THEN 'spouse' ELSE 'child' END,
            k < 2
        FROM generate_series(1, {count}) AS i, generate_series(0, 3) AS k
        WHERE k < {size}""",
        # the head and every spouse are members; some left, some only joined this year
        """INSERT INTO casework_membership (person_id, number, joined, "left", role,
            dues_paid_years)
        SELECT p.id, 'BM' || p.id, DATE '2010-01-01' + (p.id % 3000)::int,
            CASE WHEN p.id % 4 = 1 AND p.id % 3 = 0 THEN DATE '2024-06-01' END,
            'member', '[]'::jsonb
        FROM casework_person p WHERE p.id % 4 < 2""",
        f"""INSERT INTO casework_case (id, household_id, applicant_id, program_id, area_id,
            status, statement, filed_by_id, on_behalf, submitted_at, application_date,
            closed_at, eligible, rule_version, eligibility, facts,
            last_decision, version, audit_head, legal_basis, consent_text, unit_key)
        SELECT i, i, 4 * i, {program}, {village}, 'approved', '', {clerk.pk}, true,
            TIMESTAMPTZ '2024-03-01 09:00+08', DATE '2024-03-01',
            TIMESTAMPTZ '2024-03-20 09:00+08', true, '', '{{}}'::jsonb, '{{}}'::jsonb,
            'approve', 4, '', 'consent', '', 'household:' || i
        FROM generate_series(1, {count}) AS i""",
        f"""INSERT INTO casework_entitlement (id, case_id, household_id, person_id, program_id,
            area_id, number, amount_yuan, valid_from, valid_to, state, issued_at, unit_key,
            end_reason)
        SELECT i, i, i, 4 * i, {program}, {village}, 'BE' || lpad(i::text, 9, '0'),
            CASE WHEN {pension} THEN 600 WHEN i % 100 >= 85 AND i % 100 < 93 THEN 3000
                 ELSE 0 END,
            DATE '{YEAR - 1}-03-01', DATE '{YEAR + 3}-02-28', 'live',
            TIMESTAMPTZ '{YEAR - 1}-03-01 09:00+08',
            'household:' || i,  -- one entitlement per household: a unit of its own
            ''
        FROM generate_series(1, {count}) AS i""",
    ]
    with connection.cursor() as cursor:
        # The register is synthetic: its 1.9 million rows go in with user triggers off
        # (this session only), so the register-change log (casework_registerchange, one
        # JSON row per insert) does not record their making; it would take minutes and
        # log nothing the run reads. The timed run writes none of the logged tables.
        cursor.execute("SET session_replication_role = replica")
        try:
            for statement in statements:
                cursor.execute(statement)
        finally:
            cursor.execute("RESET session_replication_role")
        for table in ("casework_household", "casework_person", "casework_membership",
                      "casework_case", "casework_entitlement"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                           f"(SELECT max(id) FROM {table}))")
        cursor.execute("ANALYZE")
    return programs


# --------------------------------------------------------------------------- measuring


class _Enough(Exception):
    """Stops a run after a number of households (raised after a committed chunk)."""


def run_year(year: int, chunk_size: int, *, limit: int | None = None,
             traced: bool = False) -> dict[str, float]:
    """One re-certification run of ``year`` through ``workflows.recertification.recertify``;
    with ``limit`` it stops after the chunk that reaches that many households. Returns
    wall and CPU seconds, households checked, reviews opened, seconds spent opening them,
    and (``traced``) the tracemalloc peak of the run."""
    from casework.models import RecertificationRun
    from workflows.recertification import flow as recert

    opening = [0.0]
    real_open = recert._open_reviews

    def timed_open(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return real_open(*args, **kwargs)
        finally:
            opening[0] += time.perf_counter() - t0

    checked = [0]

    def progress(n: int) -> None:
        checked[0] += n
        if limit is not None and checked[0] >= limit:
            raise _Enough

    recert._open_reviews = timed_open
    gc.collect()
    if traced:
        tracemalloc.start()
        tracemalloc.reset_peak()
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        recert.recertify(year=year, chunk_size=chunk_size, progress=progress)
    except _Enough:
        pass
    finally:
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        peak = tracemalloc.get_traced_memory()[1] if traced else 0
        if traced:
            tracemalloc.stop()
        recert._open_reviews = real_open
    run = RecertificationRun.objects.get(year=year)
    return {"wall": wall, "cpu": cpu, "checked": checked[0], "flagged": run.flagged,
            "skipped": run.skipped, "opening": opening[0], "peak": peak,
            "maxrss": maxrss_mb()}


def in_memory_rate(year: int, count: int, chunk_size: int) -> dict[str, float]:
    """Read the facts of the first ``count`` entitlements into memory (timed: the reader
    alone, prefetching as the run does), then evaluate them with the rules the year's run
    applied (timed: the floor, no database at all)."""
    from casework.models import RecertificationRun
    from casework.register.bulk_facts import iter_entitlement_chunks
    from eligibility.evaluate import evaluate

    run = RecertificationRun.objects.get(year=year)
    rules = {code: (rule["parameters"], rule["rule_version"]) for code, rule in run.rules.items()}
    gc.collect()
    t0, c0 = time.perf_counter(), time.process_time()
    rows = []
    for chunk in iter_entitlement_chunks(run.on, chunk_size=chunk_size, exclude_self=True,
                                         prefetch=True):
        rows += chunk
        if len(rows) >= count:
            break
    read_seconds, read_cpu = time.perf_counter() - t0, time.process_time() - c0
    rows = rows[:count]
    on = run.on
    gc.collect()
    t0 = time.perf_counter()
    failing = 0
    for _, code, facts in rows:
        params, version = rules[code]
        if not evaluate(facts, code, params, on, version).eligible:
            failing += 1
    seconds = time.perf_counter() - t0
    return {"rate": len(rows) / seconds, "read_rate": len(rows) / read_seconds,
            "read_cpu_us": 1e6 * read_cpu / len(rows), "eval_us": 1e6 * seconds / len(rows),
            "failing": failing, "count": len(rows)}


def maxrss_mb() -> float:
    """The process's resident-set high-water mark so far (Linux: KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --------------------------------------------------------------------------- report


def git_state() -> str:
    import subprocess

    try:
        return subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT,
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"




def register_shape() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        counts = []
        for label, table in (("households", "casework_household"),
                             ("persons", "casework_person"),
                             ("memberships", "casework_membership"),
                             ("entitlements", "casework_entitlement")):
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            counts.append(f"{cursor.fetchone()[0]:,} {label}")
        cursor.execute("SELECT g.code, COUNT(*) FROM casework_entitlement e JOIN "
                       "eligibility_program g ON g.id = e.program_id GROUP BY g.code "
                       "ORDER BY COUNT(*) DESC")
        mix = ", ".join(f"{code} {n:,}" for code, n in cursor.fetchall())
    return ", ".join(counts) + f"\n            entitlements by program: {mix}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=HOUSEHOLDS,
                        help=f"households in the register (default {HOUSEHOLDS:,})")
    parser.add_argument("--chunk-size", type=int, default=2000,
                        help="entitlements per chunk (default 2000, as manage.py recertify)")
    parser.add_argument("--profile", action="store_true",
                        help="also run the timed pass's year again under cProfile (restart) "
                             "and print the top 20 functions by own time")
    args = parser.parse_args(argv)
    count = args.households
    small = min(SMALL, count)
    if count < 1 or args.chunk_size < 1:
        parser.error("--households and --chunk-size must be at least 1")

    url = database_url()
    ensure_database(url)
    setup_django()
    from django.conf import settings
    from django.db import connection

    wipe()
    t0 = time.perf_counter()
    build_register(count)
    built = time.perf_counter() - t0
    db = connection.settings_dict
    print("Eligibility benchmark: yearly re-certification (workflows.recertification.recertify)")
    print(f"code        git {git_state()}")
    print(f"machine     {machine()}")
    print(f"database    {db['HOST']}:{db['PORT']}/{db['NAME']}")
    print(f"django      DEBUG={settings.DEBUG}, celery broker {BROKER_URL}")
    print(f"register    {register_shape()}")
    print(f"            built in {built:.1f} s (INSERT ... SELECT generate_series, then ANALYZE)")
    print(f"rules       as of 1 January; pension min_age 60 -> 65 from {YEAR}, which fails "
          f"{FLAGGED_PER_MILLE} household in 1,000")
    print(f"chunks      {args.chunk_size} entitlements per chunk and transaction")
    print(f"start       {load()}")

    timed = run_year(YEAR, args.chunk_size)
    memory_small = run_year(YEAR + 1, args.chunk_size, limit=small, traced=True)
    memory_full = run_year(YEAR + 2, args.chunk_size, traced=True)
    memory = in_memory_rate(YEAR, small, args.chunk_size)
    print(f"end         {load()}")

    rate = timed["checked"] / timed["wall"]
    mem_rate = memory["rate"]
    print()
    print("results")
    print(f"  end to end             {rate:10,.0f} households/s  ({timed['checked']:,} in "
          f"{timed['wall']:.2f} s wall, {timed['cpu']:.2f} s client CPU = "
          f"{1e6 * timed['cpu'] / timed['checked']:.1f} us/household)")
    print(f"  of which reviews       {timed['flagged']:10,} opened in {timed['opening']:.2f} s "
          f"(a viewflow process and task, history, messages; while the next chunk is read)")
    print(f"  in memory              {mem_rate:10,.0f} households/s  (evaluate() alone over "
          f"{memory['count']:,} facts already read, {memory['eval_us']:.1f} us each; "
          f"{memory['failing']} fail)")
    print(f"  ratio end to end / in memory   {rate / mem_rate:.3f}")
    print(f"  reading alone          {memory['read_rate']:10,.0f} households/s  (the same "
          f"{memory['count']:,} facts from the register, chunks read ahead; "
          f"{memory['read_cpu_us']:.1f} us client CPU each)")
    print("  memory (tracemalloc peak of the run; process max RSS after it)")
    for label, run in ((f"{small:,} households ({YEAR + 1})", memory_small),
                       (f"{memory_full['checked']:,} households ({YEAR + 2})", memory_full)):
        print(f"    {label:<28} peak {run['peak'] / 2**20:7.2f} MiB   max RSS "
              f"{run['maxrss']:7.1f} MiB   ({run['checked'] / run['wall']:,.0f}/s traced)")
    print(f"    timed run ({YEAR}, untraced)   max RSS {timed['maxrss']:7.1f} MiB")
    growth = memory_full["peak"] / max(1, memory_small["peak"])
    print(f"    peak at {memory_full['checked']:,} / peak at {small:,}: {growth:.2f}")
    print()
    print("target (issue 3)")
    print(f"  >= {RATE_TARGET:,} households/s end to end   {rate:10,.0f}   "
          f"{'PASS' if rate >= RATE_TARGET else 'MISS'}")
    print(f"  memory flat (peak ratio <= 1.2)        {growth:10.2f}   "
          f"{'PASS' if growth <= 1.2 else 'MISS'}")

    if args.profile:
        from workflows.recertification.flow import recertify

        profiler = cProfile.Profile()
        profiler.enable()
        recertify(year=YEAR, chunk_size=args.chunk_size, restart=True)
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(20)
        print()
        print(f"profile: re-run of {YEAR} (restart), top 20 by own time")
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
