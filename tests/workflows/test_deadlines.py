"""Working-day deadlines of human steps: opened with the task, closed with it, and the
sweep's reminder -> overdue -> escalation, each once, none of them deciding anything."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from casework.models import AuditEvent, CaseStatus, OutboxMessage
from tests.workflows.test_lifecycle import approve, open_task, submit
from workflows.applications import services
from workflows.deadlines.services import plan, sweep
from workflows.deadlines.workdays import WorkingCalendar, forget_calendar
from workflows.models import Deadline

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _fresh_calendar():
    forget_calendar()
    yield
    forget_calendar()


def national_day_calendar() -> WorkingCalendar:
    holidays = frozenset(date(2026, 10, d) for d in range(1, 8))
    return WorkingCalendar(holidays=holidays, workdays=frozenset({date(2026, 10, 10)}),
                           years=frozenset({2026}))


def test_plan_counts_working_days_and_sets_reminder_and_escalation():
    start = datetime(2026, 9, 29, 15, 30, tzinfo=SH)
    planned = plan("village_review", start, {"sla_village_review_days": 5,
                                              "sla_reminder_days_before": 1,
                                              "sla_escalation_grace_days": 3},
                   national_day_calendar())
    assert planned.due_at == datetime(2026, 10, 12, 23, 59, 59, tzinfo=SH)
    # the working day before Mon 12 Oct is Sat 10 Oct (worked in exchange)
    assert planned.remind_at == datetime(2026, 10, 10, 9, 0, tzinfo=SH)
    assert planned.escalate_at == datetime(2026, 10, 15, 23, 59, 59, tzinfo=SH)


def test_plan_without_a_deadline_parameter_uses_the_demo_defaults_and_district_never_escalates():
    start = datetime(2026, 11, 2, 10, 0, tzinfo=SH)  # a Monday
    planned = plan("district_review", start, {}, national_day_calendar())
    assert planned.working_days == 10
    assert planned.due_at.date() == date(2026, 11, 16)
    assert planned.escalate_at is None  # no level above the district


def test_a_reminder_point_before_the_start_is_skipped():
    start = datetime(2026, 11, 2, 10, 0, tzinfo=SH)
    planned = plan("township_review", start, {"sla_township_review_days": 1,
                                               "sla_reminder_days_before": 2},
                   national_day_calendar())
    assert planned.remind_at is None
    assert planned.first_stage[0] == Deadline.Stage.DUE


def test_zero_days_means_no_deadline():
    assert plan("village_review", timezone.now(), {"sla_village_review_days": 0},
                national_day_calendar()) is None


def test_each_step_opens_a_deadline_and_closing_the_step_closes_it(programs, family_home, staff):
    case = submit(programs, family_home, "medical_discount")
    village = Deadline.objects.get(case=case)
    assert village.step == "village_review" and village.working_days == 5
    assert village.task_id == open_task(case).pk
    assert village.closed_at is None and village.next_at is not None
    assert village.due_at > timezone.now()

    approve(staff["village"], case)
    village.refresh_from_db()
    assert village.closed_at is not None and village.next_at is None
    township = Deadline.objects.get(case=case, closed_at__isnull=True)
    assert township.step == "township_review" and township.task_id == open_task(case).pk

    services.withdraw(actor=family_home["user"], case=case)
    assert not Deadline.objects.filter(case=case, closed_at__isnull=True).exists()
    assert not Deadline.objects.filter(case=case, next_at__isnull=False).exists()


def test_the_sweep_reminds_then_marks_overdue_then_escalates_each_once(programs, family_home,
                                                                        staff):
    case = submit(programs, family_home, "medical_discount")
    deadline = Deadline.objects.get(case=case)
    assert deadline.stage == Deadline.Stage.REMIND

    assert sweep(now=deadline.remind_at - timedelta(seconds=1)) == 0
    assert sweep(now=deadline.remind_at) == 1
    assert sweep(now=deadline.remind_at) == 0  # a second tick does nothing
    deadline.refresh_from_db()
    assert deadline.reminded_at is not None and deadline.stage == Deadline.Stage.DUE

    assert sweep(now=deadline.due_at + timedelta(seconds=1)) == 1
    assert sweep(now=deadline.due_at + timedelta(seconds=1)) == 0
    deadline.refresh_from_db()
    assert deadline.overdue_at is not None and deadline.stage == Deadline.Stage.ESCALATE

    assert sweep(now=deadline.escalate_at + timedelta(seconds=1)) == 1
    assert sweep(now=deadline.escalate_at + timedelta(days=30)) == 0
    deadline.refresh_from_db()
    assert deadline.escalated_at is not None and deadline.next_at is None

    events = list(AuditEvent.objects.filter(case=case, action__startswith="deadline_")
                  .order_by("seq").values_list("action", "actor", "detail"))
    assert [e[0] for e in events] == ["deadline_reminder", "deadline_overdue",
                                      "deadline_escalated"]
    assert all(actor is None for _, actor, _ in events)  # the system, not a person
    assert events[2][2]["escalated_to"] == "township_review" and events[2][2]["note"]

    sent = list(OutboxMessage.objects.filter(case=case, template__startswith="task_")
                .exclude(template="task_waiting").order_by("id")
                .values_list("template", "recipient"))
    area = case.area_id
    assert sent == [
        ("task_reminder", f"village_review:{area}"),
        ("task_overdue", f"village_review:{area}"),
        ("task_overdue", f"township_review:{area}"),
        ("task_escalated", f"village_review:{area}"),
        ("task_escalated", f"township_review:{area}"),
    ]
    # nothing was decided: the case still waits for its village reviewer
    case.refresh_from_db()
    assert case.status == CaseStatus.VILLAGE_REVIEW
    assert open_task(case).flow_task.name == "village_review"
    # and the reviewer can still decide, which closes the deadline
    approve(staff["village"], case)
    deadline.refresh_from_db()
    assert deadline.closed_at is not None


def test_a_decided_step_is_never_reminded(programs, family_home, staff):
    case = submit(programs, family_home, "medical_discount")
    deadline = Deadline.objects.get(case=case)
    approve(staff["village"], case)
    sweep(now=deadline.escalate_at + timedelta(days=1))
    steps = {e["step"] for e in AuditEvent.objects.filter(
        case=case, action__startswith="deadline_").values_list("detail", flat=True)}
    assert steps == {"township_review"}  # only the step now waiting has a running clock


def test_the_family_is_reminded_by_sms_of_a_returned_application(programs, family_home, staff):
    case = submit(programs, family_home, "medical_discount")
    services.decide(actor=staff["village"], task_id=open_task(case).pk, decision="return",
                    reason="缺少独生子女证复印件")
    deadline = Deadline.objects.get(case=case, closed_at__isnull=True)
    assert deadline.step == "family_revision" and deadline.escalate_at is None
    sweep(now=deadline.remind_at)
    reminder = OutboxMessage.objects.filter(case=case, template="task_reminder")
    assert set(reminder.values_list("channel", flat=True)) == {"sms", "inapp"}
    sweep(now=deadline.due_at + timedelta(seconds=1))
    told = set(OutboxMessage.objects.filter(case=case, template="task_overdue")
               .values_list("recipient", flat=True))
    assert told == {f"household:{case.household_id}", f"village_review:{case.area_id}"}


def test_a_sweep_reads_only_due_rows(programs, family_home, staff, django_assert_max_num_queries):
    for _ in range(3):
        case = submit(programs, family_home, "medical_discount")
        services.withdraw(actor=family_home["user"], case=case)
    submit(programs, family_home, "medical_discount")
    with django_assert_max_num_queries(3):  # savepoint-free: one SELECT of due rows
        assert sweep(now=timezone.now()) == 0


def test_deadlines_follow_the_parameters_in_the_case_snapshot(programs, family_home):
    from eligibility.models import PolicyParameter

    PolicyParameter.objects.filter(program=programs["medical_discount"],
                                   key="sla_village_review_days").update(value=2)
    case = submit(programs, family_home, "medical_discount")
    assert case.eligibility["parameters"]["sla_village_review_days"] == 2
    assert Deadline.objects.get(case=case).working_days == 2


def test_the_inbox_and_case_api_show_due_at_and_overdue(programs, family_home, staff):
    from rest_framework.test import APIClient

    case = submit(programs, family_home, "medical_discount")
    deadline = Deadline.objects.get(case=case)
    client = APIClient()
    client.force_authenticate(staff["village"])

    task = client.get("/api/v1/tasks/").json()["results"][0]
    listed = client.get("/api/v1/cases/").json()["results"][0]
    detail = client.get(f"/api/v1/cases/{case.pk}/").json()
    expected = timezone.localtime(deadline.due_at).isoformat()
    assert task["due_at"] == listed["due_at"] == detail["due_at"] == expected
    assert task["overdue"] is listed["overdue"] is detail["overdue"] is False
    assert task["escalated"] is False

    sweep(now=deadline.due_at + timedelta(seconds=1))  # overdue: staff are told
    Deadline.objects.filter(pk=deadline.pk).update(due_at=timezone.now() - timedelta(hours=1))
    assert client.get("/api/v1/tasks/").json()["results"][0]["overdue"] is True
    assert client.get(f"/api/v1/cases/{case.pk}/").json()["overdue"] is True

    approve(staff["village"], case)
    approve(staff["township"], case)  # granted: no step waits, nothing is due
    detail = client.get(f"/api/v1/cases/{case.pk}/").json()
    assert detail["due_at"] is None and detail["overdue"] is False


def test_the_staff_inbox_shows_the_due_date_and_marks_overdue(client, programs, family_home,
                                                              staff):
    from workflows.models import Deadline as D

    case = submit(programs, family_home, "medical_discount")
    client.force_login(staff["village"])
    due = timezone.localtime(D.objects.get(case=case).due_at).date()
    page = client.get("/workflow/benefitapplication/queue/").content.decode()
    assert f"{due:%Y}" in page and "逾期" not in page
    D.objects.filter(case=case).update(due_at=timezone.now() - timedelta(days=1))
    page = client.get("/workflow/benefitapplication/queue/").content.decode()
    assert "已逾期" in page


def test_a_taken_task_reminds_the_one_who_took_it_in_app_and_by_email(programs, family_home,
                                                                      staff):
    from workflows.tasks import deliver

    case = submit(programs, family_home, "medical_discount")
    reviewer = staff["village"]
    reviewer.email = "reviewer@example.cn"
    reviewer.save(update_fields=["email"])
    task = open_task(case)
    task.owner = reviewer
    task.status = "ASSIGNED"
    task.save(update_fields=["owner", "status"])
    deadline = Deadline.objects.get(case=case)
    sweep(now=deadline.remind_at)
    reminder = OutboxMessage.objects.get(case=case, template="task_reminder")
    assert (reminder.channel, reminder.recipient_user_id) == ("inapp", reviewer.pk)
    deliver(reminder.pk)
    assert reviewer.inbox_messages.filter(template="task_reminder").count() == 1
    email = OutboxMessage.objects.get(case=case, template="task_reminder", channel="email")
    assert (email.recipient, email.recipient_user_id) == ("reviewer@example.cn", reviewer.pk)
