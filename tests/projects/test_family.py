"""The family's income-project page: its own household's projects and the open projects
of its township, in plain words; nothing of other households; families only."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories as f

from .conftest import client_for, member, project

pytestmark = pytest.mark.django_db

URL = "/family/projects/"


def test_the_url_and_its_name():
    assert reverse("family:projects_mine") == URL


def test_the_family_sees_its_projects_and_those_it_could_join(world):
    t1 = world["areas"]["t1"]
    grapes = project(t1, "葡萄园", support="葡萄苗和技术培训", lead="葡萄大户")
    project(t1, "已关闭的项目", active=False)
    project(t1, "已结束的项目", ended_on=timezone.localdate())
    old = project(t1, "旧项目")
    member(world["peach"], world["h11"], joined_on=date(2025, 4, 1), support_yuan="600")
    member(old, world["h11"], joined_on=date(2024, 4, 1), left_on=date(2025, 1, 1))
    member(grapes, world["h12"])  # a neighbour's: never shown as theirs
    row = world["peach"].households.get()
    row.support_given = "桃苗30株"
    row.save()
    response = client_for(world["users"]["family"]).get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    text = response.content.decode()
    mine, _, could = text.partition("Projects you can join in")
    assert "白桃基地" in mine and "You are in this project" in mine
    assert "桃苗30株" in mine and "600.00" in mine
    assert "旧项目" in mine and "You left on 2025-01-01" in mine
    assert "葡萄园" in could and "葡萄苗和技术培训" in could and "葡萄大户" in could
    assert "镇1" in _ or "镇1" in could  # the township named
    assert "白桃基地" not in could  # already in it
    assert "旧项目" in could  # left: may join again
    for hidden in ("已关闭的项目", "已结束的项目", "山黄鸡养殖", world["h12"].number):
        assert hidden not in text
    assert reverse("family:apply") in could


def test_a_family_in_no_project(world):
    text = client_for(world["users"]["family"]).get(URL, HTTP_ACCEPT_LANGUAGE="en"
                                                    ).content.decode()
    assert "Your family is not in a project yet." in text and "白桃基地" in text


def test_a_family_account_without_a_household(world):
    lonely = f.user("family", world["areas"]["v11"])
    text = client_for(lonely).get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "not linked to a household" in text and "白桃基地" not in text


def test_staff_and_anonymous_users(world, client):
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]
    response = client_for(world["users"]["township"]).get(URL)
    assert response.status_code == 302 and response["Location"] == "/workflow/"


def test_the_page_reads_a_constant_number_of_statements(world, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(world["users"]["family"])
    client.get(URL)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    t1 = world["areas"]["t1"]
    for i in range(8):
        p = project(t1, f"项目{i}", started_on=timezone.localdate() - timedelta(days=400))
        member(p, world["h11"], joined_on=timezone.localdate() - timedelta(days=10))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(URL)
