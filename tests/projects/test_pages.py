"""The staff pages of income projects: what each role reads and may change, out-of-scope
404s, forms that name the field (nothing stored), the household search, and a constant
number of statements on the lists."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework.models import RecordEvent
from casework.projects.models import IncomeProject, ProjectHousehold

from .conftest import client_for, home, member, project

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return response.content.decode()


def test_the_list_per_role(world):
    url = reverse("projects:index")
    for role, shown, hidden in (("township", ["白桃基地"], ["山黄鸡养殖"]),
                                ("village", ["白桃基地"], ["山黄鸡养殖"]),
                                ("village_other", ["山黄鸡养殖"], ["白桃基地"]),
                                ("district", ["白桃基地", "山黄鸡养殖"], []),
                                ("auditor", ["白桃基地", "山黄鸡养殖"], [])):
        response = client_for(world["users"][role]).get(url)
        assert response.status_code == 200, role
        text = text_of(response)
        assert all(name in text for name in shown), role
        assert not any(name in text for name in hidden), role
    # the district filters one township
    text = text_of(client_for(world["users"]["district"]).get(url, {"area": "330703002"}))
    assert "山黄鸡养殖" in text and "白桃基地" not in text


def test_the_new_project_button_only_for_keepers(world):
    url = reverse("projects:index")
    assert "wf-new-project" in text_of(client_for(world["users"]["township"]).get(url))
    assert "wf-new-project" in text_of(client_for(world["users"]["admin"]).get(url))
    for role in ("village", "district", "auditor"):
        assert "wf-new-project" not in text_of(client_for(world["users"][role]).get(url))


def test_a_village_reviewer_reads_the_households_of_their_village_only(world):
    peach = world["peach"]
    member(peach, world["h11"])
    member(peach, world["h12"])
    url = reverse("projects:project", args=[peach.pk])
    text = text_of(client_for(world["users"]["village"]).get(url))
    assert world["h11"].number in text and world["h12"].number not in text
    assert "王十一" in text  # the head's name
    assert "wf-add-household" not in text
    text = text_of(client_for(world["users"]["township"]).get(url))
    assert world["h11"].number in text and world["h12"].number in text
    assert "wf-add-household" in text
    # the list counts what the user may see
    row = client_for(world["users"]["village"]).get(reverse("projects:index"))
    assert '<td class="wf-current">1</td>' in text_of(row)


def test_out_of_scope_is_404_everywhere(world):
    peach = world["peach"]
    row = member(peach, world["h11"])
    urls = [reverse("projects:project", args=[peach.pk]),
            reverse("projects:edit", args=[peach.pk]),
            reverse("projects:household_add", args=[peach.pk]),
            reverse("projects:household_support", args=[peach.pk, row.pk]),
            reverse("projects:household_leave", args=[peach.pk, row.pk]),
            reverse("projects:project", args=[99999])]
    for role in ("township_other", "village_other"):
        client = client_for(world["users"][role])
        for url in urls:
            assert client.get(url).status_code == 404, (role, url)
            assert client.post(url, {}).status_code in (404, 405), (role, url)
    # a village reviewer of t1 reads the project, but not a v12 household's row
    other = member(peach, world["h12"])
    client = client_for(world["users"]["township"])
    assert client.get(reverse("projects:household_leave", args=[peach.pk, 99999])
                      ).status_code == 404
    assert client.get(reverse("projects:household_leave", args=[world["chicken"].pk,
                                                                 other.pk])).status_code == 404


@pytest.mark.parametrize("role", ["village", "district", "auditor"])
def test_readers_may_not_write(world, role):
    peach = world["peach"]
    row = member(peach, world["h11"])
    client = client_for(world["users"][role])
    assert client.get(reverse("projects:project", args=[peach.pk])).status_code == 200
    for url in (reverse("projects:create"), reverse("projects:edit", args=[peach.pk]),
                reverse("projects:household_add", args=[peach.pk]),
                reverse("projects:household_support", args=[peach.pk, row.pk]),
                reverse("projects:household_leave", args=[peach.pk, row.pk])):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"left_on": "2025-01-01", "name": "x"}).status_code == 403
    row.refresh_from_db()
    assert row.left_on is None and IncomeProject.objects.count() == 2


def test_families_are_sent_to_their_own_pages(world):
    client = client_for(world["users"]["family"])
    for url in (reverse("projects:index"), reverse("projects:project",
                                                   args=[world["peach"].pk])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == "/family/"


def test_creating_and_changing_a_project_through_the_forms(world):
    client = client_for(world["users"]["township"])
    body = {"area": "330703001", "name": "葡萄园", "kind": "orchard",
            "started_on": "2025-03-01", "support": "葡萄苗", "lead": "大户",
            "budget_yuan": "3000", "active": "on"}
    page = client.get(reverse("projects:create"))
    assert page.status_code == 200 and 'name="area"' in text_of(page)
    response = client.post(reverse("projects:create"), body)
    assert response.status_code == 302
    created = IncomeProject.objects.get(name="葡萄园")
    assert (created.area_id, created.active, str(created.budget_yuan)) == (
        "330703001", True, "3000.00")
    edit = reverse("projects:edit", args=[created.pk])
    assert 'name="area"' not in text_of(client.get(edit))
    response = client.post(edit, {**body, "name": "葡萄园二期", "ended_on": "2026-03-01"})
    assert response.status_code == 302
    created.refresh_from_db()
    assert (created.name, created.ended_on) == ("葡萄园二期", date(2026, 3, 1))
    assert RecordEvent.objects.filter(action__in=["project_created", "project_updated"]
                                      ).count() == 2


@pytest.mark.parametrize("change, field", [
    ({"ended_on": "2025-02-01"}, "ended_on"),
    ({"name": "白桃基地"}, "name"),
    ({"name": ""}, "name"),
    ({"budget_yuan": "-3"}, "budget_yuan"),
    ({"started_on": "not a date"}, "started_on"),
])
def test_project_form_errors_name_the_field(world, change, field):
    client = client_for(world["users"]["township"])
    body = {"area": "330703001", "name": "葡萄园", "kind": "orchard",
            "started_on": "2025-03-01", "support": "葡萄苗", **change}
    response = client.post(reverse("projects:create"), body, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert f'data-field="{field}"' in text_of(response)
    assert IncomeProject.objects.count() == 2


def test_searching_and_adding_a_household(world):
    peach = world["peach"]
    client = client_for(world["users"]["township"])
    url = reverse("projects:household_add", args=[peach.pk])
    text = text_of(client.get(url, {"q": "H"}))
    # the township's households, not the other township's
    assert world["h11"].number in text and world["h12"].number in text
    assert world["h21"].number not in text
    text = text_of(client.get(url, {"q": world["h12"].number}))
    assert f'household={world["h12"].number}' in text
    chosen = text_of(client.get(url, {"household": world["h12"].number}))
    assert f'value="{world["h12"].number}"' in chosen
    assert 'name="joined_on" value="' in chosen  # today, by default
    response = client.post(url, {"household": world["h12"].number, "joined_on": "2025-04-01",
                                 "support_given": "桃苗", "support_yuan": "350"})
    assert response.status_code == 302
    row = ProjectHousehold.objects.get()
    assert (row.household_id, row.area_id, str(row.support_yuan)) == (
        world["h12"].pk, "330703001002", "350.00")
    assert "already in it" in text_of(client.get(url, {"q": world["h12"].number},
                                                 HTTP_ACCEPT_LANGUAGE="en"))


@pytest.mark.parametrize("change, field", [
    ({"household": "h21"}, "household"),  # another township's
    ({"household": "NO-SUCH"}, "household"),
    ({"joined_on": "2024-01-01"}, "joined_on"),  # before the project started
    ({"support_yuan": "-1"}, "support_yuan"),
    ({"joined_on": ""}, "joined_on"),
])
def test_add_household_errors_name_the_field(world, change, field):
    client = client_for(world["users"]["admin"])
    body = {"household": world["h11"].number, "joined_on": "2025-04-01", "support_yuan": "0",
            **change}
    if change.get("household") == "h21":
        body["household"] = world["h21"].number
    response = client.post(reverse("projects:household_add", args=[world["peach"].pk]), body,
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert f'data-field="{field}"' in text_of(response)
    assert not ProjectHousehold.objects.exists()


def test_support_and_leaving_through_the_forms(world):
    peach = world["peach"]
    row = member(peach, world["h11"], joined_on=date(2024, 5, 1))
    client = client_for(world["users"]["township"])
    support = reverse("projects:household_support", args=[peach.pk, row.pk])
    assert client.get(support).status_code == 200
    response = client.post(support, {"support_given": "代销", "support_yuan": "-2"},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert 'data-field="support_yuan"' in text_of(response)
    assert client.post(support, {"support_given": "代销", "support_yuan": "880"}
                       ).status_code == 302
    leave = reverse("projects:household_leave", args=[peach.pk, row.pk])
    response = client.post(leave, {"left_on": "2024-04-01"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and 'data-field="left_on"' in text_of(response)
    row.refresh_from_db()
    assert (row.support_given, str(row.support_yuan), row.left_on) == ("代销", "880.00", None)
    assert client.post(leave, {"left_on": "2025-01-01"}).status_code == 302
    row.refresh_from_db()
    assert row.left_on == date(2025, 1, 1)
    assert "wf-household-leave" not in text_of(client.get(leave))


def test_the_project_field_of_the_application_forms(world):
    from django import forms

    from workflows.projects.forms import open_project_field

    project(world["areas"]["t1"], "已关闭", active=False)

    class Apply(forms.Form):
        def __init__(self, *args, household, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields["project"] = open_project_field(household)

    form = Apply(household=world["h11"])
    assert [label for _value, label in form.fields["project"].choices] == [
        "白桃基地: 白桃种植培训，帮助销售"]
    assert Apply({"project": world["peach"].pk}, household=world["h11"]).is_valid()
    refused = Apply({"project": world["chicken"].pk}, household=world["h11"])
    assert not refused.is_valid() and "project" in refused.errors


def _statements(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params or {}).status_code == 200
    return len(ctx.captured_queries)


def test_the_project_list_reads_a_constant_number_of_statements(world,
                                                                django_assert_max_num_queries):
    client = client_for(world["users"]["district"])
    url = reverse("projects:index")
    client.get(url)
    few = _statements(client, url)
    for i in range(60):  # more than a page
        p = project(world["areas"]["t1" if i % 2 else "t2"], f"项目{i:02d}")
        member(p, world["h11" if i % 2 else "h21"])
    many = _statements(client, url)
    assert few == many
    response = client.get(url)
    assert "wf-next-page" in text_of(response)
    with django_assert_max_num_queries(few):
        second = client.get(url, {"after": "330703002|项目10"})
    assert second.status_code == 200


def test_the_project_page_reads_a_constant_number_of_statements(world,
                                                                django_assert_max_num_queries):
    client = client_for(world["users"]["township"])
    peach = world["peach"]
    url = reverse("projects:project", args=[peach.pk])
    member(peach, world["h11"])
    client.get(url)
    few = _statements(client, url)
    for _ in range(60):
        member(peach, home(world["areas"]["v12"]))
    many = _statements(client, url)
    assert few == many
    text = text_of(client.get(url))
    assert "wf-next-page" in text
    last_of_first_page = list(ProjectHousehold.objects.order_by("id")
                              .values_list("id", flat=True)[:50])[-1]
    with django_assert_max_num_queries(few):
        second = client.get(url, {"after": last_of_first_page})
    assert "wf-next-page" not in text_of(second) and "wf-first-page" in text_of(second)
