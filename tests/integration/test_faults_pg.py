"""Faults under a real Celery worker on PostgreSQL and Redis: the broker goes away (or
hangs) while families apply, and a worker (or its pool process) dies in the middle of
sending an SMS. Every message still leaves exactly once.

Each test runs its own ``redis-server`` on a free port (never the shared one), its own
worker processes (``tests.integration.faults``), and points this process's Celery app at
that Redis. SMS go to ``tests.support.sms_backends.GatewaySmsBackend``, a gateway that
de-duplicates by the outbox id it is given and records every call in a file, so what a
worker in another process sent can be counted.

PostgreSQL only (the worker's row locks and a killed connection's rollback are what is
under test); on SQLite the module is skipped, saying why.
"""

import logging
import os
import shutil
import signal
import threading
import time
from collections import Counter
from datetime import date

import pytest
from django.conf import settings
from django.db import connection

from casework.models import OutboxMessage
from tests import factories as f
from tests.integration.conftest import _database_url, wait_for
from tests.integration.faults import celery_app_using, start_worker
from tests.support import journey
from tests.support.sms_backends import RECORD_ENV, SLEEP_ENV, count, read_records
from workflows.notifications import notify

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.requires_postgres("fault tests run workers on PostgreSQL, as production does"),
    pytest.mark.skipif(shutil.which("redis-server") is None,
                       reason="needs the redis-server binary to run a private Redis"),
    pytest.mark.django_db(transaction=True),
]

RELAY_TASK = settings.CELERY_BEAT_SCHEDULE["relay-outbox"]["task"]
SUBMIT_BOUND = 5.0  # seconds: generous; a kick must not hold a family's request
# the successor worker's broker: a killed worker's unacked task comes back after 5 s
# (production: 3600 s, and kombu scans for such tasks about every 100 s)
SHORT_VISIBILITY = {"visibility_timeout": 5, "unacked_restore_interval": 1,
                    "unacked_restore_throttle": 1}


# --- fixtures ------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def _every_commit_kicks(monkeypatch):
    """No debounce: every submission's commit tries the broker (and is timed doing so)."""
    monkeypatch.setattr(notify, "KICK_INTERVAL", 0.0)
    monkeypatch.setattr(notify, "_last_kick", 0.0)


@pytest.fixture
def broker(redis_server, settings, monkeypatch):
    """This process publishes to the private Redis, and caches there: unless
    ``REDIS_CACHE_URL`` says otherwise the cache is on the broker's Redis, so when one is
    down both are."""
    for name in ("CELERY_BROKER_URL", "CELERY_BROKER_READ_URL", "CELERY_BROKER_WRITE_URL"):
        monkeypatch.delenv(name, raising=False)  # Celery prefers these to its config
    settings.CACHES = {"default": {"BACKEND": "config.fallback_cache.FallbackRedisCache",
                                   "LOCATION": redis_server.url}}
    with celery_app_using(redis_server.url) as app:
        yield app


@pytest.fixture
def sms_record(tmp_path):
    return tmp_path / "gateway.jsonl"


@pytest.fixture
def workers(redis_server, sms_record, tmp_path):
    """``workers(name, env=..., pool=..., transport_options=...)`` starts a worker on the
    test database and the private Redis; all are stopped when the test ends."""
    started = []

    def start(name, *, env=None, **options):
        base = {"DATABASE_URL": _database_url(), "REDIS_URL": redis_server.url,
                "REDIS_CACHE_URL": redis_server.url,
                "SMS_BACKEND": "tests.support.sms_backends.GatewaySmsBackend",
                RECORD_ENV: str(sms_record)}
        worker = start_worker(name, log=tmp_path / f"worker-{name}.log",
                              env={**base, **(env or {})}, **options)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def make_families(areas, n, *, phone_prefix="139"):
    """``n`` member households in village v11, each with an applicant of its own phone
    number and a family account."""
    families = []
    for i in range(n):
        hh = f.household(areas["v11"], second_birth_renounced_date=date(1985, 3, 1),
                         hardship=True, annual_income_yuan=20000)
        head = f.person(hh, name=f"王{i}", birth=date(1955, 4, 2),
                        phone=f"{phone_prefix}{i:08d}")
        f.person(hh, name=f"李{i}", birth=date(1957, 6, 3), sex="F", relationship="spouse",
                 phone="")
        families.append({"household": hh, "applicant": head,
                         "user": f.user("family", areas["v11"], household=hh)})
    return families


