"""The staff inbox and queue in due order, bulk approval, and the staff case page.

- Inbox and queue (pages and ``GET /api/v1/tasks/``): overdue tasks first, then by due
  date, tasks without a deadline last, ties by task id; keyset pages on (due, id) that
  neither overlap nor skip across equal due dates; a bounded number of statements.
- Bulk approval (``workflows.bulk.services``; the pages' ``tasks_approve`` and
  ``POST /api/v1/tasks/approve/``): each case through ``services.decide`` with its own
  decision and history event; refused server-side for cash programs, objection reviews,
  tasks of other areas and a colleague's tasks; partial failures reported per case.
- The case page a reviewer decides on: facts, documents, reasons in the user's language,
  history, messages and the decision form, in a bounded number of statements.
"""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from casework.models import AuditEvent, CaseStatus, Decision, Household
from tests import factories as f
from tests.support.journey import open_task
from workflows.applications import services
from workflows.bulk import services as bulk
from workflows.due_order import DueCursor
from workflows.models import Deadline

APP = "/workflow/benefitapplication/"
OPEN = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)
ROW = re.compile(r'<tr data-row-id="(\d+)"')
NEXT = re.compile(r'class="[^"]*wf-next-page"[^>]*data-page="([^"]*)"')
PAGE_SIZE = 25
_births = iter(range(100_000))


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def apply(programs, village, actor, *, code="medical_discount", name=None):
    household = f.household(village, second_birth_renounced_date=date(1985, 3, 1),
                            hardship=True, annual_income_yuan=10000)
    n = next(_births)
    applicant = f.person(household, name=name or f"申请人{n}",
                         birth=date(1950, 1, 1) + timedelta(days=n))
    return services.submit_application(actor=actor, household=Household.objects.get(
        pk=household.pk), program=programs[code], applicant=applicant)


def set_due(task, due_at):
    Deadline.objects.filter(task_id=task.pk).update(due_at=due_at)


def untime(task):
    Deadline.objects.filter(task_id=task.pk).delete()


def rows_in(response):
    return [int(pk) for pk in ROW.findall(response.content.decode())]


def next_cursor(response):
    found = NEXT.search(response.content.decode())
    return found.group(1) if found else None


def assign(user, task):
    with task.activation() as activation:
        activation.assign(user)


# --- due order ----------------------------------------------------------------------------

@pytest.fixture
def mixed(programs, areas, staff):
    """Five tasks at village review in v11: one overdue, one escalated (overdue longer),
    two due later (the later one first created), one without a deadline."""
    user = staff["village"]
    now = timezone.now()
    tasks = {}
    for name in ("untimed", "later", "soon", "overdue", "escalated"):
        tasks[name] = open_task(apply(programs, user.area, user))
    set_due(tasks["later"], now + timedelta(days=9))
    set_due(tasks["soon"], now + timedelta(days=2))
    set_due(tasks["overdue"], now - timedelta(days=1))
    set_due(tasks["escalated"], now - timedelta(days=6))
    Deadline.objects.filter(task_id=tasks["escalated"].pk).update(
        overdue_at=now - timedelta(days=6), escalated_at=now - timedelta(days=3))
    untime(tasks["untimed"])
    return tasks


EXPECTED = ["escalated", "overdue", "soon", "later", "untimed"]


@pytest.mark.parametrize("page", ["queue/", "inbox/"])
def test_lists_show_overdue_first_then_by_due_date_untimed_last(client, mixed, staff, page):
    user = staff["village"]
    if page == "inbox/":
        for task in mixed.values():
            assign(user, task)
    client.force_login(user)
    response = client.get(APP + page)
    assert rows_in(response) == [mixed[name].pk for name in EXPECTED]
    text = response.content.decode()
    rows = dict(zip(rows_in(response), text.split('<tr data-row-id="')[1:], strict=True))
    with translation.override("zh-hans"):
        overdue, escalated = gettext("overdue"), gettext("escalated")
    assert escalated in rows[mixed["escalated"].pk]
    assert overdue in rows[mixed["overdue"].pk]
    assert overdue not in rows[mixed["soon"].pk] and escalated not in rows[mixed["soon"].pk]
    local = timezone.localtime(Deadline.objects.get(task_id=mixed["soon"].pk).due_at)
    assert local.strftime("%Y") in rows[mixed["soon"].pk]


