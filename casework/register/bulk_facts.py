"""Facts snapshots for many entitlements or persons at once, in constant memory.

``casework.register.facts.build_facts`` reads one applicant in four queries and a dozen ORM
instances: right for one application, far too slow for a district's register. The
readers here build the same ``Facts`` for a whole chunk of entitlements (the yearly
re-certification) or persons (the what-if simulator) from two or three set-based raw
SQL queries per chunk, whatever its size, straight from tuples: no model instances.

Chunks follow the primary key (keyset pagination, ``id > last seen``): memory holds one
chunk, no cursor stays open between chunks (a caller may commit between them), and a
caller can checkpoint the last id of a chunk and resume after it. A server-side cursor
would stream too, but it cannot outlive the per-chunk commits of a resumable run
without ``WITH HOLD`` (which materialises the whole result at the first commit); instead
``EntitlementChunks`` reads the next chunk ahead on a second connection, so the
database works while Python evaluates.

What a chunk costs: one query for its rows (ids first, in a materialised CTE, then each
row's person and household, and the programs the person holds from open cases and live
entitlements through correlated lookups on their indexes), one for every member of
those households (the membership's state on the date decided in SQL), and, only when
the chunk holds health checks, one to count this year's. The villages' health-check
years are read once per reader.

What it costs in Python, per entitlement (the client's CPU is the limit of a
re-certification, not the database): the rows go from psycopg's tuples straight into
``PersonFacts.from_values`` and ``Facts.from_values`` (the frozen dataclasses' own
``__init__`` cost more than the rest of the loop), grouped by household with
``itertools.groupby``; and while a reader is open the cyclic garbage collector is kept
from walking the whole process on every full pass (``spare_collector`` below), which
was half the reader's time.
"""

from __future__ import annotations

import gc
import json
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from itertools import groupby
from operator import itemgetter
from typing import Any

from django.db import connection, connections

from eligibility.facts import Facts, PersonFacts

from ..healthchecks.models import HealthCheckCampaign, HealthCheckRecord
from ..models import (
    OPEN_STATUSES,
    Area,
    Case,
    Entitlement,
    Household,
    Membership,
    Person,
)

DEFAULT_CHUNK = 2000
HEALTH_CHECK = "health_check"
_CENT = Decimal("0.01")
_ZERO = Decimal("0")
_first = itemgetter(0)

# (entitlement id, program code, facts)
EntitlementFacts = tuple[int, str, Facts]

_T = {
    "area": Area._meta.db_table,
    "case": Case._meta.db_table,
    "entitlement": Entitlement._meta.db_table,
    "household": Household._meta.db_table,
    "membership": Membership._meta.db_table,
    "person": Person._meta.db_table,
    "program": Entitlement._meta.get_field("program").related_model._meta.db_table,
    "campaign": HealthCheckCampaign._meta.db_table,
    "check": HealthCheckRecord._meta.db_table,
}
_CHECKED = tuple(str(r) for r in HealthCheckRecord.CHECKED)
_OPEN = tuple(str(s) for s in OPEN_STATUSES)
_LIVE = str(Entitlement.State.LIVE)

# The anchor query of a chunk returns one row per entitlement (or person), laid out as
#   0 key id, 1 program code, 2 valid from, 3 person id,
#   4..13 the household's columns, 14 open-case programs, 15 live-entitlement programs
# (the last two comma-separated, from correlated lookups on the person's indexes).
_HOUSEHOLD_COLUMNS = (
    "h.id, h.area_id, h.registration, h.one_child_certificate_date, "
    "h.two_daughter_household, h.second_birth_renounced_date, h.hardship, "
    "h.special_family, h.annual_income_yuan, h.paired"
)


