"""The auditor's view of the association's own records: every record event of the user's
area, nothing of another district, filters, masked details, constant statements, and the
workspace's access rule (auditors and district approvers, GET only)."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework.history.record_events import record
from casework.models import RecordEvent
from tests import factories as f

pytestmark = pytest.mark.django_db
URL = "/workflow/auditor/records/"


def event(area, action="campaign_opened", subject="healthchecks.healthcheckcampaign",
          detail=None, actor=None):
    with transaction.atomic():
        return record(actor=actor, action=action, area_id=area.code, subject=subject,
                      subject_id=7, detail=detail or {"year": 2026})


@pytest.fixture
def events(areas, staff, far):
    return {
        "v11": event(areas["v11"], actor=staff["village"],
                     detail={"note": "身份证330703195504021234，电话13812345678"}),
        "t2": event(areas["t2"], action="round_opened", subject="contacts.reportinground"),
        "far": event(far["village"], detail={"who": "远方的人"}),
    }


def page(client, user, **params):
    client.force_login(user)
    return client.get(URL, params)


def shown(response) -> set[int]:
    return {row["event"].pk for row in response.context["rows"]}


def test_the_districts_auditor_sees_the_districts_records_only(client, staff, events):
    response = page(client, staff["auditor"])
    assert response.status_code == 200
    assert shown(response) == {events["v11"].pk, events["t2"].pk}
    body = response.content.decode()
    assert "330703195504021234" not in body and "13812345678" not in body  # masked
    assert "330703********1234" in body and "138****5678" in body


def test_filters(client, staff, events, areas):
    assert shown(page(client, staff["auditor"], subject="contacts.reportinground")) == {
        events["t2"].pk}
    assert shown(page(client, staff["auditor"], area=areas["t1"].code)) == {events["v11"].pk}
    assert shown(page(client, staff["district"], action="campaign_opened")) == {
        events["v11"].pk}
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert shown(page(client, staff["auditor"], date_from=tomorrow)) == set()
    bad = page(client, staff["auditor"], date_from=tomorrow,
               date_to=timezone.localdate().isoformat())
    assert bad.status_code == 200 and "date_to" in bad.context["form"].errors


def test_another_districts_auditor_sees_its_own(client, events, far):
    assert shown(page(client, far["auditor"])) == {events["far"].pk}


@pytest.mark.parametrize("who", ["village", "township"])
def test_other_staff_are_refused(client, staff, events, who):
    assert page(client, staff[who]).status_code == 403


def test_nothing_but_reading(client, staff, events):
    client.force_login(staff["auditor"])
    assert client.post(URL).status_code == 403
    assert RecordEvent.objects.count() == 3


def test_a_constant_number_of_statements(client, staff, areas, events):
    client.force_login(staff["auditor"])
    client.get(URL)
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL).status_code == 200
    for n in range(60):  # more than a page
        event(areas["v11"] if n % 2 else areas["v21"], actor=f.user("village_reviewer",
                                                                     areas["v11"]))
    with CaptureQueriesContext(connection) as many:
        response = client.get(URL)
    assert len(many.captured_queries) == len(few.captured_queries)
    assert response.context["next_url"]
    assert reverse("auditor:records") == URL