def test_the_api_lists_tasks_in_the_same_order(mixed, staff):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(staff["village"])
    body = client.get("/api/v1/tasks/").json()
    assert [row["id"] for row in body["results"]] == [mixed[name].pk for name in EXPECTED]
    flags = {row["id"]: (row["overdue"], row["escalated"], row["due_at"] is None)
             for row in body["results"]}
    assert flags[mixed["escalated"].pk] == (True, True, False)
    assert flags[mixed["overdue"].pk] == (True, False, False)
    assert flags[mixed["soon"].pk] == (False, False, False)
    assert flags[mixed["untimed"].pk] == (False, False, True)


def test_keyset_pages_cross_equal_due_dates_and_the_untimed_tail(client, programs, staff):
    """31 tasks: 28 due at the very same moment, 3 without a deadline; pages of 25 by
    (due, id) then the untimed by id: no overlap, nothing skipped, each page's order."""
    user = staff["village"]
    due = timezone.now() + timedelta(days=3)
    tasks = [open_task(apply(programs, user.area, user)) for _ in range(31)]
    Deadline.objects.filter(task_id__in=[t.pk for t in tasks]).update(due_at=due)
    for task in tasks[5:8]:
        untime(task)
    timed = sorted(t.pk for t in tasks if t not in tasks[5:8])
    expected = timed + sorted(t.pk for t in tasks[5:8])
    client.force_login(user)
    first = client.get(APP + "queue/")
    assert rows_in(first) == expected[:PAGE_SIZE]
    cursor = next_cursor(first)
    assert cursor == str(DueCursor(due, expected[PAGE_SIZE - 1]))
    second = client.get(APP + "queue/?after=" + cursor)
    assert rows_in(second) == expected[PAGE_SIZE:]
    assert next_cursor(second) is None
    # a page that starts among the untimed tasks
    third = client.get(APP + f"queue/?after=_{expected[-3]}")
    assert rows_in(third) == expected[-2:]
    # a bad cursor is the first page, not an error
    for bad in ("x", "12", "1_", "_x", "9" * 30 + "_1", f"1_{2**64}"):
        assert rows_in(client.get(APP + "queue/?after=" + bad)) == expected[:PAGE_SIZE], bad


def test_api_keyset_pages_follow_the_due_order(programs, staff):
    from rest_framework.test import APIClient

    user = staff["village"]
    tasks = [open_task(apply(programs, user.area, user)) for _ in range(7)]
    due = timezone.now() + timedelta(days=1)
    Deadline.objects.filter(task_id__in=[t.pk for t in tasks[:4]]).update(due_at=due)
    untime(tasks[6])
    client = APIClient()
    client.force_authenticate(user)
    url, seen = "/api/v1/tasks/?page_size=3", []
    while url:
        body = client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert seen == [t.pk for t in tasks[:4]] + [t.pk for t in tasks[4:6]] + [tasks[6].pk]
    assert client.get("/api/v1/tasks/?after=nonsense").status_code == 400


@pytest.mark.parametrize("page", ["queue/", "inbox/"])
def test_list_statements_do_not_grow_with_rows(client, programs, staff, page,
                                               django_assert_max_num_queries):
    user = staff["village"]
    client.force_login(user)
    counts = []
    for n in (1, 49):
        for _ in range(n):
            task = open_task(apply(programs, user.area, user))
            if page == "inbox/":
                assign(user, task)
        session = client.session
        session.pop("vf-pin-location", None)
        session.save()
        with django_assert_max_num_queries(9) as ctx:
            response = client.get(APP + page)
        assert response.status_code == 200
        sql = [query["sql"].upper() for query in ctx.captured_queries]
        assert not [s for s in sql if "COUNT(" in s or "OFFSET" in s], sql
        counts.append(len(sql))
    assert len(rows_in(response)) == PAGE_SIZE
    assert counts[1] <= counts[0], counts