def _held_columns(person: str) -> str:
    aggregate = "string_agg" if connection.vendor == "postgresql" else "group_concat"
    return (
        f"(SELECT {aggregate}(g2.code, ',') FROM {_T['case']} c2 "
        f"JOIN {_T['program']} g2 ON g2.id = c2.program_id "
        f"WHERE c2.applicant_id = {person} "
        f"AND c2.status IN ({', '.join(['%s'] * len(_OPEN))})), "
        f"(SELECT {aggregate}(g3.code, ',') FROM {_T['entitlement']} x "
        f"JOIN {_T['program']} g3 ON g3.id = x.program_id "
        f"WHERE x.person_id = {person} AND x.state = %s)"
    )


def _running(renewable: str) -> str:
    """The period condition: an entitlement running on the day (``valid_to >= %s``), or
    one of a program re-certification renews whose period ended the day before (a
    calendar-year grant of last year, kept live through its grace to be renewed)."""
    return f"(e.valid_to >= %s OR (e.valid_to >= %s AND e.program_id {renewable}))"


def _entitlement_chunk_sql(renewable: str) -> str:
    # the chunk's ids first (an index range scan, materialised), then one lookup per row:
    # without the fence the planner may choose a parallel plan whose start-up costs more
    # than the whole chunk
    return f"""
WITH c AS MATERIALIZED (
    SELECT e.id, e.program_id, e.valid_from, e.person_id
    FROM {_T['entitlement']} e
    WHERE e.state = %s AND e.id > %s AND e.valid_from < %s AND {_running(renewable)}
    ORDER BY e.id
    LIMIT %s
)
SELECT c.id, g.code, c.valid_from, c.person_id, {_HOUSEHOLD_COLUMNS},
       {_held_columns("c.person_id")}
FROM c
JOIN {_T['program']} g ON g.id = c.program_id
JOIN {_T['person']} p ON p.id = c.person_id
JOIN {_T['household']} h ON h.id = p.household_id
ORDER BY c.id
"""


def _person_chunk_sql() -> str:
    return f"""
WITH c AS MATERIALIZED (
    SELECT p.id, p.household_id
    FROM {_T['person']} p
    WHERE p.id > %s AND p.household_id IN (
        SELECT h0.id FROM {_T['household']} h0 WHERE h0.area_id LIKE %s)
    ORDER BY p.id
    LIMIT %s
)
SELECT c.id, NULL, NULL, c.id, {_HOUSEHOLD_COLUMNS}, {_held_columns("c.id")}
FROM c
JOIN {_T['household']} h ON h.id = c.household_id
ORDER BY c.id
"""


_ENTITLEMENT_COUNT = f"""
SELECT COUNT(*) FROM {_T['entitlement']} e
WHERE e.state = %s AND e.id > %s AND e.valid_from < %s AND {{running}}
"""


def _period_params(on: date, renewable: Sequence[int]) -> tuple[str, list[Any]]:
    """The SQL of ``_running`` for these renewable program ids, and its parameters."""
    where, ids = _in(renewable)
    return _running(where), [on, on - timedelta(days=1), *ids]

# members of the chunk's households, with the membership's state on the date decided
# here (a correlated lookup on the membership's unique person index: the planner would
# otherwise hash-join the whole membership table)
_MEMBERS = f"""
SELECT p.household_id, p.id, p.sex, p.birth_date, p.relationship, p.pension_insured,
       (SELECT CASE WHEN m.joined <= %s AND (m."left" IS NULL OR m."left" > %s) THEN 1
               ELSE 0 END
        FROM {_T['membership']} m WHERE m.person_id = p.id)
FROM {_T['person']} p
WHERE p.household_id {{ids}}
ORDER BY p.household_id, p.id
"""

# a person's checks this year: granted on application (any state), or done in the
# village's campaign (casework.healthchecks), counted in one statement
_HEALTH_CHECKS = f"""
SELECT t.person_id, COUNT(*) FROM (
    SELECT x.person_id
    FROM {_T['entitlement']} x JOIN {_T['program']} g ON g.id = x.program_id
    WHERE g.code = %s AND x.valid_from >= %s AND x.valid_from <= %s AND x.person_id {{ids}}
    UNION ALL
    SELECT r.person_id
    FROM {_T['check']} r JOIN {_T['campaign']} c ON c.id = r.campaign_id
    WHERE c.year = %s AND r.result IN ({', '.join(['%s'] * len(_CHECKED))})
      AND r.person_id {{ids}}
) t
GROUP BY t.person_id
"""

