"""Appeals on every surface: the family's case page (a plain form with the last day), the
staff UI's appeal task (/workflow/appeal/), the REST API, and the histories (the
family's timeline, the case history API, the auditor's case page)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from casework.models import AuditEvent, CaseStatus, Decision
from tests import factories as f
from tests.appeals.helpers import appeal_task, decide, decide_appeal, lodge, submit
from workflows.appeals import flow as appeals
from workflows.auditor.views import ACTIONS
from workflows.family.views import ACTION_LABELS
from workflows.models import Appeal

pytestmark = pytest.mark.django_db

APP = "/workflow/appeal/"


@pytest.fixture(autouse=True)
def _one_factor(settings):
    settings.OTP_REQUIRED_ROLES = ()


@pytest.fixture
def rejected(programs, family_home, staff):
    return decide(staff["village"], submit(programs, family_home, "medical_discount"),
                  "reject", "家庭情况与申报不符")


def case_url(case):
    return reverse("family:case", args=[case.pk])


def appeal_url(case):
    return reverse("family:appeal", args=[case.pk])


def task_url(task, action=""):
    url = f"{APP}{task.process_id}/{task.flow_task.name}/{task.pk}/"
    return f"{url}{action}/" if action else url


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def move_rejection_back(case, days):
    Decision.objects.filter(case=case).update(
        decided_at=Decision.objects.get(case=case).decided_at - timedelta(days=days))


# --- the family's page ----------------------------------------------------------------------

def test_the_rejected_case_page_offers_the_appeal_with_its_last_day(client, rejected,
                                                                    family_home):
    client.force_login(family_home["user"])
    page = client.get(case_url(rejected)).content.decode()
    last = appeals.appeal_window(rejected).last_day
    assert 'id="appeal"' in page and appeal_url(rejected) in page
    assert last.strftime("%Y-%m-%d") in page
    assert 'name="grounds"' in page and "<script" not in page  # a plain form


def test_the_family_appeals_from_its_page(client, rejected, family_home):
    client.force_login(family_home["user"])
    response = client.post(appeal_url(rejected), {"grounds": "收入计算有误"})
    assert response.status_code == 302 and response["Location"] == case_url(rejected)
    rejected.refresh_from_db()
    assert rejected.status == CaseStatus.APPEAL
    page = client.get(case_url(rejected)).content.decode()
    assert 'id="appeals"' in page and "收入计算有误" in page
    assert 'action="' + appeal_url(rejected) not in page  # no second appeal form
    assert str(CaseStatus.APPEAL.label) in page or "申诉" in page
    # the timeline shows the appeal, with who lodged it
    timeline = client.get(case_url(rejected)).context["timeline"]
    assert str(ACTION_LABELS["appeal_lodged"]) in [row.get("label") for row in timeline]


def test_grounds_are_required_on_the_page(client, rejected, family_home):
    client.force_login(family_home["user"])
    response = client.post(appeal_url(rejected), {"grounds": ""})
    assert response.status_code == 200
    assert response.context["appeal_form"].errors["grounds"]
    rejected.refresh_from_db()
    assert rejected.status == CaseStatus.REJECTED


def test_after_the_period_the_page_says_when_it_ended(client, rejected, family_home):
    move_rejection_back(rejected, 31)
    last = appeals.appeal_window(rejected).last_day
    client.force_login(family_home["user"])
    page = client.get(case_url(rejected)).content.decode()
    assert 'id="appeal-closed"' in page and last.isoformat() in page
    response = client.post(appeal_url(rejected), {"grounds": "晚了"}, follow=True)
    assert last.isoformat() in response.content.decode()  # the error names the last day
    assert not Appeal.objects.exists()


def test_no_appeal_on_an_open_or_granted_case(client, programs, family_home, staff):
    case = submit(programs, family_home, "medical_discount")
    client.force_login(family_home["user"])
    assert 'id="appeal"' not in client.get(case_url(case)).content.decode()
    response = client.post(appeal_url(case), {"grounds": "x"}, follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert not Appeal.objects.exists()


def test_another_household_gets_404(client, rejected, areas):
    neighbour = f.user("family", areas["v11"], household=f.household(areas["v11"]))
    client.force_login(neighbour)
    assert client.post(appeal_url(rejected), {"grounds": "x"}).status_code == 404


# --- the staff UI -------------------------------------------------------------------------------

def test_the_township_takes_and_decides_the_appeal(client, rejected, family_home, staff):
    appeal = lodge(family_home["user"], rejected, grounds="村里没有上门核实")
    task = appeal_task(appeal)
    client.force_login(staff["township"])
    assert task_url(task) in client.get(APP + "queue/").content.decode()
    response = client.get(task_url(task))
    assert response.status_code == 302 and response["Location"] == task_url(task, "assign")
    assert client.post(task_url(task, "assign"), {"_continue": "1"}).status_code == 302
    page = client.get(task_url(task, "execute"))
    assert page.status_code == 200
    text = page.content.decode()
    # the appealed decision, its reason, the grounds and the case file
    assert "家庭情况与申报不符" in text and "村里没有上门核实" in text
    assert family_home["applicant"].name in text
    response = client.post(task_url(task, "execute"), {"outcome": "dismiss", "reason": ""})
    assert response.status_code == 200  # a reason is required to dismiss
    response = client.post(task_url(task, "execute"), {"outcome": "uphold", "reason": ""})
    assert response.status_code == 302
    rejected.refresh_from_db()
    assert rejected.status == CaseStatus.TOWNSHIP_REVIEW
    assert client.get(task_url(task, "detail")).status_code == 200
    assert client.get(f"{APP}{task.process_id}/").status_code == 200


def test_the_appeal_is_not_in_other_queues_and_its_pages_are_404_elsewhere(
        client, rejected, family_home, staff):
    task = appeal_task(lodge(family_home["user"], rejected))
    for who in ("village", "district"):
        client.force_login(staff[who])
        assert task_url(task) not in client.get(APP + "queue/").content.decode(), who
    client.force_login(staff["village"])
    assert client.get(task_url(task, "assign")).status_code == 403
    for who in ("village_other", "township_other"):
        client.force_login(staff[who])
        assert client.get(task_url(task, "detail")).status_code == 404, who
        assert client.get(f"{APP}{task.process_id}/").status_code == 404, who


# --- the API ---------------------------------------------------------------------------------

def test_the_family_lodges_an_appeal_through_the_api(rejected, family_home):
    api = api_for(family_home["user"])
    url = f"/api/v1/cases/{rejected.pk}/appeals/"
    response = api.post(url, {"grounds": ""}, format="json")
    assert response.status_code == 400 and "grounds" in response.json()
    response = api.post(url, {"grounds": "收入计算有误"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["outcome"] == "pending" and body["case_status"] == "appeal"
    assert body["review_role"] == "township_approver" and body["on_behalf"] is False
    assert body["deadline"] == appeals.appeal_window(rejected).last_day.isoformat()
    response = api.post(url, {"grounds": "再次"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "under_appeal"
    listed = api.get(url).json()
    assert [a["id"] for a in listed] == [body["id"]]


def test_the_api_refuses_after_the_period_naming_the_last_day(rejected, family_home):
    move_rejection_back(rejected, 31)
    last = appeals.appeal_window(rejected).last_day
    response = api_for(family_home["user"]).post(f"/api/v1/cases/{rejected.pk}/appeals/",
                                                 {"grounds": "x"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "appeal_period_over"
    assert last.isoformat() in response.json()["detail"]


def test_the_api_refuses_those_who_may_not_appeal(rejected, staff, areas):
    url = f"/api/v1/cases/{rejected.pk}/appeals/"
    assert api_for(staff["township"]).post(url, {"grounds": "x"},
                                           format="json").status_code == 403
    assert api_for(staff["auditor"]).post(url, {"grounds": "x"},
                                          format="json").status_code == 403
    neighbour = f.user("family", areas["v11"], household=f.household(areas["v11"]))
    assert api_for(neighbour).post(url, {"grounds": "x"}, format="json").status_code == 404
    assert api_for(staff["village_other"]).get(url).status_code == 404


def test_the_level_above_decides_through_the_api(rejected, family_home, staff):
    appeal = lodge(staff["village"], rejected)
    task = appeal_task(appeal)
    tasks = api_for(staff["township"]).get("/api/v1/tasks/").json()
    rows = tasks["results"] if isinstance(tasks, dict) else tasks
    row = next(r for r in rows if r["id"] == task.pk)
    assert row["action"] == "appeal" and row["case"] == rejected.pk
    url = f"/api/v1/tasks/{task.pk}/appeal/"
    assert api_for(staff["village"]).post(url, {"outcome": "uphold"},
                                          format="json").status_code == 404
    assert api_for(staff["district"]).post(url, {"outcome": "uphold"},
                                           format="json").status_code == 404
    township = api_for(staff["township"])
    response = township.post(url, {"outcome": "dismiss"}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    response = township.post(url, {"outcome": "dismiss", "reason": "理由不成立"},
                             format="json")
    assert response.status_code == 200, response.content
    assert response.json()["outcome"] == "dismissed"
    assert response.json()["case_status"] == "rejected"
    response = township.post(url, {"outcome": "uphold"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "task_closed"


def test_the_rejecter_gets_404_for_a_district_appeal(programs, family_home, staff, areas):
    from tests.appeals.helpers import end_notice

    case = end_notice(decide(staff["village"], submit(programs, family_home,
                                                      "pension_subsidy")))
    case = decide(staff["district"], decide(staff["township"], case), "reject", "不符合")
    task = appeal_task(lodge(family_home["user"], case))
    url = f"/api/v1/tasks/{task.pk}/appeal/"
    assert api_for(staff["district"]).post(url, {"outcome": "uphold"},
                                           format="json").status_code == 404
    other = f.user("district_approver", areas["district"])
    response = api_for(other).post(url, {"outcome": "uphold"}, format="json")
    assert response.status_code == 200 and response.json()["case_status"] == "approved"


# --- the histories ---------------------------------------------------------------------------

def test_the_history_api_and_the_auditor_show_the_appeal(client, rejected, family_home,
                                                         staff):
    decide_appeal(staff["township"], lodge(family_home["user"], rejected), "dismiss",
                  "理由不成立")
    history = api_for(staff["auditor"]).get(f"/api/v1/cases/{rejected.pk}/history/").json()
    assert [e["action"] for e in history][-2:] == ["appeal_lodged", "appeal_dismissed"]
    client.force_login(staff["auditor"])
    page = client.get(f"/workflow/auditor/cases/{rejected.pk}/")
    assert page.status_code == 200
    assert str(ACTIONS["appeal_lodged"]) in page.content.decode()
    assert AuditEvent.objects.filter(case=rejected, action__startswith="appeal_").count() == 2


def test_the_family_timeline_shows_the_outcome_and_its_reason(client, rejected, family_home,
                                                              staff):
    decide_appeal(staff["township"], lodge(family_home["user"], rejected), "dismiss",
                  "理由不成立")
    client.force_login(family_home["user"])
    response = client.get(case_url(rejected))
    rows = [r for r in response.context["timeline"] if r.get("reason") == "理由不成立"]
    assert rows
    text = response.content.decode()
    assert "理由不成立" in text
    # and the message the family was sent
    assert any(r.get("kind") == "message" and "理由不成立" in r["text"]
               for r in response.context["timeline"])
