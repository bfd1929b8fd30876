"""Notifications and timers carried by a real Celery worker (not eager mode)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from viewflow.workflow.models import Task

from casework.models import CaseStatus, OutboxMessage
from tests.integration.conftest import wait_for
from workflows import tasks
from workflows.applications import services

pytestmark = pytest.mark.django_db(transaction=True)


def _open_task(case):
    return Task.objects.get(process_id=case.process.pk, flow_task_type="HUMAN",
                            status__in=["NEW", "ASSIGNED"])


def test_outbox_is_delivered_by_the_worker_after_commit(celery_worker_process, programs,
                                                        family_home, staff):
    case = services.submit_application(actor=family_home["user"],
                                       household=family_home["household"],
                                       program=programs["medical_discount"],
                                       applicant=family_home["applicant"])
    rows = OutboxMessage.objects.filter(case=case)
    assert rows.count() >= 2  # SMS to the applicant, in-app to the household, staff inbox
    delivered = wait_for(lambda: not rows.filter(sent_at__isnull=True).exists())
    assert delivered, celery_worker_process.read_text()[-3000:]
    assert all(m.attempts == 1 for m in rows.all())  # each sent exactly once
    assert f"SMS #{rows.get(channel='sms').pk} to" in celery_worker_process.read_text()


def test_public_notice_timer_fired_by_the_worker(celery_worker_process, programs, family_home,
                                                 staff):
    case = services.submit_application(actor=family_home["user"],
                                       household=family_home["household"],
                                       program=programs["pension_subsidy"],
                                       applicant=family_home["applicant"])
    services.decide(actor=staff["village"], task_id=_open_task(case).pk, decision="approve")
    case.refresh_from_db()
    assert case.status == CaseStatus.PUBLIC_NOTICE
    timer = Task.objects.get(process_id=case.process.pk, flow_task_type="TIMER")
    Task.objects.filter(pk=timer.pk).update(scheduled=timezone.now() - timedelta(seconds=1))
    tasks.fire_due_timers.delay()

    def moved():
        case.refresh_from_db()
        return case.status == CaseStatus.TOWNSHIP_REVIEW

    assert wait_for(moved), celery_worker_process.read_text()[-3000:]
    assert case.events.filter(action="public_notice_ended").exists()
