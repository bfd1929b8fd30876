"""Income-project (少生快富) applications name a project of the household's township; the
granted household joins it. Through the service, the API and the family's form."""

from datetime import date

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from casework.errors import InvalidInput
from casework.models import Case, CaseStatus
from casework.projects.models import ProjectApplication, ProjectHousehold
from tests import factories as f
from tests.projects.conftest import client_for, project
from workflows.applications import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def applying(programs, family_home, areas, staff):
    """The family_home household applying through its working-age son, with a project in
    its township (t1) and one in another (t2)."""
    son = f.person(family_home["household"], name="王小军", birth=date(1986, 8, 14),
                   relationship="child")
    return {**family_home, "applicant": son, "staff": staff,
            "mine": project(areas["t1"], "源东大白桃基地"),
            "elsewhere": project(areas["t2"], "别镇项目")}


def test_the_granted_household_joins_the_project_it_named(programs, applying):
    case = services.submit_application(
        actor=applying["user"], household=applying["household"],
        program=programs["income_project"], applicant=applying["applicant"],
        project=applying["mine"])
    assert ProjectApplication.objects.get(case=case).project == applying["mine"]
    staff = applying["staff"]
    for actor in (staff["village"], staff["township"]):
        task = case.process.task_set.get(flow_task_type="HUMAN", status="NEW")
        services.decide(actor=actor, task_id=task.pk, decision="approve")
    case.refresh_from_db()
    assert case.status == CaseStatus.APPROVED
    joined = ProjectHousehold.objects.get(case=case)
    assert (joined.project, joined.household) == (applying["mine"], applying["household"])


def test_an_income_project_application_must_name_a_project(programs, applying):
    with pytest.raises(InvalidInput) as info:
        services.submit_application(
            actor=applying["user"], household=applying["household"],
            program=programs["income_project"], applicant=applying["applicant"])
    assert info.value.field == "project"
    assert not Case.objects.exists()


def test_a_project_of_another_township_is_refused_and_nothing_stored(programs, applying):
    with pytest.raises(InvalidInput) as info:
        services.submit_application(
            actor=applying["user"], household=applying["household"],
            program=programs["income_project"], applicant=applying["applicant"],
            project=applying["elsewhere"])
    assert info.value.field == "project"
    assert not Case.objects.exists() and not ProjectApplication.objects.exists()


def test_other_programs_name_no_project(programs, applying):
    with pytest.raises(InvalidInput) as info:
        services.submit_application(
            actor=applying["user"], household=applying["household"],
            program=programs["medical_discount"], applicant=applying["household"].members
            .get(relationship="head"), project=applying["mine"])
    assert info.value.field == "project"


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def body(applying, **extra):
    return {"household": applying["household"].pk, "program": "income_project",
            "applicant": applying["applicant"].pk, "consent": True, **extra}


def test_the_api_takes_the_project(programs, applying):
    response = api(applying["user"]).post("/api/v1/cases/",
                                          body(applying, project=applying["mine"].pk),
                                          format="json")
    assert response.status_code == 201, response.content
    assert ProjectApplication.objects.get(case_id=response.json()["id"]).project_id == (
        applying["mine"].pk)


@pytest.mark.parametrize("extra", [{}, {"project": None}, {"project": "elsewhere"}])
def test_the_api_refuses_a_missing_or_foreign_project_naming_the_field(programs, applying,
                                                                        extra):
    if extra.get("project") == "elsewhere":
        extra = {"project": applying["elsewhere"].pk}
    response = api(applying["user"]).post("/api/v1/cases/", body(applying, **extra),
                                          format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "project" in response.json()
    assert not Case.objects.exists()


def test_the_family_form_asks_which_project(programs, applying):
    client = client_for(applying["user"])
    page = client.get(reverse("family:apply")).content.decode()
    assert "源东大白桃基地" in page and "别镇项目" not in page
    response = client.post(reverse("family:apply"), {
        "program": programs["income_project"].pk, "applicant": applying["applicant"].pk,
        "statement": "", "confirm": "1", "consent": "on"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Choose the project you apply to join." in response.content.decode()
    assert not Case.objects.exists()
    response = client.post(reverse("family:apply"), {
        "program": programs["income_project"].pk, "project": applying["mine"].pk,
        "applicant": applying["applicant"].pk, "statement": "", "confirm": "1",
        "consent": "on"})
    assert response.status_code == 302
    assert ProjectApplication.objects.get().project == applying["mine"]
