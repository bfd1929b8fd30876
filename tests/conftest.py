import os
import re

import pytest

from eligibility.defaults import install_programs
from tests import factories as f


def pytest_collection_modifyitems(config, items):
    """``@pytest.mark.requires_postgres("why")``: the one way a test says it needs
    PostgreSQL (row locks, triggers, plans). On SQLite it is skipped, saying why; CI runs
    the suite again on PostgreSQL, where it runs."""
    from django.conf import settings

    if settings.IS_POSTGRES:
        return
    for item in items:
        marker = item.get_closest_marker("requires_postgres")
        if marker is not None:
            why = marker.args[0] if marker.args else "needs PostgreSQL"
            item.add_marker(pytest.mark.skip(reason=f"{why} (SQLite run; set "
                                                    "DATABASE_URL=postgres://...)"))


@pytest.fixture(scope="session", autouse=True)
def _a_cache_per_worker():
    """With Redis and several pytest-xdist workers, each worker's cache is a Redis database
    of its own (the one after the configured database, plus the worker's number): a test's
    ``cache.clear()`` is Redis's FLUSHDB and would wipe another worker's throttle counts
    mid-test. One worker (CI) keeps the configured database."""
    from django.conf import settings
    from django.test import override_settings

    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    location = settings.CACHES["default"].get("LOCATION", "")
    match = re.fullmatch(r"(redis://[^/]+)/(\d+)", location or "")
    if not worker.startswith("gw") or match is None:
        yield
        return
    database = (int(match[2]) + 1 + int(worker[2:])) % 16
    cache = {**settings.CACHES["default"], "LOCATION": f"{match[1]}/{database}"}
    with override_settings(CACHES={**settings.CACHES, "default": cache}):
        yield


@pytest.fixture(autouse=True)
def _site_language():
    """Every test starts in the site's language (zh-hans): a request with another
    Accept-Language activates it for the thread (LocaleMiddleware), and it would stay for
    the next test on the same worker."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """PBKDF2 costs ~0.3 s a password and tests create many users; hashing is not under
    test here (Django's own tests cover it)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _second_factor_done(monkeypatch):
    """client.force_login of a user who must pass two-factor authentication gives the
    account a confirmed TOTP device and a verified session (tests/auth/support.py), as
    if the user had typed the code; the two-factor flow itself is tested in tests/auth."""
    from tests.auth.support import verified_force_login

    verified_force_login(monkeypatch)


@pytest.fixture(autouse=True)
def _outbox_kicks_only_with_a_worker(request, monkeypatch):
    """A test without a Celery worker of its own sends no relay kicks: the session's
    worker (tests/integration) would act on them against the test database while the
    runner flushes it after a transactional test (a deadlock on PostgreSQL). Tests that
    deliver through a worker keep the kicks."""
    if (request.node.get_closest_marker("celery_worker") is None
            and "celery_worker_process" not in request.fixturenames):
        monkeypatch.setattr("workflows.notifications.notify.KICKS_ENABLED", False)


@pytest.fixture
def programs(db):
    return install_programs()


@pytest.fixture
def areas(db):
    return f.area_tree()


@pytest.fixture
def family_home(areas):
    """A pension-age member household in village v11, with its family account."""
    from datetime import date

    hh = f.household(areas["v11"], second_birth_renounced_date=date(1985, 3, 1), hardship=True,
                     annual_income_yuan=20000)
    head = f.person(hh, name="王大爷", birth=date(1955, 4, 2))
    f.person(hh, name="李大妈", birth=date(1957, 6, 3), sex="F", relationship="spouse")
    account = f.user("family", areas["v11"], household=hh)
    return {"household": hh, "applicant": head, "user": account}


@pytest.fixture
def staff(areas):
    return {
        "village": f.user("village_reviewer", areas["v11"]),
        "village_other": f.user("village_reviewer", areas["v21"]),
        "township": f.user("township_approver", areas["t1"]),
        "township_other": f.user("township_approver", areas["t2"]),
        "district": f.user("district_approver", areas["district"]),
        "auditor": f.user("auditor", areas["district"]),
    }


@pytest.fixture
def welfare_fund(areas):
    """This year's allocation to the district's welfare fund (casework.fund): what welfare
    grants are paid from; without it a grant is refused (budget_exhausted)."""
    from decimal import Decimal

    from django.utils import timezone

    from casework.fund.models import FundEntry

    today = timezone.localdate()
    return FundEntry.objects.create(
        area=areas["district"], year=today.year, booked_on=today.replace(month=1, day=1),
        kind=FundEntry.Kind.ALLOCATION, amount_yuan=Decimal("300000.00"),
        counterparty="区财政局（测试）", recorded_at=timezone.now())


@pytest.fixture(autouse=True, scope="session")
def _flush_past_the_history_guards():
    """PostgreSQL refuses TRUNCATE on the history tables (casework 0019), and the runner
    empties the database with TRUNCATE after each transactional test. The test role is
    a superuser, so the flush runs as the guards allow one to: with
    ``session_replication_role = replica`` (triggers off for that statement only). The
    application's role may not do this (docs/deploy.md, "Database roles")."""
    try:
        from django.db.backends.postgresql.operations import DatabaseOperations
    except ImportError:  # no PostgreSQL driver: nothing to flush past
        yield
        return
    from django.db import OperationalError

    original = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        # The session's Celery worker (tests/integration) may still be finishing a task
        # the test set off: wait for its transaction to end, and should it begin another
        # between the wait and the TRUNCATE (PostgreSQL then picks one side of the
        # deadlock), wait and empty again.
        for attempt in range(5):
            _wait_for_other_sessions_to_idle(self.connection)
            with self.connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = replica")
            try:
                original(self, sql_list)
                return
            except OperationalError as exc:
                if "deadlock" not in str(exc) or attempt == 4:
                    raise
            finally:
                with self.connection.cursor() as cursor:
                    cursor.execute("SET session_replication_role = DEFAULT")

    DatabaseOperations.execute_sql_flush = execute_sql_flush
    yield
    DatabaseOperations.execute_sql_flush = original


def _wait_for_other_sessions_to_idle(connection, timeout: float = 30.0) -> None:
    """Return once no other client of this database is inside a transaction (or after
    ``timeout``; the flush then takes its chance)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
                " AND state IN ('active', 'idle in transaction', 'idle in transaction (aborted)')")
            if cursor.fetchone()[0] == 0:
                return
        time.sleep(0.1)


@pytest.fixture
def redis_server(tmp_path):
    """A private ``redis-server`` of this test's own, on a free port (never the shared
    one), which the test may stop, freeze and start again (``tests.integration.faults``)."""
    from tests.integration.faults import RedisServer

    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()