_HELD_PARAMS = [*_OPEN, _LIVE]
PAIRING = "assistance_pairing"


def _codes(value: str | None) -> tuple[str, ...]:
    """A comma-separated list of program codes, in code order."""
    if not value:
        return ()
    if "," not in value:
        return (value,)
    return tuple(sorted(value.split(",")))


def _in(ids: Sequence[int]) -> tuple[str, list[Any]]:
    """``IN`` a list of ids: one array parameter on PostgreSQL, a placeholder list elsewhere
    (a chunk is far below SQLite's 32766-variable limit)."""
    if connection.vendor == "postgresql":
        # an array literal: psycopg's list adapter costs more than the query
        return "= ANY(%s::bigint[])", ["{" + ",".join(map(str, ids)) + "}"]
    return f"IN ({', '.join(['%s'] * len(ids)) or 'NULL'})", list(ids)


def _fetch(sql: str, params: Sequence[Any]) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# --- the cyclic garbage collector during a run --------------------------------------
#
# A chunk's facts (some 20,000 objects: a Facts, its members and their tuples per row)
# live while the chunk is evaluated, long enough for the collector to promote them to
# its oldest generation, and once enough have been promoted it runs a full collection,
# which walks every object the process holds: Django, viewflow and the app, some
# 100,000 objects, ~50 ms each time, once every chunk or two. Measured over the bench's
# register that was half the reader's CPU (7.5 of 17 us per entitlement). While a reader
# is open, the objects that existed before it are frozen (``gc.freeze``): full
# collections then walk only what the run itself made. Reference counting frees the
# run's objects as before; only cycles among the frozen objects wait until the reader
# closes. The freeze is process-wide, so it is counted (nested and concurrent readers)
# and left alone if someone else has frozen objects (a pre-fork server).

_collector_lock = threading.Lock()
_collector_users = 0
_collector_frozen = False


def spare_collector() -> None:
    """Freeze the objects that exist now, for the first of nested or concurrent callers
    (see above); pair each call with ``release_collector``."""
    global _collector_users, _collector_frozen
    with _collector_lock:
        if _collector_users == 0 and gc.isenabled() and not gc.get_freeze_count():
            gc.freeze()
            _collector_frozen = True
        _collector_users += 1


def release_collector() -> None:
    """Undo ``spare_collector``: the last caller out unfreezes what the first froze."""
    global _collector_users, _collector_frozen
    with _collector_lock:
        _collector_users = max(0, _collector_users - 1)
        if _collector_users == 0 and _collector_frozen:
            gc.unfreeze()
            _collector_frozen = False


@contextmanager
def collector_spared() -> Iterator[None]:
    """``spare_collector`` for the length of a ``with`` block."""
    spare_collector()
    try:
        yield
    finally:
        release_collector()


#: ``village_enrolment``'s flags: the year recorded on the area; a campaign that year
RECORDED, CAMPAIGN = 1, 2


def village_enrolment(year: int) -> dict[str, int]:
    """Every area's health-check enrolment for ``year`` (a few hundred rows, read once),
    as flags: ``RECORDED`` when the area's own list of years has it (how enrolment was
    kept before campaigns), ``CAMPAIGN`` when the village holds a health-check campaign
    that year (``casework.healthchecks``). ``build_facts`` asks about the campaign for the
    health check only; ``_ChunkReader.facts`` does the same."""
    rows = _fetch(f"SELECT a.code, a.health_check_enrolled_years, EXISTS (SELECT 1 FROM "
                  f"{_T['campaign']} c WHERE c.area_id = a.code AND c.year = %s) "
                  f"FROM {_T['area']} a", (year,))
    result = {}
    for code, years, campaign in rows:
        if isinstance(years, str):  # SQLite hands JSON over as text
            years = json.loads(years)
        result[code] = (RECORDED if year in (years or ()) else 0) | (
            CAMPAIGN if campaign else 0)
    return result


