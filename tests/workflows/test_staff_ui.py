"""The staff UI at /workflow/: viewflow's frontend, scoped by area and role.

One case in village v11 (township t1) and one in v21 (township t2); every staff
role sees only its area's cases on every list, gets 404 on the other area's
process and task pages, and the auditor reads but never assigns or executes.
A case goes from the village reviewer's queue to "approved" through the pages.
"""

import html
import re
from datetime import date

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext
from viewflow.workflow.fields import get_task_ref
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from casework.models import CaseStatus, Decision, Household
from casework.personal.identity import mask_resident_id
from tests import factories as f
from tests.support.journey import open_task
from tests.workflows.test_recertification import YEAR, change_parameter
from workflows import frontend_access
from workflows.applications import services
from workflows.applications.flow import BenefitApplicationFlow
from workflows.documents import kind_label
from workflows.models import Recertification
from workflows.recertification.flow import recertify
from workflows.task_rows import step_label

APP = "/workflow/benefitapplication/"
OPEN = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)
NAME_A, NAME_B = "王大爷", "赵奶奶"  # applicants in v11 and v21


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- helpers -----------------------------------------------------------------------------

def apply(programs, village, actor, *, name, code="medical_discount"):
    household = f.household(village, second_birth_renounced_date=date(1985, 3, 1))
    applicant = f.person(household, name=name, birth=date(1955, 4, 2))
    household = Household.objects.get(pk=household.pk)
    return services.submit_application(actor=actor, household=household,
                                       program=programs[code], applicant=applicant)


def task_url(task, action=""):
    url = f"{APP}{task.process_id}/{task.flow_task.name}/{task.pk}/"
    return f"{url}{action}/" if action else url


def names_in(response):
    text = response.content.decode()
    return {name for name in (NAME_A, NAME_B) if name in text}


def login(client, user):
    client.force_login(user)
    return client


def assign(user, task):
    with task.activation() as activation:
        activation.assign(user)


@pytest.fixture
def cases(programs, areas, staff):
    """A (v11) decided by its village and waiting at township t1; B (v21) assigned to
    its village reviewer."""
    a = apply(programs, areas["v11"], staff["village"], name=NAME_A)
    b = apply(programs, areas["v21"], staff["village_other"], name=NAME_B)
    services.decide(actor=staff["village"], task_id=open_task(a).pk, decision="approve")
    assign(staff["village_other"], open_task(b))
    return {"a": a, "b": b}


# who sees which case, and what each list holds in the fixture's state
SEES = {
    "village": {NAME_A},
    "village_other": {NAME_B},
    "township": {NAME_A},
    "township_other": {NAME_B},
    "district": {NAME_A, NAME_B},
    "auditor": {NAME_A, NAME_B},
}
EXPECTED = {
    ("village", "archive/"): {NAME_A},
    ("village_other", "inbox/"): {NAME_B},
    ("township", "queue/"): {NAME_A},
    ("auditor", "queue/"): {NAME_A},  # read-only: every unassigned task of the district
}
LISTS = ("inbox/", "queue/", "archive/", "flows/", "", "tasks/")


# --- scoping -----------------------------------------------------------------------------

@pytest.mark.parametrize("role", list(SEES))
def test_every_list_shows_only_the_roles_area(client, cases, staff, role):
    login(client, staff[role])
    for page in LISTS:
        response = client.get(APP + page)
        assert response.status_code == 200, page
        shown = names_in(response)
        assert shown <= SEES[role], (page, shown)
        if page in ("flows/", "", "tasks/"):  # process list, board, all tasks
            assert shown == SEES[role], (page, shown)
        else:
            assert shown == EXPECTED.get((role, page), set()), (page, shown)