# --- bulk approval ------------------------------------------------------------------------

def bulk_post(client, tasks, *, confirm=True, note="", back=APP + "queue/"):
    data = {"pk": [t.pk for t in tasks], "next": back, "note": note}
    if confirm:
        data["_confirm"] = "1"
    return client.post(APP + "inbox/approve/", data)


def messages_of(response):
    return [str(m) for m in response.wsgi_request._messages] if hasattr(
        response, "wsgi_request") else []


def test_the_queue_offers_bulk_approval_only_for_non_cash_review_tasks(client, programs, staff):
    user = staff["village"]
    medical = open_task(apply(programs, user.area, user))
    cash = open_task(apply(programs, user.area, user, code="pension_subsidy"))
    client.force_login(user)
    text = client.get(APP + "queue/").content.decode()
    assert 'action="/workflow/benefitapplication/inbox/approve/"' in text
    assert f'name="pk" value="{medical.pk}"' in text
    assert f'name="pk" value="{cash.pk}"' not in text
    client.force_login(staff["auditor"])
    text = client.get(APP + "queue/").content.decode()
    assert "inbox/approve/" not in text and 'name="pk"' not in text


def test_bulk_approval_confirms_then_decides_each_case(client, programs, staff):
    user = staff["village"]
    cases = [apply(programs, user.area, user) for _ in range(3)]
    tasks = [open_task(case) for case in cases]
    assign(user, tasks[0])  # one from the inbox, two from the queue
    client.force_login(user)
    page = bulk_post(client, tasks, confirm=False)
    assert page.status_code == 200
    text = page.content.decode()
    for case, task in zip(cases, tasks, strict=True):
        assert f'data-task-id="{task.pk}"' in text and f"#{case.pk}" in text
    assert 'name="_confirm"' in text and 'name="note"' in text
    assert not Decision.objects.exists()  # the first post only asks

    response = bulk_post(client, tasks, note="材料齐全")
    assert response.status_code == 302 and response["Location"] == APP + "queue/"
    for case in cases:
        case.refresh_from_db()
        assert case.status == CaseStatus.TOWNSHIP_REVIEW
        decision = Decision.objects.get(case=case)
        assert (decision.outcome, decision.reason, decision.actor_id) == (
            "approve", "材料齐全", user.pk)
        assert AuditEvent.objects.filter(case=case, action="decision_approve").count() == 1


@pytest.mark.parametrize("post", ["page", "api"])
def test_cash_programs_are_refused_even_when_posted_directly(client, programs, staff, post):
    from rest_framework.test import APIClient

    user = staff["village"]
    cash = apply(programs, user.area, user, code="pension_subsidy")
    medical = apply(programs, user.area, user)
    tasks = [open_task(cash), open_task(medical)]
    if post == "page":
        client.force_login(user)
        response = bulk_post(client, tasks)
        assert response.status_code == 302
        follow = client.get(response["Location"])
        shown = " ".join(str(m) for m in follow.context["messages"])
        assert f"#{cash.pk}" in shown and f"#{medical.pk}" in shown
    else:
        api = APIClient()
        api.force_authenticate(user)
        response = api.post("/api/v1/tasks/approve/", {"tasks": [t.pk for t in tasks]},
                            format="json")
        assert response.status_code == 200
        results = {row["task"]: row for row in response.json()["results"]}
        assert results[tasks[0].pk]["approved"] is False
        assert results[tasks[0].pk]["reason"] == str(bulk.CASH)
        assert results[tasks[1].pk]["approved"] is True
    cash.refresh_from_db()
    medical.refresh_from_db()
    assert cash.status == CaseStatus.VILLAGE_REVIEW and not cash.decisions.exists()
    assert medical.status == CaseStatus.TOWNSHIP_REVIEW


def test_objection_reviews_are_refused(programs, staff):
    from tests.api.conftest import end_notice

    user = staff["village"]
    case = apply(programs, user.area, user, code="pension_subsidy")
    services.decide(actor=user, task_id=open_task(case).pk, decision="approve")
    case.refresh_from_db()
    services.lodge_objection(actor=user, case=case, lodged_by_name="邻居", text="收入不实")
    end_notice(case)
    task = open_task(case)
    assert task.flow_task.name == "objection_review"
    (item,) = bulk.approve(actor=user, task_ids=[task.pk])
    assert not item.approved and item.refusal == str(bulk.OBJECTION)
    assert open_task(case).pk == task.pk


