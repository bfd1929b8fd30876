"""Re-certification reviews in the staff UI (/workflow/recertification/): the village's
reviewers take and decide them; other areas get 404."""

from datetime import date

import pytest
from viewflow.workflow.models import Task

from casework.models import Entitlement
from tests import factories as f
from tests.workflows.test_recertification import YEAR, change_parameter
from workflows.models import Recertification
from workflows.recertification.flow import recertify

APP = "/workflow/recertification/"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def login(client, user):
    client.force_login(user)


def task_url(task, action=""):
    url = f"{APP}{task.process_id}/{task.flow_task.name}/{task.pk}/"
    return f"{url}{action}/" if action else url


@pytest.fixture
def review(programs, areas, staff):
    change_parameter(programs["pension_subsidy"], "min_age", 65, date(YEAR, 1, 1))
    hh = f.household(areas["v11"], second_birth_renounced_date=date(1988, 5, 5))
    person = f.person(hh, name="钱老", birth=date(1962, 6, 1))
    entitlement = f.entitlement(person, programs["pension_subsidy"], valid_from=date(2025, 3, 1))
    recertify(year=YEAR)
    rc = Recertification.objects.get(entitlement=entitlement)
    return Task.objects.get(process_id=rc.process_id, flow_task_type="HUMAN")


def test_village_reviewer_takes_and_decides_a_review(client, review, staff):
    login(client, staff["village"])
    assert task_url(review) in client.get(APP + "queue/").content.decode()
    assert client.get(APP).status_code in (200, 302)
    response = client.get(task_url(review))
    assert response.status_code == 302 and response["Location"] == task_url(review, "assign")
    assert client.get(response["Location"]).status_code == 200
    response = client.post(task_url(review, "assign"), {"_continue": "1"})
    assert response.status_code == 302
    page = client.get(task_url(review, "execute"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "钱老" in text  # the case file of the granting case
    response = client.post(task_url(review, "execute"), {"decision": "end", "reason": ""})
    assert response.status_code == 200  # a reason is required to end
    response = client.post(task_url(review, "execute"),
                           {"decision": "end", "reason": "未满65周岁"})
    assert response.status_code == 302
    rc = Recertification.objects.get(process_id=review.process_id)
    assert rc.outcome == "ended" and rc.reason == "未满65周岁"
    assert Entitlement.objects.get(pk=rc.entitlement_id).state == "ended"
    assert client.get(task_url(review, "detail")).status_code == 200
    assert client.get(f"{APP}{review.process_id}/").status_code == 200
    assert "#" in client.get(APP + "archive/").content.decode()


def test_other_areas_get_404(client, review, staff):
    for user in (staff["village_other"], staff["township_other"]):
        login(client, user)
        assert client.get(task_url(review, "detail")).status_code == 404
        assert client.get(f"{APP}{review.process_id}/").status_code == 404
        assert task_url(review) not in client.get(APP + "queue/").content.decode()
    login(client, staff["township"])  # reads its township's reviews, cannot take them
    assert client.get(task_url(review, "detail")).status_code == 200
    assert client.get(task_url(review, "assign")).status_code in (403, 404)
