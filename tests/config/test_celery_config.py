"""Celery: each task goes to its queue, and the limits and broker options agree.

Routing is checked twice: through the app's router, and by publishing for real through
a private filesystem broker folder (the workers and other tests never see it) and
reading which queue each message landed in.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from config.celery import app

ROOT = Path(__file__).resolve().parents[2]

QUEUE_OF = {
    "workflows.tasks.relay_outbox": "notifications",
    "workflows.tasks.deliver": "notifications",
    "workflows.tasks.fire_due_timers": "timers",
    "workflows.tasks.sweep_deadlines": "timers",
    "workflows.recertification.recertify_year": "bulk",
    "casework.anything_else": "celery",
}
QUEUES = ["celery", "notifications", "timers", "bulk"]
# Tasks that exist today; sweep_deadlines is routed by name whether or not it is loaded.
REQUIRED_TASKS = ["workflows.tasks.relay_outbox", "workflows.tasks.deliver",
                  "workflows.tasks.fire_due_timers", "workflows.recertification.recertify_year"]


@pytest.fixture(scope="module")
def tasks():
    app.loader.import_default_modules()  # what a worker does at start: autodiscovery
    return app.tasks


@pytest.mark.parametrize(("name", "queue"), QUEUE_OF.items())
def test_router_sends_each_task_to_its_queue(name, queue):
    route = app.amqp.router.route({}, name)
    assert route["queue"].name == queue
    assert route["queue"].routing_key == queue  # bound by its own name only


def test_queues_are_declared_and_each_has_its_own_binding():
    queues = app.amqp.queues
    assert sorted(queues) == sorted(QUEUES)
    assert {q.routing_key for q in queues.values()} == set(QUEUES)
    assert app.conf.task_default_queue == "celery"


def test_published_messages_land_in_their_queue_only(tmp_path, tasks):
    """Publish each task through a real kombu transport and read the four queues."""
    options = {"data_folder_in": str(tmp_path), "data_folder_out": str(tmp_path),
               "processed_folder": str(tmp_path), "store_processed": False,
               "control_folder": str(tmp_path / "control")}
    with app.connection_for_write("filesystem://", transport_options=options) as conn:
        for queue in app.amqp.queues.values():  # as a worker with -Q (all four) declares
            queue.bind(conn).declare()
        for name in QUEUE_OF:
            app.send_task(name, connection=conn)
        landed = {}
        for queue_name in QUEUES:
            simple = conn.SimpleQueue(app.amqp.queues[queue_name])
            while True:
                try:
                    message = simple.get(block=False)
                except simple.Empty:
                    break
                landed.setdefault(message.headers["task"], []).append(queue_name)
                message.ack()
    assert landed == {name: [queue] for name, queue in QUEUE_OF.items()}


def test_task_objects_publish_to_their_queue(tasks):
    """``task.apply_async`` (not only ``send_task``) carries the route and time limits."""
    deliver = tasks["workflows.tasks.deliver"]
    options = app.amqp.router.route(deliver._get_exec_options(), deliver.name)
    assert options["queue"].name == "notifications"
    assert options["time_limit"] == settings.NOTIFICATION_TIME_LIMIT


def test_every_task_acks_late_and_is_requeued_when_its_worker_dies(tasks):
    for name in REQUIRED_TASKS:
        assert name in tasks
    ours = [t for n, t in tasks.items() if n.startswith(("workflows.", "casework.",
                                                         "eligibility."))]
    for task in ours:
        assert task.acks_late is True, task.name
        assert task.reject_on_worker_lost is True, task.name
        assert task.serializer == "json", task.name


def test_time_limits_per_queue(tasks):
    limits = {name: (tasks[name].soft_time_limit, tasks[name].time_limit)
              for name in REQUIRED_TASKS}
    assert limits == {
        "workflows.tasks.relay_outbox": (45, 60),
        "workflows.tasks.deliver": (45, 60),
        "workflows.tasks.fire_due_timers": (240, 300),
        "workflows.recertification.recertify_year": (900, 960),
    }
    from workflows.recertification.flow import TASK_BUDGET_SECONDS

    # re-certification stops taking chunks well before its soft limit
    assert TASK_BUDGET_SECONDS < settings.BULK_SOFT_TIME_LIMIT < settings.BULK_TIME_LIMIT


def test_visibility_timeout_exceeds_every_task_time_limit(tasks):
    longest = max(t.time_limit or app.conf.task_time_limit for n, t in tasks.items()
                  if not n.startswith("celery."))
    assert longest == settings.LONGEST_TASK_TIME_LIMIT
    assert settings.BROKER_VISIBILITY_TIMEOUT > 2 * longest


def test_redis_broker_gets_the_visibility_timeout(tmp_path):
    """With REDIS_URL the transport options carry it (a fresh interpreter: settings are
    read once). Nothing connects to the unused port."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDIS_"))}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", VAR_DIR=str(tmp_path),
               REDIS_URL="redis://127.0.0.1:1/0")
    code = ("import json, django; django.setup(); from config.celery import app; "
            "print(json.dumps([app.conf.broker_url, app.conf.broker_transport_options]))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    url, options = json.loads(result.stdout.strip().splitlines()[-1])
    assert url == "redis://127.0.0.1:1/0"
    assert options == {"visibility_timeout": 3600}


def test_json_only_and_utc():
    assert app.conf.task_serializer == "json"
    assert app.conf.result_serializer == "json"
    assert app.conf.accept_content == ["json"]
    assert app.conf.timezone == "UTC"
    assert app.conf.enable_utc is True


@pytest.mark.django_db
def test_beat_installs_the_sweeps_and_routes_them(tasks, monkeypatch):
    """The DatabaseScheduler beat runs copies the schedule into its tables; what it then
    sends carries the entry's options, and the router still picks the queue."""
    from django_celery_beat import schedulers
    from django_celery_beat.models import PeriodicTask
    from django_celery_beat.schedulers import DatabaseScheduler

    # beat closes connections between runs; here that would close the test's transaction
    monkeypatch.setattr(schedulers, "close_old_connections", lambda: None)
    scheduler = DatabaseScheduler(app=app)
    expected = {
        "fire-due-timers": ("workflows.tasks.fire_due_timers", 30, "timers"),
        "relay-outbox": ("workflows.tasks.relay_outbox", 15, "notifications"),
        "sweep-deadlines": ("workflows.tasks.sweep_deadlines", 60, "timers"),
    }
    for key, (task, every, queue) in expected.items():
        row = PeriodicTask.objects.get(name=key)
        assert row.task == task and row.enabled
        assert row.interval.every == every and row.interval.period == "seconds"
        entry = scheduler.schedule[key]
        assert entry.options["expires"] == every  # a missed tick expires, never piles up
        assert app.amqp.router.route(dict(entry.options), entry.task)["queue"].name == queue
