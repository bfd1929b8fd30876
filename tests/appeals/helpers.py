"""Shared steps of the appeal tests: apply, decide, appeal."""

from datetime import timedelta

from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from casework.models import AuditEvent, OutboxMessage
from tests.support.journey import decide as decide  # the appeal tests import these here
from tests.support.journey import open_task as open_task
from tests.support.journey import submit as submit
from workflows.appeals import flow as appeals
from workflows.tasks import fire_due_timers

OPEN = ("NEW", "ASSIGNED", "STARTED")


def end_notice(case):
    timer = Task.objects.filter(process_id=case.process.pk, flow_task_type="TIMER").latest("id")
    assert timer.status == STATUS.SCHEDULED
    Task.objects.filter(pk=timer.pk).update(scheduled=timezone.now() - timedelta(seconds=1))
    fire_due_timers()
    case.refresh_from_db()
    return case


def appeal_task(appeal) -> Task:
    return Task.objects.get(process_id=appeal.process_id, flow_task_type="HUMAN")


def lodge(actor, case, grounds="家庭收入计算有误，请复核", **kwargs):
    return appeals.lodge_appeal(actor=actor, case=case, grounds=grounds, **kwargs)


def decide_appeal(actor, appeal, outcome, reason="复核意见"):
    result = appeals.decide_appeal(actor=actor, task_id=appeal_task(appeal).pk,
                                   outcome=outcome, reason=reason)
    result.case.refresh_from_db()
    return result


def actions(case):
    return list(AuditEvent.objects.filter(case=case).order_by("seq")
                .values_list("action", flat=True))


def templates(case):
    return list(OutboxMessage.objects.filter(case=case).order_by("id")
                .values_list("template", flat=True))