def submit(family, program):
    return journey.apply(actor=family["user"], household=family["household"],
                         program=program, applicant=family["applicant"])


def sweep(app):
    """What beat does every 15 s: run the relay-outbox entry."""
    app.send_task(RELAY_TASK)


def drained(redis_server):
    return redis_server.backlog() == {"queued": 0, "unacked": 0}


# --- 1. Redis goes away, or hangs, while families apply ---------------------------
def _outage_rows(cases, families):
    """The cases' outbox rows: all there, none sent; and the SMS ids, one per family."""
    rows = OutboxMessage.objects.filter(case__in=cases)
    assert {r.case_id for r in rows} == {c.pk for c in cases}
    assert not rows.filter(sent_at__isnull=False).exists()
    sms_ids = sorted(rows.filter(channel=OutboxMessage.Channel.SMS).values_list("id", flat=True))
    assert len(sms_ids) == len(families)  # one SMS to each applicant
    return rows, sms_ids


def _deliver_after_outage(broker, redis_server, worker, rows, sms_ids, sms_record):
    """The beat sweep (twice: a second sweep or a late kick finds the same rows) sends
    every row once: sent after one attempt, each SMS accepted once and sent once."""
    sweep(broker)
    sweep(broker)
    assert wait_for(lambda: not rows.filter(sent_at__isnull=True).exists()), worker.tail()
    assert wait_for(lambda: drained(redis_server)), worker.tail()

    assert count(sms_record, "accepted") == Counter(dict.fromkeys(sms_ids, 1))
    assert count(sms_record, "started") == Counter(dict.fromkeys(sms_ids, 1))
    assert not count(sms_record, "duplicate")
    assert set(rows.values_list("attempts", flat=True)) == {1}
    assert not rows.filter(channel=OutboxMessage.Channel.SMS).exclude(last_error="").exists()


def test_families_apply_while_redis_is_down_and_each_message_leaves_once_after(
        redis_server, broker, workers, sms_record, programs, areas, caplog):
    """Redis stops while families submit. Each submission commits, with its outbox rows
    unsent; the kick after commit fails (logged) and neither raises nor holds the
    request. When Redis is back with a worker, the beat sweep delivers every message
    exactly once: sent_at set after one attempt, the gateway accepting each SMS once.

    The first family applies while Redis is still up and no worker runs: its kick is
    queued in Redis and lost when Redis stops (no persistence), a lost kick that only
    the sweep recovers. It also leaves this process holding a pooled broker connection
    that Redis's death has broken, as a running web process would.
    """
    program = programs["medical_discount"]
    families = make_families(areas, 5)
    cases = [submit(families[0], program)]
    redis_server.stop()

    caplog.set_level(logging.WARNING, logger="workflows.notifications.notify")
    durations = []
    for family in families[1:]:
        started = time.monotonic()
        cases.append(submit(family, program))  # commits; does not raise
        durations.append(time.monotonic() - started)

    rows, sms_ids = _outage_rows(cases, families)
    failed_kicks = [r for r in caplog.records if "relay kick failed" in r.getMessage()]
    assert len(failed_kicks) == len(families) - 1  # each kick tried the dead broker

    redis_server.start()  # same port, empty
    worker = workers("after-outage")
    _deliver_after_outage(broker, redis_server, worker, rows, sms_ids, sms_record)

    # with the broker refusing connections, apply_async(retry=False) alone would still
    # retry the *connection* (about 6 s per kick, inside the family's request);
    # kick_relay makes one attempt with short socket timeouts instead
    assert max(durations) < SUBMIT_BOUND, (
        f"submissions with the broker down took {[round(d, 2) for d in durations]} s")