class _ChunkReader:
    """Builds facts for one chunk: members, holdings and health checks of its rows."""

    def __init__(self, on: date, enrolled: dict[str, int] | None = None):
        self.on = on
        self.enrolled = enrolled if enrolled is not None else village_enrolment(on.year)
        self.sqlite = connection.vendor == "sqlite"

    def _enrolled(self, code: str) -> int:
        try:
            return self.enrolled[code]
        except KeyError:  # an area added since the iterator started
            self.enrolled.update(village_enrolment(self.on.year))
            return self.enrolled.get(code, 0)

    def members(self, household_ids: Sequence[int]
                ) -> tuple[dict[int, tuple[PersonFacts, ...]], dict[int, PersonFacts]]:
        """Each household's members in id order, and every member by person id."""
        where, params = _in(household_ids)
        on = self.on
        rows = _fetch(_MEMBERS.format(ids=where), [on, on, *params])
        by_household: dict[int, tuple[PersonFacts, ...]] = {}
        by_person: dict[int, PersonFacts] = {}
        make = PersonFacts.from_values  # the hot path: see its docstring
        sqlite = self.sqlite
        # rows come ordered by household: a group is one household's members
        for household_id, group in groupby(rows, _first):
            people = tuple([
                make(person_id, sex, birth, relationship, active == 1,
                     bool(insured) if sqlite else insured)
                for _, person_id, sex, birth, relationship, insured, active in group])
            by_household[household_id] = people
            for person in people:
                by_person[person.person_id] = person
        return by_household, by_person

    def health_checks(self, person_ids: Sequence[int]) -> dict[int, int]:
        """Per person: health checks this calendar year, granted (any state) or done in
        the village's campaign (``casework.healthchecks``), as ``build_facts`` counts."""
        if not person_ids:
            return {}
        where, params = _in(person_ids)
        year = self.on.year
        return dict(_fetch(_HEALTH_CHECKS.format(ids=where),
                           [HEALTH_CHECK, date(year, 1, 1), date(year, 12, 31), *params,
                            year, *_CHECKED, *params]))

    def facts(self, anchors: list[tuple], program_code: str | None = None,
              exclude_self: bool = False) -> list[Facts]:
        """One ``Facts`` per anchor row (the layout above ``_HOUSEHOLD_COLUMNS``).

        The facts are for the row's own program (entitlements) or ``program_code``
        (persons; None: any program, health checks counted). With ``exclude_self`` the
        entitlement of the row is left out of what its holder holds.
        """
        members, persons = self.members(sorted({row[4] for row in anchors}))
        counts_checks = (HEALTH_CHECK, None)
        checked = self.health_checks(sorted(
            {row[3] for row in anchors if (row[1] or program_code) in counts_checks}))
        enrolled = self.enrolled
        sqlite = self.sqlite
        year = self.on.year
        empty: tuple[str, ...] = ()
        make = Facts.from_values  # the hot path: see its docstring
        result = []
        append = result.append
        for (_, program, valid_from, person_id, household_id, area_id, registration,
             certificate, two_daughters, renounced, hardship, special, income, paired,
             open_codes, live_codes) in anchors:
            program = program or program_code
            checks = checked.get(person_id, 0) if program in counts_checks else 0
            if exclude_self:
                # the entitlement under review is not a duplicate of itself, and a
                # pairing's own running contract is not "already paired"
                if program == PAIRING:
                    paired = False
                if live_codes == program:
                    live = empty
                else:
                    live = tuple(c for c in _codes(live_codes) if c != program)
                if program == HEALTH_CHECK and checks and valid_from.year == year:
                    checks -= 1
            else:
                live = _codes(live_codes)
            if sqlite:
                two_daughters, hardship, paired = bool(two_daughters), bool(hardship), bool(
                    paired)
                income = Decimal(str(income)).quantize(_CENT)
            if not income:
                income = _ZERO  # as build_facts: Decimal(str(0.00 or 0))
            flags = enrolled.get(area_id)
            if flags is None:
                flags = self._enrolled(area_id)
            village_enrolled = bool(flags & (RECORDED | CAMPAIGN if program in counts_checks
                                             else RECORDED))
            # positional, in the field order of Facts (Facts.from_values)
            append(make(household_id, area_id, registration, persons[person_id],
                        members[household_id], certificate, two_daughters, renounced,
                        hardship, special, income, village_enrolled, paired,
                        _codes(open_codes) if open_codes else empty, live, checks))
        return result