def test_tasks_outside_the_area_or_of_a_colleague_are_not_approved(client, programs, areas,
                                                                   staff):
    user = staff["village"]
    mine = open_task(apply(programs, user.area, user))
    other_area = open_task(apply(programs, areas["v21"], staff["village_other"]))
    colleague = f.user("village_reviewer", areas["v11"])
    theirs = open_task(apply(programs, user.area, user))
    assign(colleague, theirs)
    items = bulk.approve(actor=user, task_ids=[mine.pk, other_area.pk, theirs.pk])
    assert [item.approved for item in items] == [True, False, False]
    assert items[1].refusal == items[2].refusal == str(bulk.NOT_YOURS)
    assert items[1].case is None  # nothing of another area is shown
    assert Task.objects.get(pk=other_area.pk).status == STATUS.NEW
    assert Task.objects.get(pk=theirs.pk).status == STATUS.ASSIGNED
    # nor through the page, whose confirmation shows no case of another area
    client.force_login(user)
    text = bulk_post(client, [other_area], confirm=False).content.decode()
    assert f"#{other_area.process.pk}" not in text or "申请人" not in text
    assert 'name="_confirm"' not in text


def test_a_partial_failure_is_reported_per_case_and_the_rest_is_approved(client, programs,
                                                                         staff):
    """Four cases: one decided by a colleague while the confirmation was open, one of the
    reviewer's own household (``decide`` refuses it): both reported with their reason,
    the other two approved."""
    user = staff["village"]
    cases = [apply(programs, user.area, user) for _ in range(3)]
    own = apply(programs, user.area, user)
    type(user).objects.filter(pk=user.pk).update(household=own.household_id)
    user.refresh_from_db()
    cases.append(own)
    tasks = [open_task(case) for case in cases]
    client.force_login(user)
    bulk_post(client, tasks, confirm=False)  # the confirmation page is open ...
    services.decide(actor=f.user("village_reviewer", user.area), task_id=tasks[1].pk,
                    decision="return", reason="请补充")  # ... when a colleague decides one
    response = bulk_post(client, tasks)
    follow = client.get(response["Location"])
    shown = [str(m) for m in follow.context["messages"]]
    assert any(f"#{cases[0].pk}" in m and f"#{cases[2].pk}" in m for m in shown), shown
    assert any(f"#{cases[1].pk}" in m and str(bulk.CLOSED) in m for m in shown), shown
    assert any(f"#{own.pk}" in m and "household" in m.lower() or f"#{own.pk}" in m and "户" in m
               for m in shown), shown
    statuses = []
    for case in cases:
        case.refresh_from_db()
        statuses.append(case.status)
    assert statuses == [CaseStatus.TOWNSHIP_REVIEW, CaseStatus.RETURNED,
                        CaseStatus.TOWNSHIP_REVIEW, CaseStatus.VILLAGE_REVIEW]
    assert not own.decisions.exists()


def test_bulk_approval_takes_one_step_and_only_approves(programs, staff, client):
    user = staff["village"]
    task = open_task(apply(programs, user.area, user))
    client.force_login(user)
    # no decision field: whatever is posted, the cases are approved, never rejected
    bulk_post(client, [task], note="")
    client.post(APP + "inbox/approve/", {"pk": [task.pk], "_confirm": "1",
                                         "decision": "reject"})
    assert Decision.objects.get().outcome == "approve"
    # a read-only role gets no bulk approval
    client.force_login(staff["auditor"])
    assert bulk_post(client, [task]).status_code == 403


