"""Two sweeps at once (two beat ticks, two workers) on PostgreSQL: every reminder once.

Each sweep runs in its own thread with its own database connection, so the row
locks and SKIP LOCKED are PostgreSQL's own, not simulated.
"""

import threading
from datetime import timedelta

import pytest
from django.db import connections

from casework.models import AuditEvent, OutboxMessage
from tests import factories as f
from tests.workflows.test_lifecycle import unique_birth
from workflows.applications import services
from workflows.deadlines.services import sweep
from workflows.models import Deadline

pytestmark = [
    pytest.mark.requires_postgres("row locks and SKIP LOCKED need PostgreSQL"),
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("sweepers", [2, 4])
def test_concurrent_sweeps_remind_each_step_once(programs, areas, family_home, sweepers):
    household = family_home["household"]
    cases = []
    for i in range(30):
        person = f.person(household, name=f"成员{i}", relationship="child", birth=unique_birth())
        cases.append(services.submit_application(
            actor=family_home["user"], household=household, applicant=person,
            program=programs["health_check"]))
    assert Deadline.objects.filter(case__in=cases, stage="remind").count() == 30
    now = max(Deadline.objects.values_list("remind_at", flat=True)) + timedelta(seconds=1)
    assert now < min(Deadline.objects.values_list("due_at", flat=True))

    barrier = threading.Barrier(sweepers)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(sweep(now=now, batch=7))  # small batches: many interleavings
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(sweepers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert sum(results) == 30
    reminders = AuditEvent.objects.filter(case__in=cases, action="deadline_reminder")
    assert reminders.count() == 30
    assert sorted(reminders.values_list("case_id", flat=True)) == sorted(c.pk for c in cases)
    assert OutboxMessage.objects.filter(case__in=cases, template="task_reminder").count() == 30
    assert sweep(now=now) == 0
    # each case's history still counts 1, 2, 3... (appends serialised under the case lock)
    for case in cases:
        seqs = list(AuditEvent.objects.filter(case=case).order_by("seq")
                    .values_list("seq", flat=True))
        assert seqs == list(range(1, len(seqs) + 1))