HANG_LIMIT = SUBMIT_BOUND + 5  # then the test lets Redis answer, so the request ends


def _submit_in_thread(family, program):
    """Submit in a thread (its own database connection); wait at most ``HANG_LIMIT``."""
    result = {}

    def run():
        started = time.monotonic()
        try:
            result["case"] = submit(family, program)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            result["error"] = exc
        finally:
            result["took"] = time.monotonic() - started
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(HANG_LIMIT)
    return thread, result


def test_families_apply_while_redis_hangs_and_each_message_leaves_once_after(
        redis_server, broker, workers, sms_record, programs, areas):
    """Redis hangs (SIGSTOP: the kernel still accepts connections, nothing answers)
    while families submit, as with a paused VM, a failover or a network dropping
    packets. Each submission must commit and return within the bound; a request the
    hung broker holds longer is released by letting Redis answer (SIGCONT), timed, and
    Redis is frozen again for the next family. When Redis answers again and a worker
    runs, the sweep delivers every message once. A kick that timed out may still reach
    Redis when it wakes (its bytes were in the socket): one more relay, harmless.
    """
    program = programs["medical_discount"]
    families = make_families(areas, 3, phone_prefix="138")
    cases = [submit(families[0], program)]  # Redis up: a pooled connection, then the hang
    redis_server.freeze()

    durations = []
    for family in families[1:]:
        thread, result = _submit_in_thread(family, program)
        if thread.is_alive():  # held by the hung broker
            redis_server.thaw()
            thread.join(30)
            redis_server.freeze()
        assert not thread.is_alive() and "error" not in result, result
        cases.append(result["case"])
        durations.append(result["took"])

    rows, sms_ids = _outage_rows(cases, families)
    redis_server.thaw()
    worker = workers("after-hang")
    _deliver_after_outage(broker, redis_server, worker, rows, sms_ids, sms_record)

    # without a socket timeout a kick to a hung Redis would wait until Redis answers
    # (here: until the test lets it, after HANG_LIMIT s), inside the family's request;
    # kick_relay publishes with short socket timeouts and one connection attempt
    assert max(durations) < SUBMIT_BOUND, (
        f"submissions with the broker hung took {[round(d, 2) for d in durations]} s")


# --- 2. a worker dies inside send ------------------------------------------------------
def _sleeping_in_send(sms_record, message_id):
    return next((r for r in read_records(sms_record)
                 if r["event"] == "sleeping" and r["id"] == message_id), None)


def _first_start(sms_record, message_id):
    return next(r for r in read_records(sms_record)
                if r["event"] == "started" and r["id"] == message_id)