def test_site_root_redirects_staff_to_the_flow(client, cases, staff):
    response = login(client, staff["village"]).get("/workflow/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].endswith("benefitapplication/")


@pytest.mark.parametrize("role,other", [("village", "b"), ("village_other", "a"),
                                        ("township", "b"), ("township_other", "a")])
def test_other_areas_process_and_task_pages_are_not_found(client, cases, staff, role, other):
    case = cases[other]
    task = open_task(case)
    login(client, staff[role])
    urls = [f"{APP}{case.process.pk}/", f"{APP}{case.process.pk}/chart/",
            task_url(task), task_url(task, "detail"), task_url(task, "assign"),
            task_url(task, "execute"), task_url(task, "unassign")]
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert client.post(task_url(task, "assign")).status_code == 404
    assert client.post(task_url(task, "execute"),
                       {"decision": "approve"}).status_code == 404
    assert open_task(case).owner_id != staff[role].pk


def test_a_task_under_another_process_is_not_found(client, cases, staff):
    login(client, staff["district"])
    task = open_task(cases["b"])
    url = f"{APP}{cases['a'].process.pk}/{task.flow_task.name}/{task.pk}/detail/"
    assert client.get(url).status_code == 404


def test_bulk_assign_takes_only_tasks_of_the_users_queue(client, cases, staff, areas):
    mine, other = open_task(cases["a"]), open_task(cases["b"])
    other.owner = None
    other.status = STATUS.NEW
    other.save()
    login(client, staff["township"])
    response = client.post(APP + "queue/assign/", {"pk": [mine.pk, other.pk], "_confirm": "1"})
    assert response.status_code == 302
    mine.refresh_from_db()
    other.refresh_from_db()
    assert mine.owner_id == staff["township"].pk and mine.status == STATUS.ASSIGNED
    assert other.owner_id is None and other.status == STATUS.NEW


@pytest.mark.parametrize("role", ["district", "auditor"])
def test_district_roles_open_both_areas(client, cases, staff, role):
    login(client, staff[role])
    for key in ("a", "b"):
        case = cases[key]
        assert client.get(f"{APP}{case.process.pk}/").status_code == 200
        assert client.get(f"{APP}{case.process.pk}/chart/").status_code == 200
        assert client.get(task_url(open_task(case), "detail")).status_code == 200


def test_every_task_of_a_process_opens_read_only(client, cases, staff):
    case = cases["a"]  # start, village review (done), township review (open)
    login(client, staff["district"])
    page = client.get(f"{APP}{case.process.pk}/").content.decode()
    tasks = Task.objects.filter(process_id=case.process.pk).order_by("id")
    assert len(tasks) >= 3
    for task in tasks:
        assert task_url(task) in page
        response = client.get(task_url(task), follow=True)
        assert response.status_code == 200, task.flow_task.name
        assert response.redirect_chain[-1][0] == task_url(task, "detail")


def test_process_page_shows_the_case_file(client, cases, staff):
    case = cases["a"]
    response = login(client, staff["township"]).get(f"{APP}{case.process.pk}/")
    text = response.content.decode()
    assert NAME_A in text and case.household.number in text
    assert case.applicant.id_number in text  # approvers see the full number


def test_the_case_files_access_records_name_the_page_that_showed_it(client, cases, staff):
    from casework.models import AccessRecord

    case, user = cases["a"], staff["township"]
    login(client, user)
    task = open_task(case)
    for url in (f"{APP}{case.process.pk}/", task_url(task, "detail")):
        before = AccessRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0
        assert client.get(url).status_code == 200
        # (records are append-only: the page's own are those after ``before``)
        shown = AccessRecord.objects.get(user=user, kind="resident_id", id__gt=before)
        assert (shown.case_id, shown.person_id, shown.path) == (case.pk, case.applicant_id, url)


def test_families_are_sent_to_their_own_pages(client, cases, family_home):
    login(client, family_home["user"])
    for url in ("/workflow/", APP + "inbox/", f"{APP}{cases['a'].process.pk}/",
                task_url(open_task(cases["a"]), "detail")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == "/family/", url


def test_anonymous_users_are_sent_to_the_login_page(client, cases):
    response = client.get(APP + "inbox/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


# --- the auditor reads, never acts ---------------------------------------------------------

def test_auditor_cannot_assign_or_execute(client, cases, staff):
    task = open_task(cases["a"])  # township review, unassigned
    login(client, staff["auditor"])
    assert client.get(task_url(task, "assign")).status_code == 403
    assert client.post(task_url(task, "assign")).status_code == 403
    assert client.get(task_url(task, "execute")).status_code == 403
    assert client.post(task_url(task, "execute"), {"decision": "approve"}).status_code == 403
    response = client.post(APP + "queue/assign/", {"pk": [task.pk]})
    assert response.status_code == 403
    task.refresh_from_db()
    assert task.owner_id is None and task.status == STATUS.NEW

    # opening the task from a list lands on the read-only page, without actions
    response = client.get(task_url(task))
    assert response.status_code == 302
    assert response["Location"] == task_url(task, "detail")
    detail = client.get(task_url(task, "detail")).content.decode()
    assert "/assign/" not in detail and "/execute/" not in detail
    # the auditor sees the case file with the identity number masked
    number = cases["a"].applicant.id_number
    assert number not in detail and mask_resident_id(number) in detail


def test_only_the_owner_opens_an_assigned_tasks_form(client, cases, staff, areas):
    colleague = f.user("village_reviewer", areas["v21"])
    task = open_task(cases["b"])  # assigned to staff["village_other"]
    login(client, colleague)
    assert client.get(task_url(task, "execute")).status_code == 403
    response = client.get(task_url(task))
    assert response["Location"] == task_url(task, "detail")
    detail = client.get(task_url(task, "detail")).content.decode()
    assert "/execute/" not in detail


# --- a case through the pages ---------------------------------------------------------------

def take_and_open(client, task):
    """From the queue: open the task (-> assign page), assign and continue (-> the form)."""
    response = client.get(task_url(task))
    assert response.status_code == 302 and response["Location"] == task_url(task, "assign")
    assert client.get(response["Location"]).status_code == 200
    response = client.post(task_url(task, "assign"), {"_continue": "1"})
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response.status_code == 302 and response["Location"] == task_url(task, "execute")
    page = client.get(response["Location"])
    assert page.status_code == 200
    return page


def test_village_then_township_approve_through_the_ui(client, programs, family_home, staff):
    case = services.submit_application(actor=family_home["user"],
                                       household=family_home["household"],
                                       program=programs["medical_discount"],
                                       applicant=family_home["applicant"])
    task = open_task(case)

    # village reviewer: the inbox is empty until the task is taken from the queue
    login(client, staff["village"])
    assert NAME_A not in client.get(APP + "inbox/").content.decode()
    queue = client.get(APP + "queue/").content.decode()
    assert task_url(task) in queue
    page = take_and_open(client, task)
    inbox = client.get(APP + "inbox/").content.decode()
    for shown in (f"#{case.pk}", case.program.name_zh, NAME_A, case.area.name):
        assert shown in inbox
    text = page.content.decode()
    assert 'name="decision"' in text and 'name="reason"' in text
    assert case.household.number in text and case.applicant.id_number in text
    criteria = case.eligibility["criteria"]
    assert criteria and all(c["reason_zh"] in text for c in criteria)
    assert not any(c["reason_en"] in text for c in criteria)
    response = client.post(task_url(task, "execute"), {"decision": "approve", "reason": "ok"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.TOWNSHIP_REVIEW
    assert NAME_A in client.get(APP + "archive/").content.decode()

    # township approver: sees it in the queue, takes it, approves: the case is granted
    client.logout()
    login(client, staff["township"])
    task = open_task(case)
    assert task.flow_task.name == "township_review"
    assert task_url(task) in client.get(APP + "queue/").content.decode()
    page = take_and_open(client, task)
    text = page.content.decode()
    assert "ok" in text and "village_reviewer" in text  # the decision so far and who made it
    response = client.post(task_url(task, "execute"), {"decision": "approve", "reason": ""})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.APPROVED
    assert case.entitlement.program_id == case.program_id
    assert list(case.decisions.values_list("step", "outcome")) == [
        ("village_review", "approve"), ("township_review", "approve")]


def test_reject_without_reason_redisplays_the_form(client, programs, family_home, staff):
    case = services.submit_application(actor=family_home["user"],
                                       household=family_home["household"],
                                       program=programs["medical_discount"],
                                       applicant=family_home["applicant"])
    task = open_task(case)
    login(client, staff["village"])
    take_and_open(client, task)
    response = client.post(task_url(task, "execute"), {"decision": "reject", "reason": " "})
    assert response.status_code == 200
    assert 'name="reason"' in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.VILLAGE_REVIEW and not Decision.objects.filter(case=case)


def test_return_then_resubmit_for_the_family_through_the_ui(client, programs, family_home,
                                                            staff):
    case = services.submit_application(actor=family_home["user"],
                                       household=family_home["household"],
                                       program=programs["medical_discount"],
                                       applicant=family_home["applicant"])
    login(client, staff["village"])
    task = open_task(case)
    take_and_open(client, task)
    client.post(task_url(task, "execute"), {"decision": "return", "reason": "need certificate"})
    case.refresh_from_db()
    assert case.status == CaseStatus.RETURNED
    revision = open_task(case)
    assert revision.flow_task.name == "family_revision"
    page = take_and_open(client, revision)  # village staff act for an offline family
    assert 'name="statement"' in page.content.decode()
    response = client.post(task_url(revision, "execute"), {"statement": "certificate added"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.VILLAGE_REVIEW


def test_reasons_follow_the_active_language(client, programs, family_home, staff):
    case = services.submit_application(actor=family_home["user"],
                                       household=family_home["household"],
                                       program=programs["medical_discount"],
                                       applicant=family_home["applicant"])
    login(client, staff["village"])
    client.cookies["django_language"] = "en"
    text = client.get(task_url(open_task(case), "detail")).content.decode()
    criteria = case.eligibility["criteria"]
    assert all(c["reason_en"] in text for c in criteria)
    assert not any(c["reason_zh"] in text for c in criteria)
    assert case.program.name_en in text


# --- a stale form: the task was decided or cancelled while it was open --------------------

ALREADY_DECIDED = "This task has already been decided."


def decided_message() -> str:
    with translation.override("zh-hans"):
        message = gettext(ALREADY_DECIDED)
    assert message != ALREADY_DECIDED  # the zh-hans catalogue translates it
    return message


@pytest.fixture
def opened(client, programs, family_home, staff):
    """A village review task that ``staff["village"]`` took and opened in the client."""
    case = services.submit_application(actor=family_home["user"],
                                       household=family_home["household"],
                                       program=programs["medical_discount"],
                                       applicant=family_home["applicant"])
    task = open_task(case)
    login(client, staff["village"])
    take_and_open(client, task)
    return case, task


def assert_sent_to_the_task_page(client, response, task):
    assert response.status_code == 302
    assert response["Location"] == task_url(task, "detail")
    page = client.get(response["Location"])
    assert page.status_code == 200
    text = page.content.decode()
    assert html.escape(decided_message()) in text
    assert "no transition" not in text


def test_a_form_decided_meanwhile_by_a_colleague_goes_to_the_task_page(client, opened, areas):
    case, task = opened
    colleague = f.user("village_reviewer", areas["v11"])  # same village
    services.decide(actor=colleague, task_id=task.pk, decision="approve", reason="ok")
    case.refresh_from_db()
    status = case.status

    response = client.post(task_url(task, "execute"), {"decision": "reject", "reason": "no"})
    assert_sent_to_the_task_page(client, response, task)
    assert list(case.decisions.values_list("outcome", "actor")) == [("approve", colleague.pk)]
    case.refresh_from_db()
    assert case.status == status
    task.refresh_from_db()
    assert task.status == STATUS.DONE and task.owner_id == colleague.pk
    # reloading the form is the same answer, not viewflow's 403
    assert_sent_to_the_task_page(client, client.get(task_url(task, "execute")), task)


def test_a_form_of_a_withdrawn_case_goes_to_the_task_page(client, opened, family_home):
    case, task = opened
    services.withdraw(actor=family_home["user"], case=case, reason="不需要了")
    task.refresh_from_db()
    assert task.status == STATUS.CANCELED and task.owner_id is not None

    response = client.post(task_url(task, "execute"), {"decision": "approve", "reason": ""})
    assert_sent_to_the_task_page(client, response, task)
    assert not Decision.objects.filter(case=case).exists()
    case.refresh_from_db()
    assert case.status == CaseStatus.WITHDRAWN


def test_a_task_closed_between_the_check_and_viewflows_lock(client, opened, areas,
                                                           monkeypatch):
    # the page's own check still saw the task open; viewflow's locked read finds it done
    # (TransitionNotAllowed / not the owner -> PermissionDenied): same answer
    case, task = opened
    task.refresh_from_db()
    user = task.owner
    assert user is not None and task.status == STATUS.ASSIGNED
    stale = frontend_access.scoped_task(user, BenefitApplicationFlow,
                                        process_pk=task.process_id, task_pk=task.pk)
    services.decide(actor=f.user("village_reviewer", areas["v11"]), task_id=task.pk,
                    decision="approve")
    calls = []
    real = frontend_access.scoped_task

    def first_stale(*args, **kwargs):
        calls.append(1)
        return stale if len(calls) == 1 else real(*args, **kwargs)

    monkeypatch.setattr(frontend_access, "scoped_task", first_stale)
    response = client.post(task_url(task, "execute"), {"decision": "reject", "reason": "no"})
    monkeypatch.undo()
    assert len(calls) == 2  # the check above, then again after viewflow refused
    assert_sent_to_the_task_page(client, response, task)
    assert case.decisions.count() == 1


def test_taking_a_task_of_a_withdrawn_case_goes_to_the_task_page(client, programs,
                                                                 family_home, staff):
    case = services.submit_application(actor=family_home["user"],
                                       household=family_home["household"],
                                       program=programs["medical_discount"],
                                       applicant=family_home["applicant"])
    task = open_task(case)
    login(client, staff["village"])
    assert client.get(task_url(task, "assign")).status_code == 200  # the page is open
    services.withdraw(actor=family_home["user"], case=case)
    response = client.post(task_url(task, "assign"), {"_continue": "1"})
    assert_sent_to_the_task_page(client, response, task)
    task.refresh_from_db()
    assert task.status == STATUS.CANCELED and task.owner_id is None


def test_an_open_task_of_someone_else_is_still_refused(client, opened, areas):
    _case, task = opened
    client.force_login(f.user("village_reviewer", areas["v11"]))
    assert client.get(task_url(task, "execute")).status_code == 403
    assert client.post(task_url(task, "execute"), {"decision": "approve"}).status_code == 403


# --- documents in the case file ---------------------------------------------------------------

def test_the_case_file_links_each_document_with_its_label(client, opened, family_home, settings,
                                                          tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case, task = opened
    document = services.add_document(
        actor=family_home["user"], case=case, kind="household_register",
        file=SimpleUploadedFile("hukou.jpg", b"\xff\xd8\xff photo"), description="首页")
    with translation.override("zh-hans"):
        label = str(kind_label("household_register"))
    assert label != "household_register"
    link = re.compile(rf'<a href="/documents/{document.pk}/"[^>]*>\s*{re.escape(label)}\s*</a>')
    for url in (task_url(task, "execute"), task_url(task, "detail"),
                f"{APP}{case.process.pk}/"):
        text = client.get(url).content.decode()
        assert link.search(text), url
        assert "首页" in text and "hukou.jpg" in text
        assert ">household_register<" not in text
    assert client.get(f"/documents/{document.pk}/").status_code == 200


# --- query counts and keyset pagination -----------------------------------------------------

def fill(programs, areas, user, page, n):
    """``n`` more rows for ``page``: tasks assigned to ``user`` (inbox), waiting for anyone
    (queue, processes, board, all tasks) or decided by ``user`` (archive)."""
    for _ in range(n):
        case = apply(programs, areas["v11"], user, name=f"申请人{next(SEQ)}")
        if page == "inbox/":
            assign(user, open_task(case))
        elif page == "archive/":
            services.decide(actor=user, task_id=open_task(case).pk, decision="approve")


SEQ = iter(range(10_000))
PAGE_SIZE = 25
# statements per page, whatever the number of rows (the standard allows 10): session, user,
# the page's rows (the board: all its columns in one statement), their cases with program,
# applicant and village joined, the menu's inbox and queue badges (ids up to a limit, one
# statement), and the session write that pins the list for "back" (savepoint, update,
# release) when the pinned list changes
# open-task lists read the page's deadlines in one more statement; the inbox and queue read
# them with their rows (due order), and one more statement for the tasks without a deadline
# only when the page reaches them (so 1 row may cost one statement more than 50)
DUE_ORDERED = ("inbox/", "queue/")
MAX_QUERIES = {"inbox/": 9, "queue/": 9, "archive/": 8, "flows/": 8, "": 8, "tasks/": 9}
PIN = "vf-pin-location"
ROW = re.compile(r'<tr data-row-id="(\d+)"')
NEXT = re.compile(r'class="[^"]*wf-next-page"[^>]*>\s*<a href="([^"#]*)')


def rows_in(response):
    return [int(pk) for pk in ROW.findall(response.content.decode())]


def next_link(response):
    found = NEXT.search(response.content.decode())
    return html.unescape(found.group(1)) if found else None


@pytest.mark.parametrize("page", list(MAX_QUERIES))
def test_list_pages_read_a_bounded_number_of_statements(client, programs, areas, staff, page,
                                                        django_assert_max_num_queries):
    user = staff["village"]
    login(client, user)
    counts = []
    for n in (1, 49):  # 1 row, then 50 (two pages), as the project's standard asks
        fill(programs, areas, user, page, n)
        unpin(client)  # each request then pins its list: the session write is counted
        with django_assert_max_num_queries(MAX_QUERIES[page]) as ctx:
            response = client.get(APP + page)
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
        statements = [query["sql"] for query in ctx.captured_queries]
        assert not [sql for sql in statements if "COUNT(" in sql.upper()], statements
        assert not [sql for sql in statements if "OFFSET" in sql.upper()], statements
    if page in DUE_ORDERED:
        assert counts[1] <= counts[0], counts
    else:
        assert counts[0] == counts[1], counts
    if page:
        assert len(rows_in(response)) == PAGE_SIZE
        assert next_link(response)
    else:  # the board: a column holds MAX_ROWS - 1 cards and a link to the full list
        assert response.content.decode().count("wf-task-card") == PAGE_SIZE


def unpin(client):
    session = client.session
    session.pop(PIN, None)
    session.save()


def board_columns(response):
    """The board's columns: title -> the column's HTML."""
    columns = {}
    for chunk in response.content.decode().split('<div class="column">')[1:]:
        title = re.search(r'<span class="column-title">([^<]*)</span>', chunk).group(1)
        columns[title.strip()] = chunk
    return columns


def test_the_board_shows_open_tasks_by_step_and_closed_cases_as_finished(client, programs,
                                                                          areas, staff):
    closed = apply(programs, areas["v11"], staff["village"], name=NAME_A)
    services.decide(actor=staff["village"], task_id=open_task(closed).pk, decision="approve")
    services.decide(actor=staff["township"], task_id=open_task(closed).pk, decision="approve")
    closed.refresh_from_db()
    assert closed.status == CaseStatus.APPROVED
    waiting = apply(programs, areas["v21"], staff["village_other"], name=NAME_B)
    assign(staff["village_other"], open_task(waiting))
    login(client, staff["district"])
    columns = board_columns(client.get(APP))
    with translation.override(settings.LANGUAGE_CODE):
        village = step_label(BenefitApplicationFlow.village_review)
        finished, status = gettext("Finished"), closed.get_status_display()
    assert task_url(open_task(waiting)) in columns[village]
    assert NAME_B in columns[village] and staff["village_other"].get_username() in columns[village]
    assert f'href="{APP}{closed.process.pk}/"' in columns[finished]
    assert NAME_A in columns[finished] and status in columns[finished]
    assert [title for title, html in columns.items() if NAME_A in html] == [finished]
    assert [title for title, html in columns.items() if NAME_B in html] == [village]


def test_the_re_certification_board_shows_the_villages_reviews(client, programs, areas, staff):
    change_parameter(programs["pension_subsidy"], "min_age", 65, date(YEAR, 1, 1))
    household = f.household(areas["v11"], second_birth_renounced_date=date(1988, 5, 5))
    person = f.person(household, name="钱老", birth=date(1962, 6, 1))
    f.entitlement(person, programs["pension_subsidy"], valid_from=date(2025, 3, 1))
    recertify(year=YEAR)
    review = Task.objects.get(process_id=Recertification.objects.get().process_id,
                              flow_task_type="HUMAN")
    board = "/workflow/recertification/"
    for user, shown in ((staff["village"], True), (staff["district"], True),
                        (staff["village_other"], False)):
        login(client, user)
        text = client.get(board).content.decode()
        assert (f"{board}{review.process_id}/{review.flow_task.name}/{review.pk}/" in text,
                "钱老" in text) == (shown, shown), user


def menu_badge(response, page):
    found = re.search(rf'href="{APP}{page}"[^>]*>.*?mdc-list-item__meta">([^<]*)<',
                      response.content.decode(), re.S)
    return found.group(1)


def test_the_menu_follows_the_language_and_counts_on_every_page(client, cases, programs, areas,
                                                                staff):
    user = staff["village_other"]  # case B is assigned to them
    login(client, user)
    assert menu_badge(client.get(APP + "queue/"), "inbox/") == "1"
    other = apply(programs, areas["v21"], user, name="钱大妈")
    assign(user, open_task(other))
    assert menu_badge(client.get(APP + "queue/"), "inbox/") == "2"
    with translation.override("zh-hans"):
        inbox_zh = gettext("Inbox")
    assert inbox_zh != "Inbox"
    assert f'mdc-list-item__content">{inbox_zh}<' in client.get(APP + "queue/").content.decode()
    client.cookies["django_language"] = "en"
    text = client.get(APP + "queue/").content.decode()
    assert 'mdc-list-item__content">Inbox<' in text and inbox_zh not in text


def test_the_badges_statement_is_kept_per_scope_and_answers_each_user(client, cases, programs,
                                                                      areas, staff, monkeypatch):
    from workflows import frontend_views

    built = []
    statement = frontend_views.MenuBadges.statement
    monkeypatch.setattr(frontend_views.MenuBadges, "statement",
                        lambda self: built.append(self.key) or statement(self))
    monkeypatch.setattr(frontend_views, "BADGE_QUERIES", {})
    user, colleague = staff["village_other"], staff["village"]
    login(client, user)
    assert menu_badge(client.get(APP + "queue/"), "inbox/") == "1"
    other = apply(programs, areas["v21"], user, name="钱大妈")
    assign(user, open_task(other))
    # the kept statement, not a new one, and the new task counted
    assert menu_badge(client.get(APP + "archive/"), "inbox/") == "2"
    assert len(built) == 1
    login(client, colleague)  # another scope: its own statement, its own count
    assert menu_badge(client.get(APP + "queue/"), "inbox/") == "0"
    assert len(built) == 2 and built[0] != built[1]
    user.area = colleague.area  # moved to the colleague's village: a new scope
    user.save(update_fields=["area"])
    login(client, user)
    assert menu_badge(client.get(APP + "queue/"), "inbox/") == "0"
    assert len(built) == 3


def test_a_staff_user_without_an_area_sees_empty_badges(client, cases):
    """A user whose scope is empty (a township approver not yet given a township): the
    inbox and queue badges are empty queries, left out of the kept statement (the
    messages badge stays in it), and read 0."""
    user = f.user("township_approver")
    login(client, user)
    response = client.get(APP + "queue/")
    assert response.status_code == 200
    assert menu_badge(response, "inbox/") == "0"
    assert menu_badge(response, "queue/") == "0"
    assert names_in(response) == set()


def test_badges_of_empty_querysets_only_read_nothing(db, monkeypatch):
    from workflows import frontend_views

    monkeypatch.setattr(frontend_views, "BADGE_QUERIES", {})
    badges = frontend_views.MenuBadges(lambda: {"inbox": Task.objects.none(),
                                                "queue": Task.objects.none()},
                                       ("inbox", "queue"), key=("empty",))
    with CaptureQueriesContext(connection) as ctx:
        assert badges.values == {"inbox": 0, "queue": 0}
    assert ctx.captured_queries == []
    assert frontend_views.BADGE_QUERIES == {("empty",): None}
    assert str(badges["queue"]) == "0"


TRIGGER = re.compile(r'<vf-list-filter-trigger class="([^"]*)"')


@pytest.mark.parametrize("page", ["queue/", "archive/", "flows/", "tasks/"])
def test_the_filter_trigger_is_active_only_when_a_filter_is_set(client, cases, staff, page):
    login(client, staff["district"])
    assert "--active" not in TRIGGER.search(client.get(APP + page).content.decode()).group(1)
    # a cursor alone is no filter
    paged = client.get(APP + page + "?after=1").content.decode()
    assert "--active" not in TRIGGER.search(paged).group(1)
    step = f"{BenefitApplicationFlow.__module__}.{BenefitApplicationFlow.__name__}"
    filtered = client.get(APP + page, {"flow_task": f"{step}.township_review",
                                       "status": "NEW"}).content.decode()
    assert "vf-list__filter-trigger--active" in TRIGGER.search(filtered).group(1)


def test_the_frame_draws_its_assets_once_a_process(client, cases, staff, monkeypatch):
    """The icon, stylesheets, scripts and default avatar are drawn once and kept; every
    page still carries them (the avatar is viewflow's default: no upload here)."""
    from django.template import loader

    from workflows.templatetags import staff_frame

    staff_frame._drawn.cache_clear()
    drawn = []
    render = loader.render_to_string
    monkeypatch.setattr(staff_frame, "render_to_string",
                        lambda name, *args, **kwargs: drawn.append(name)
                        or render(name, *args, **kwargs))
    login(client, staff["township"])
    for page in ("queue/", "flows/", "queue/"):
        text = client.get(APP + page).content.decode()
        for asset in ("viewflow/css/viewflow.min.css", "workflows/staff.css",
                      "viewflow/js/viewflow.min.js", "viewflow/img/favicon.png"):
            assert f"{settings.STATIC_URL}{asset}" in text, (page, asset)
        assert re.search(r'class="vf-page__menu-avatar" src="[^"]*viewflow/img/user.png"', text)
    assert sorted(drawn) == sorted(f"workflows/staff/_frame_{part}.html"
                                   for part in staff_frame.PARTS)


def test_a_list_writes_the_session_only_when_its_pin_changes(client, cases, staff):
    login(client, staff["township"])
    client.get(APP + "queue/")
    assert client.session[PIN] == APP + "queue/"
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(APP + "queue/").status_code == 200
    assert not [query for query in ctx.captured_queries
                if query["sql"].startswith("UPDATE") and "django_session" in query["sql"]]
    client.get(APP + "flows/?after=5")
    assert client.session[PIN] == APP + "flows/?after=5"


@pytest.mark.parametrize("page,query", [("inbox/", ""), ("queue/", "flow_task={step}"),
                                        ("archive/", ""), ("flows/", "")])
def test_keyset_pages_follow_each_other_without_overlap(client, programs, areas, staff, page,
                                                        query):
    user = staff["village"]
    login(client, user)
    fill(programs, areas, user, page, 30)
    step = get_task_ref(BenefitApplicationFlow.village_review)
    url = APP + page + ("?" + query.format(step=step) if query else "")

    first = client.get(url)
    assert first.status_code == 200
    first_rows = rows_in(first)
    # the inbox and queue: all due the same day, so by id (test_due_order_and_bulk.py);
    # the others newest first
    due_order = page in DUE_ORDERED
    assert len(first_rows) == PAGE_SIZE and first_rows == sorted(first_rows,
                                                                 reverse=not due_order)
    following = next_link(first)
    assert following and (f"_{first_rows[-1]}" if due_order
                          else f"after={first_rows[-1]}") in following
    if query:  # the filter is kept on the next page
        assert "flow_task=" in following

    second = client.get(APP + page + following)
    assert second.status_code == 200
    second_rows = rows_in(second)
    assert len(second_rows) == 5 and (min(second_rows) > max(first_rows) if due_order
                                      else max(second_rows) < min(first_rows))
    assert len(set(first_rows) | set(second_rows)) == 30
    assert next_link(second) is None
    assert "wf-first-page" in second.content.decode()  # and back to the newest
    assert "wf-first-page" not in first.content.decode()

    # a bad cursor is the first page, not an error
    for bad in ("x", "-1", "²", str(2**64)):
        assert rows_in(client.get(APP + page + "?after=" + bad)) == first_rows, bad


# --- the inbox and queue use an index (PostgreSQL) ------------------------------------------

@pytest.mark.requires_postgres("planner statistics targets are PostgreSQL's")
def test_the_scope_columns_keep_finer_planner_statistics(db):
    """casework 0023 and workflows 0010: a village's share of the cases, tasks and
    deadlines is estimated from 1,000 histogram buckets, not the default 100 (with 100,
    a village of 400 cases planned as 1,000 turned its process list into a full scan)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, a.attname, a.attstattarget FROM pg_attribute a "
            "JOIN pg_class c ON c.oid = a.attrelid WHERE (c.relname, a.attname) IN "
            "(('casework_case', 'area_id'), ('viewflow_task', 'owner_permission_obj_pk'), "
            "('workflows_deadline', 'scope_key'))")
        targets = {(table, column): target for table, column, target in cursor.fetchall()}
    assert targets == {("casework_case", "area_id"): 1000,
                       ("viewflow_task", "owner_permission_obj_pk"): 1000,
                       ("workflows_deadline", "scope_key"): 1000}


@pytest.mark.requires_postgres("EXPLAIN plans are PostgreSQL's")
@pytest.mark.parametrize("page", ["inbox/", "queue/"])
def test_inbox_and_queue_of_a_village_reviewer_use_a_task_index(programs, areas, staff, page):
    user = staff["village"]
    fill(programs, areas, user, page, 3)
    if page == "inbox/":
        qs = frontend_access.inbox_for(user, BenefitApplicationFlow)
    else:
        qs = frontend_access.queue_for(user, BenefitApplicationFlow)
    newest = qs.order_by("-id")
    pages = [newest[: PAGE_SIZE + 1], newest.filter(id__lt=2**31 - 1)[: PAGE_SIZE + 1]]
    assert len(pages[0]) == len(pages[1]) == 3
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'viewflow_task'")
        task_indexes = {name for (name,) in cursor.fetchall()}
        # three rows: the planner would rather scan; show that an index serves the query
        # (SET LOCAL ends with the test's transaction)
        cursor.execute("SET LOCAL enable_seqscan = off")
    assert "wf_task_inbox_open" in task_indexes
    for keyset_page in pages:  # the first page and a page after a cursor
        plan = keyset_page.explain()
        assert "Seq Scan on viewflow_task" not in plan, plan
        used = set(re.findall(r"Index (?:Only )?Scan(?: Backward)? using (\w+)"
                              r"|Bitmap Index Scan on (\w+)", plan))
        used = {name for pair in used for name in pair if name} & task_indexes
        assert used, plan
        if page == "queue/":  # open human tasks by role and village prefix: the partial index
            assert "wf_task_inbox_open" in used, plan