def due_entitlements(on: date, *, after_id: int = 0, renewable: Sequence[int] = ()) -> int:
    """How many entitlements ``entitlement_chunk`` would still yield after ``after_id``."""
    running, params = _period_params(on, renewable)
    return _fetch(_ENTITLEMENT_COUNT.format(running=running),
                  [_LIVE, after_id, on, *params])[0][0]


def entitlement_chunk(on: date, *, after_id: int = 0, limit: int = DEFAULT_CHUNK,
                      exclude_self: bool = False, enrolled: dict[str, int] | None = None,
                      renewable: Sequence[int] = ()) -> list[EntitlementFacts]:
    """The next ``limit`` entitlements after ``after_id`` that are live, began before ``on``
    and have not run out by it, in id order, each with the facts of its holder. Of the
    programs whose ids ``renewable`` lists (those re-certification renews), an entitlement
    whose period ended the day before ``on`` is included too: it is due for renewal.

    The facts are what ``build_facts(household=<the holder's household>,
    applicant_id=<the holder>, program_code=<its program>, on=on)`` builds, except that
    with ``exclude_self`` the entitlement itself is left out of what the holder holds (it
    is not a duplicate of itself when it is re-checked). The programs of open cases and
    live entitlements are listed in code order (``build_facts``: database order).
    """
    where, ids = _in(renewable)
    anchors = _fetch(_entitlement_chunk_sql(where),
                     [_LIVE, after_id, on, on, on - timedelta(days=1), *ids, limit,
                      *_HELD_PARAMS])
    if not anchors:
        return []
    reader = _ChunkReader(on, enrolled)
    facts = reader.facts(anchors, exclude_self=exclude_self)
    return [(row[0], row[1], f) for row, f in zip(anchors, facts, strict=True)]