@pytest.mark.parametrize("phase", ["before", "after"])
def test_worker_killed_inside_send_delivers_the_message_once(
        phase, redis_server, broker, workers, sms_record, programs, areas):
    """A worker is SIGKILLed while inside the gateway call for a family's SMS, ``before``
    the gateway accepted it (the request is lost) or ``after`` (the answer is lost).

    What the kill leaves: PostgreSQL rolls back the worker's open transaction (row
    lock, attempts + 1, sent_at) when its connection drops, so the row is unsent and
    unlocked; Redis keeps the ``deliver`` task in its unacked set (acks_late), since a
    killed worker neither acks nor rejects. ``reject_on_worker_lost`` plays no part
    here: the whole worker died, not a pool process under a living worker.

    What delivers it, on a new worker: the beat sweep. The relay hands every unsent due
    row to ``deliver``, so the next sweep (every 15 s in production) sends it. The
    killed task also comes back, when Redis's visibility timeout lapses; the successor
    here uses 5 s (production 3600 s) so that this happens within the test, and either
    order is fine: whichever runs second finds the row sent and sends nothing.

    The outside world's contract is the gateway's de-duplication by the outbox id: a
    crash after acceptance sends the request again (delivery is at least once), and
    the gateway accepts that id exactly once. So: the gateway was called twice and
    accepted once; the row is sent, with one attempt.
    """
    doomed = workers("doomed", env={SLEEP_ENV: f"{phase}:120"})
    (family,) = make_families(areas, 1, phone_prefix="137")
    case = submit(family, programs["medical_discount"])  # its kick reaches the worker
    sms = OutboxMessage.objects.get(case=case, channel=OutboxMessage.Channel.SMS)

    assert wait_for(lambda: _sleeping_in_send(sms_record, sms.pk)), doomed.tail()
    first = _first_start(sms_record, sms.pk)
    assert first["pid"] == doomed.pid  # solo pool: the worker itself is inside send
    doomed.kill()

    sms.refresh_from_db()
    assert (sms.sent_at, sms.attempts) == (None, 0)  # its transaction died with it
    assert redis_server.backlog()["unacked"] >= 1  # the killed task, held by Redis

    successor = workers("successor", transport_options=SHORT_VISIBILITY)
    rows = OutboxMessage.objects.filter(case=case)

    def swept_until_sent():
        if rows.filter(sent_at__isnull=True).exists():
            sweep(broker)  # as beat would, again until nothing is left
            return False
        return True

    assert wait_for(swept_until_sent, timeout=30, interval=1.0), successor.tail()
    # the killed task itself came back from Redis and ran on the successor
    assert wait_for(lambda: f"deliver[{first['task']}] received" in successor.text()), \
        successor.tail()
    assert wait_for(lambda: drained(redis_server)), successor.tail()

    assert count(sms_record, "accepted")[sms.pk] == 1
    assert count(sms_record, "started")[sms.pk] == 2  # the killed attempt and one more
    assert count(sms_record, "duplicate")[sms.pk] == (1 if phase == "after" else 0)
    sms.refresh_from_db()
    assert sms.sent_at is not None and sms.attempts == 1 and sms.last_error == ""
    assert set(rows.values_list("attempts", flat=True)) == {1}


def test_pool_process_killed_inside_send_is_requeued_and_delivered_once(
        redis_server, broker, workers, sms_record, programs, areas):
    """The prefork pool process running ``deliver`` is SIGKILLed inside send, after the
    gateway accepted; the worker's main process lives on.

    What delivers it: the main process sees the pool process lost and, as ``deliver``
    is ``acks_late`` and ``task_reject_on_worker_lost`` is on, rejects the task with
    requeue; Redis hands it out again at once and the worker's new pool process sends
    it, the gateway dropping the repeat. No sweep and no visibility timeout involved.
    """
    worker = workers("prefork", pool="prefork", env={SLEEP_ENV: "after:120"})
    (family,) = make_families(areas, 1, phone_prefix="136")
    case = submit(family, programs["medical_discount"])
    sms = OutboxMessage.objects.get(case=case, channel=OutboxMessage.Channel.SMS)

    assert wait_for(lambda: _sleeping_in_send(sms_record, sms.pk)), worker.tail()
    child = _first_start(sms_record, sms.pk)["pid"]
    assert child != worker.pid  # the pool process, not the worker
    os.kill(child, signal.SIGKILL)

    rows = OutboxMessage.objects.filter(case=case)
    assert wait_for(lambda: not rows.filter(sent_at__isnull=True).exists()), worker.tail()
    assert wait_for(lambda: drained(redis_server)), worker.tail()
    assert worker.proc.poll() is None  # the worker survived its pool process
    task = _first_start(sms_record, sms.pk)["task"]
    assert worker.text().count(f"deliver[{task}] received") == 2, worker.tail()  # requeued

    assert count(sms_record, "accepted")[sms.pk] == 1
    assert count(sms_record, "started")[sms.pk] == 2
    assert count(sms_record, "duplicate")[sms.pk] == 1
    sms.refresh_from_db()
    assert sms.sent_at is not None and sms.attempts == 1
