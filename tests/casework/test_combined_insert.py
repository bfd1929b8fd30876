"""``insert_together`` writes what ``bulk_create`` writes, in one statement on PostgreSQL:
the rows, their ids on the instances, database defaults given in Python; and a unit of
work's new rows go together."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casework.history.audit import queue_insert, queue_outbox, record_event, unit_of_work
from casework.history.combined_insert import insert_together
from casework.models import Case, Decision, OutboxMessage
from tests import factories as f


@pytest.fixture
def case(areas, programs):
    return f.case(f.person(f.household(areas["v11"])), programs["medical_discount"],
                  status="submitted")


def _messages(case, n):
    return [OutboxMessage(case=case, channel="sms", recipient=f"1380000000{i}",
                          template="submitted", payload={"n": i}, created_at=timezone.now())
            for i in range(n)]


def _decisions(case, n, actor):
    return [Decision(case=case, step="village_review", outcome="approve", reason=str(i),
                     actor=actor, decided_at=timezone.now() + timedelta(seconds=i))
            for i in range(n)]


def test_the_rows_and_ids_are_bulk_creates(case):
    actor = case.filed_by
    messages, decisions = _messages(case, 3), _decisions(case, 2, actor)
    with CaptureQueriesContext(connection) as ran:
        insert_together([messages, [], decisions])
    inserts = [q["sql"] for q in ran.captured_queries if "INSERT" in q["sql"]]
    assert len(inserts) == (1 if connection.vendor == "postgresql" else 2)
    for obj in (*messages, *decisions):
        assert obj.pk is not None and obj._state.adding is False and obj._state.db == "default"
    stored = {m.pk: (m.recipient, m.payload, m.attempts) for m in OutboxMessage.objects.filter(
        pk__in=[m.pk for m in messages])}
    assert stored == {m.pk: (m.recipient, {"n": i}, 0) for i, m in enumerate(messages)}
    assert list(Decision.objects.filter(case=case).order_by("id").values_list(
        "pk", "reason")) == [(d.pk, str(i)) for i, d in enumerate(decisions)]
    # what bulk_create gives the same rows, column for column
    twins = OutboxMessage.objects.bulk_create(_messages(case, 3))
    columns = [f.attname for f in OutboxMessage._meta.concrete_fields if f.attname != "id"]
    assert [[getattr(t, c) for c in columns if c != "created_at"] for t in twins] == [
        [getattr(m, c) for c in columns if c != "created_at"] for m in messages]


def test_nothing_or_one_group_is_a_plain_bulk_create(case):
    with CaptureQueriesContext(connection) as ran:
        insert_together([[], []])
    assert ran.captured_queries == []
    messages = _messages(case, 2)
    with CaptureQueriesContext(connection) as ran:
        insert_together([messages])
    assert len(ran.captured_queries) == 1 and "WITH" not in ran.captured_queries[0]["sql"]
    assert all(m.pk for m in messages)


def test_a_unit_of_work_writes_its_new_rows_in_one_statement(case):
    actor = case.filed_by
    with CaptureQueriesContext(connection) as ran, transaction.atomic(), unit_of_work():
        record_event(case, actor=actor, action="note", detail={"why": "test"})
        queue_outbox(_messages(case, 2))
        decision = _decisions(case, 1, actor)[0]
        queue_insert(decision)
    statements = [q["sql"] for q in ran.captured_queries
                  if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    # the case's UPDATE, then the event, the messages and the decision
    assert len(statements) == (2 if connection.vendor == "postgresql" else 4)
    assert decision.pk and Decision.objects.filter(pk=decision.pk, case=case).exists()
    assert case.events.filter(action="note").count() == 1
    assert Case.objects.get(pk=case.pk).version == case.version