class EntitlementChunks:
    """``entitlement_chunk`` by checkpoint: ``read(after_id)`` returns the chunk after it.

    With ``prefetch`` the chunk after the one just returned is read at once on a second
    database connection, in a worker thread, while the caller works on this one (the
    thread waits on the database with the GIL released), so the database's time overlaps
    the caller's instead of adding to it. A ``read`` of a different checkpoint (another
    runner moved it) discards the prefetched chunk. Prefetching needs the register
    committed: the second connection cannot see the caller's open transaction (nor a
    test's), so callers turn it off inside one. Use as a context manager: leaving it
    stops the thread and closes its connection, and unfreezes the objects the garbage
    collector was spared while it was open (``spare_collector``).
    """

    def __init__(self, on: date, *, chunk_size: int = DEFAULT_CHUNK, exclude_self: bool = False,
                 prefetch: bool = False, renewable: Sequence[int] = ()):
        self.on = on
        self.renewable = tuple(renewable)
        self.chunk_size = chunk_size
        self.exclude_self = exclude_self
        self.enrolled = village_enrolment(on.year)
        self._executor: ThreadPoolExecutor | None = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="facts-prefetch")
            if prefetch else None)
        self._pending: tuple[int, Future] | None = None
        self._sparing = True
        spare_collector()

    def _read(self, after_id: int) -> list[EntitlementFacts]:
        return entitlement_chunk(self.on, after_id=after_id, limit=self.chunk_size,
                                 exclude_self=self.exclude_self, enrolled=self.enrolled,
                                 renewable=self.renewable)

    def read(self, after_id: int) -> list[EntitlementFacts]:
        pending, self._pending = self._pending, None
        if pending is not None and pending[0] == after_id:
            chunk = pending[1].result()
        else:
            chunk = self._read(after_id)
        if self._executor is not None and chunk:
            following = chunk[-1][0]
            self._pending = (following, self._executor.submit(self._read, following))
        return chunk

    def close(self) -> None:
        if self._executor is not None:
            self._pending = None
            # the worker thread's own connection is closed in that thread
            self._executor.submit(connections.close_all)
            self._executor.shutdown(wait=True, cancel_futures=False)
            self._executor = None
        if self._sparing:
            self._sparing = False
            release_collector()

    def __enter__(self) -> EntitlementChunks:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def iter_entitlement_chunks(on: date, *, after_id: int = 0, chunk_size: int = DEFAULT_CHUNK,
                            exclude_self: bool = False, prefetch: bool = False
                            ) -> Iterator[list[EntitlementFacts]]:
    """``entitlement_chunk`` after ``entitlement_chunk``, to the end of the register
    (``prefetch``: see ``EntitlementChunks``)."""
    with EntitlementChunks(on, chunk_size=chunk_size, exclude_self=exclude_self,
                           prefetch=prefetch) as chunks:
        while True:
            chunk = chunks.read(after_id)
            if not chunk:
                return
            yield chunk
            after_id = chunk[-1][0]


def iter_entitlement_facts(on: date, *, after_id: int = 0, chunk_size: int = DEFAULT_CHUNK,
                           exclude_self: bool = False) -> Iterator[EntitlementFacts]:
    """``(entitlement id, program code, facts)`` for every entitlement due on ``on``
    (see ``entitlement_chunk``), in id order, one chunk in memory at a time."""
    for chunk in iter_entitlement_chunks(on, after_id=after_id, chunk_size=chunk_size,
                                         exclude_self=exclude_self):
        yield from chunk


def person_chunk(on: date, *, area_prefix: str = "", program_code: str | None = None,
                 after_id: int = 0, limit: int = DEFAULT_CHUNK,
                 enrolled: dict[str, int] | None = None) -> list[tuple[int, Facts]]:
    """The next ``limit`` persons after ``after_id`` whose household lies in
    ``area_prefix`` (a village, township or district code; "" for all), each with
    the facts ``build_facts`` would build for them applying to ``program_code`` on ``on``.

    With ``program_code`` None the facts serve every program: this year's health checks
    are counted (``build_facts`` counts them only for the health check, the one rule
    that reads them).
    """
    anchors = _fetch(_person_chunk_sql(), [after_id, f"{area_prefix}%", limit, *_HELD_PARAMS])
    if not anchors:
        return []
    reader = _ChunkReader(on, enrolled)
    facts = reader.facts(anchors, program_code)
    return [(row[0], f) for row, f in zip(anchors, facts, strict=True)]


def iter_person_facts(on: date, *, area_prefix: str = "", program_code: str | None = None,
                      after_id: int = 0, chunk_size: int = DEFAULT_CHUNK
                      ) -> Iterator[tuple[int, Facts]]:
    """``(person id, facts)`` for every person of the area, in id order, a chunk at a time
    (see ``person_chunk``): what a what-if simulation evaluates. The garbage collector
    is spared (``spare_collector``) until the last chunk is read or the iterator is
    closed."""
    enrolled = village_enrolment(on.year)
    with collector_spared():
        while True:
            chunk = person_chunk(on, area_prefix=area_prefix, program_code=program_code,
                                 after_id=after_id, limit=chunk_size, enrolled=enrolled)
            if not chunk:
                return
            yield from chunk
            after_id = chunk[-1][0]