def test_the_api_bulk_approval_reports_each_task(programs, staff):
    from rest_framework.test import APIClient

    user = staff["township"]
    village = staff["village"]
    cases = [apply(programs, village.area, village) for _ in range(2)]
    for case in cases:
        services.decide(actor=village, task_id=open_task(case).pk, decision="approve")
    tasks = [open_task(case) for case in cases]
    api = APIClient()
    api.force_authenticate(user)
    response = api.post("/api/v1/tasks/approve/",
                        {"tasks": [t.pk for t in tasks] + [999999], "note": "同意"},
                        format="json")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(r["task"], r["approved"]) for r in rows] == [
        (tasks[0].pk, True), (tasks[1].pk, True), (999999, False)]
    assert rows[0]["case"] == cases[0].pk and rows[2]["case"] is None
    for case in cases:
        case.refresh_from_db()
        assert case.status == CaseStatus.APPROVED  # medical discount: township is final
    assert api.post("/api/v1/tasks/approve/", {"tasks": ["x"]},
                    format="json").status_code == 400


# --- the case page ------------------------------------------------------------------------

def test_the_case_page_shows_what_a_decision_needs(client, programs, staff, settings,
                                                   tmp_path, django_assert_max_num_queries):
    """The decision page of a task: the facts (the register's and the pre-check's
    snapshot), the documents as links, each criterion's reason in the user's language,
    the history, the messages sent and the decision form; its statements do not grow
    with the documents and the history."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = str(tmp_path)
    user = staff["village"]
    case = apply(programs, user.area, user, name="孙阿姨")
    task = open_task(case)
    assign(user, task)
    client.force_login(user)
    url = f"{APP}{task.process_id}/{task.flow_task.name}/{task.pk}/execute/"
    counts = []
    for documents in (1, 5):
        while case.documents.count() < documents:
            services.add_document(actor=user, case=case, kind="id_card",
                                  file=SimpleUploadedFile("id.pdf", b"%PDF-1.4 x"))
        client.get(url)
        with django_assert_max_num_queries(40) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
    text = response.content.decode()
    case.refresh_from_db()
    assert "孙阿姨" in text and case.household.number in text  # facts
    assert "wf-facts-snapshot" in text  # the facts the pre-check used
    assert text.count("wf-document-link") == 5 and "/documents/" in text  # documents
    criteria = case.eligibility["criteria"]
    assert criteria and all(c["reason_zh"] in text for c in criteria)  # reasons, zh
    assert "wf-history" in text and "wf-case-messages" in text  # history, messages
    assert 'name="decision"' in text and 'name="reason"' in text  # the decision form
    client.cookies["django_language"] = "en"
    text = client.get(url).content.decode()
    assert all(c["reason_en"] in text for c in criteria)
    assert "Facts at the pre-check" in text


# --- the due order is served by the deadline indexes (PostgreSQL) -------------------------

@pytest.mark.requires_postgres("EXPLAIN plans are PostgreSQL's")
@pytest.mark.parametrize("role", ["village", "district"])
def test_the_queue_in_due_order_reads_a_deadline_index(programs, staff, role):
    from django.db import connection

    from workflows import frontend_access
    from workflows.applications.flow import BenefitApplicationFlow
    from workflows.due_order import deadline_scope, timed

    village = staff["village"]
    cases = [apply(programs, village.area, village) for _ in range(3)]
    if role == "district":
        from tests.api.conftest import end_notice

        cases = [apply(programs, village.area, village, code="pension_subsidy")
                 for _ in range(3)]
        for case in cases:
            services.decide(actor=village, task_id=open_task(case).pk, decision="approve")
            end_notice(case)
            services.decide(actor=staff["township"], task_id=open_task(case).pk,
                            decision="approve")
    user = staff[role]
    tasks = frontend_access.queue_for(user, BenefitApplicationFlow)
    first = timed(tasks, deadline_scope(user))
    after = first.filter(id__gt=0)[: PAGE_SIZE + 1]
    assert len(first[: PAGE_SIZE + 1]) == 3
    assert Deadline.objects.filter(role=user.role, scope_key__startswith=user.area_id,
                                   closed_at__isnull=True).count() == 3
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    for page in (first[: PAGE_SIZE + 1], after):
        plan = page.explain()
        assert "Seq Scan on workflows_deadline" not in plan, plan
        assert re.search(r"wf_deadline_open_(due|scope)", plan), plan
