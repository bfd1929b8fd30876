"""The organisation's staff pages: who sees what (out of scope is 404), who may write (403
for readers), forms that name the field, and lists at a constant number of statements."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework.models import Membership
from casework.organisation.models import (
    ActivityDay,
    Assessment,
    OfficeHolder,
    OrgUnit,
    TrainingAttendance,
    TrainingSession,
)
from tests import factories as f

from .conftest import client_for, member, unit

K = OrgUnit.Kind
LISTS = ["organisation:index", "organisation:holders", "organisation:volunteers",
         "organisation:trainings", "organisation:activities", "organisation:assessments",
         "organisation:criteria"]


@pytest.fixture
def world(areas, users, levels, criteria):
    firm_t2 = unit(K.ENTERPRISE, areas["t2"], name="外镇企业协会", parent=levels["t2"])
    vp = OfficeHolder.objects.create(unit=levels["v11"], area_id=areas["v11"].code,
                                     name="邢子道", sex="M", since=date(2020, 8, 1),
                                     office=OfficeHolder.Office.FULLTIME_VICE_PRESIDENT)
    far_holder = OfficeHolder.objects.create(unit=levels["v21"], area_id=areas["v21"].code,
                                             name="外镇副会长", sex="F", since=date(2020, 8, 1),
                                             office=OfficeHolder.Office.FULLTIME_VICE_PRESIDENT)
    session = TrainingSession.objects.create(area=areas["t1"], title="镇1培训",
                                             first_day=date(2025, 9, 25),
                                             last_day=date(2025, 9, 26), other_attendees=3)
    far_session = TrainingSession.objects.create(area=areas["t2"], title="镇2培训",
                                                 first_day=date(2025, 9, 25),
                                                 last_day=date(2025, 9, 26))
    day = ActivityDay.objects.create(area=areas["t1"], title="镇1活动日",
                                     held_on=date(2025, 5, 29))
    far_day = ActivityDay.objects.create(area=areas["t2"], title="镇2活动日",
                                         held_on=date(2025, 5, 29))
    volunteer = member(areas["v11"], name="热心志愿者", role=Membership.Role.VOLUNTEER)
    outreach = member(areas["v21"], name="外镇宣传员", role=Membership.Role.OUTREACH)
    return {"firm_t2": firm_t2, "vp": vp, "far_holder": far_holder, "session": session,
            "far_session": far_session, "day": day, "far_day": far_day,
            "volunteer": volunteer, "outreach": outreach}


@pytest.mark.parametrize("role", ["village", "township", "district", "auditor", "admin"])
@pytest.mark.parametrize("name", LISTS)
def test_every_staff_role_reads_the_lists(world, users, role, name):
    response = client_for(users[role]).get(reverse(name))
    assert response.status_code == 200
    assert b"<th scope=\"col\"" in response.content


def test_families_and_strangers_do_not_get_in(world, areas, client):
    family = f.user("family", areas["v11"], household=f.household(areas["v11"]))
    client.force_login(family)
    response = client.get(reverse("organisation:index"))
    assert response.status_code == 302 and response["Location"] == "/family/"
    client.logout()
    response = client.get(reverse("organisation:index"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_township_sees_its_own_records_only(world, users, levels):
    client = client_for(users["township"])
    units = client.get(reverse("organisation:index")).content.decode()
    assert levels["v11"].name in units and levels["t1"].name in units
    assert "外镇企业协会" not in units and levels["v21"].name not in units
    holders = client.get(reverse("organisation:holders")).content.decode()
    assert "邢子道" in holders and "外镇副会长" not in holders
    assert client.get(reverse("organisation:trainings")).content.decode().count("镇2培训") == 0
    assert "镇2活动日" not in client.get(reverse("organisation:activities")).content.decode()
    volunteers = client.get(reverse("organisation:volunteers")).content.decode()
    assert "热心志愿者" in volunteers and "外镇宣传员" not in volunteers


@pytest.mark.parametrize("role", ["village", "township", "village_other"])
def test_out_of_scope_records_are_404_to_read_and_write(world, users, levels, role):
    user = users[role]
    client = client_for(user)
    far_unit = levels["t2"] if role != "village_other" else levels["t1"]
    far_session = world["far_session"] if role != "village_other" else world["session"]
    far_day = world["far_day"] if role != "village_other" else world["day"]
    far_holder = world["far_holder"] if role != "village_other" else world["vp"]
    reads = (reverse("organisation:unit", args=[far_unit.pk]),
             reverse("organisation:training", args=[far_session.pk]),
             reverse("organisation:unit", args=[999999]))
    writes = (reverse("organisation:unit_edit", args=[far_unit.pk]),
              reverse("organisation:unit_end", args=[far_unit.pk]),
              reverse("organisation:holder_new", args=[far_unit.pk]),
              reverse("organisation:holder_end", args=[far_holder.pk]),
              reverse("organisation:training_edit", args=[far_session.pk]),
              reverse("organisation:attendance", args=[far_session.pk]),
              reverse("organisation:activity_edit", args=[far_day.pk]),
              reverse("organisation:unit_edit", args=[999999]))
    for url in reads + writes:
        assert client.get(url).status_code == 404, url
    for url in writes:
        assert client.post(url, {"name": "x", "until": "2025-01-01"}).status_code == 404, url
    far_holder.refresh_from_db()
    assert far_holder.until is None


def test_readers_get_403_on_the_writing_pages(world, users, levels):
    auditor = client_for(users["auditor"])
    for url in (reverse("organisation:unit_new"), reverse("organisation:training_new"),
                reverse("organisation:activity_new"), reverse("organisation:assess"),
                reverse("organisation:unit_edit", args=[levels["v11"].pk]),
                reverse("organisation:holder_new", args=[levels["v11"].pk]),
                reverse("organisation:attendance", args=[world["session"].pk])):
        assert auditor.get(url).status_code == 403, url
        assert auditor.post(url, {}).status_code == 403, url
    # the district reads a village's unit and the township's training but keeps neither
    district = client_for(users["district"])
    assert district.get(reverse("organisation:unit", args=[levels["v11"].pk])).status_code == 200
    assert district.get(reverse("organisation:unit_edit",
                                args=[levels["v11"].pk])).status_code == 403
    assert district.post(reverse("organisation:training_edit", args=[world["session"].pk]),
                         {"title": "改"}).status_code == 403
    # a village reviewer may not assess
    assert client_for(users["village"]).get(reverse("organisation:assess")).status_code == 403
    assert TrainingSession.objects.get(pk=world["session"].pk).title == "镇1培训"


def test_founding_a_unit_through_the_page(world, users, areas):
    client = client_for(users["township"])
    url = reverse("organisation:unit_new")
    page = client.get(url).content.decode()
    assert areas["v11"].code in page and areas["v21"].code not in page
    response = client.post(url, {"kind": K.MIGRANT, "area": areas["v12"].code,
                                 "name": "安徽籍小组", "basis": "home_region", "member_count": 12,
                                 "founded_on": "2025-03-01"})
    assert response.status_code == 302
    group = OrgUnit.objects.get(name="安徽籍小组")
    assert response["Location"] == reverse("organisation:unit", args=[group.pk])
    assert group.member_count == 12 and group.parent.area_id == areas["v12"].code
    # a township association in a village: the error names the area
    response = client.post(url, {"kind": K.TOWNSHIP, "area": areas["v12"].code,
                                 "name": "错", "member_count": 0, "founded_on": "2025-03-01"},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and 'data-field="area"' in response.content.decode()
    response = client.post(url, {"kind": K.MIGRANT, "area": areas["v12"].code, "name": "无",
                                 "basis": "", "member_count": -4, "founded_on": "2025-03-01"})
    text = response.content.decode()
    assert 'data-field="member_count"' in text
    assert not OrgUnit.objects.filter(name__in=["错", "无"]).exists()


def test_editing_and_ending_through_the_pages(world, users, levels):
    client = client_for(users["village"])
    village = levels["v11"]
    response = client.post(reverse("organisation:unit_edit", args=[village.pk]), {
        "name": "村1-1计生协会", "leader_name": "金长江", "founded_on": "2010-01-01", "note": ""})
    assert response.status_code == 302
    village.refresh_from_db()
    assert (village.name, village.leader_name) == ("村1-1计生协会", "金长江")
    response = client.post(reverse("organisation:holder_end", args=[world["vp"].pk]),
                           {"until": "2020-01-01"})
    assert response.status_code == 200 and 'data-field="until"' in response.content.decode()
    response = client.post(reverse("organisation:holder_end", args=[world["vp"].pk]),
                           {"until": "2025-01-01"})
    assert response.status_code == 302
    world["vp"].refresh_from_db()
    assert world["vp"].until == date(2025, 1, 1)
    response = client.post(reverse("organisation:unit_end", args=[village.pk]),
                           {"dissolved_on": "2025-06-30"})
    assert response.status_code == 302
    village.refresh_from_db()
    assert village.dissolved_on == date(2025, 6, 30)


def test_appointing_by_member_number(world, users, levels, areas):
    client = client_for(users["village"])
    url = reverse("organisation:holder_new", args=[levels["v11"].pk])
    person = world["volunteer"]
    response = client.post(url, {"office": "council_member",
                                 "member_number": person.membership.number,
                                 "since": "2024-01-01"})
    assert response.status_code == 302
    holder = OfficeHolder.objects.get(person=person)
    assert (holder.name, holder.sex) == ("热心志愿者", "M")
    # a member of another township's village: the error names the member number
    response = client.post(url, {"office": "council_member",
                                 "member_number": world["outreach"].membership.number,
                                 "since": "2024-01-01"})
    assert 'data-field="member_number"' in response.content.decode()
    response = client.post(url, {"office": "fulltime_vice_president", "name": "乙", "sex": "F",
                                 "since": "2024-01-01"})
    assert response.status_code == 200 and 'data-field="office"' in response.content.decode()
    assert OfficeHolder.objects.filter(unit=levels["v11"]).count() == 2
    unit_page = client.get(reverse("organisation:unit", args=[levels["v11"].pk])).content
    assert "热心志愿者".encode() in unit_page and b"office_holder_appointed" in unit_page


def test_training_and_attendance_through_the_pages(world, users, areas):
    client = client_for(users["township"])
    response = client.post(reverse("organisation:training_new"), {
        "area": areas["t1"].code, "title": "村级秘书长培训", "first_day": "2025-09-25",
        "last_day": "2025-09-24", "other_attendees": 0})
    assert 'data-field="last_day"' in response.content.decode()
    response = client.post(reverse("organisation:training_new"), {
        "area": areas["t1"].code, "title": "村级秘书长培训", "first_day": "2025-09-25",
        "last_day": "2025-09-26", "other_attendees": 0})
    session = TrainingSession.objects.get(title="村级秘书长培训")
    assert response.status_code == 302
    other = member(areas["v11"], name="妇女主任甲")
    url = reverse("organisation:attendance", args=[session.pk])
    page = client.get(url, {"village": areas["v11"].code}).content.decode()
    assert "热心志愿者" in page and "妇女主任甲" in page and "<legend>" in page
    response = client.post(url, {"village": areas["v11"].code,
                                 "people": [world["volunteer"].pk, other.pk],
                                 "role": "妇女主任", "other_attendees": 280})
    assert response.status_code == 302
    assert sorted(TrainingAttendance.objects.filter(session=session)
                  .values_list("name", "role")) == sorted([("热心志愿者", "妇女主任"),
                                                           ("妇女主任甲", "妇女主任")])
    session.refresh_from_db()
    assert session.other_attendees == 280
    response = client.post(url, {"village": areas["v11"].code, "people": [other.pk],
                                 "other_attendees": -1})
    assert 'data-field="other_attendees"' in response.content.decode()
    assert TrainingAttendance.objects.filter(session=session).count() == 2
    detail = client.get(reverse("organisation:training", args=[session.pk])).content.decode()
    assert "282" in detail  # two by name and 280 others


def test_activity_days_through_the_pages(world, users, areas):
    client = client_for(users["township"])
    url = reverse("organisation:activity_new")
    response = client.post(url, {"area": areas["t1"].code, "kind": "member_day_529",
                                 "held_on": "2025-05-29", "title": "5·29", "sessions_held": 3,
                                 "people_examined": -1, "materials_distributed": 0,
                                 "spending_yuan": "100"})
    assert 'data-field="people_examined"' in response.content.decode()
    response = client.post(url, {"area": areas["t1"].code, "kind": "member_day_529",
                                 "held_on": "2025-05-29", "title": "5·29 镇1",
                                 "sessions_held": 3, "people_examined": 480,
                                 "materials_distributed": 6000, "spending_yuan": "4600.50"})
    assert response.status_code == 302
    day = ActivityDay.objects.get(title="5·29 镇1")
    assert (day.people_examined, str(day.spending_yuan)) == (480, "4600.50")


def test_assessing_through_the_pages(world, users, areas):
    client = client_for(users["township"])
    url = reverse("organisation:assess")
    page = client.get(url, {"village": areas["v11"].code, "year": 2025}).content.decode()
    assert "score_dues" in page and "score_council" in page
    data = {"village": areas["v11"].code, "year": 2025, "assessed_on": "2025-12-15",
            "score_council": 26, "score_venue": 25, "score_volunteers": 25, "score_project": 25,
            "score_dues": 20}
    response = client.post(url, data)
    assert 'data-field="score_council"' in response.content.decode()
    assert not Assessment.objects.exists()
    response = client.post(url, {**data, "score_council": 25})
    assert response.status_code == 302
    assessment = Assessment.objects.get()
    assert (assessment.total, assessment.rating) == (120, "model")
    # again without revising: the year is already assessed
    response = client.post(url, {**data, "score_council": 10})
    assert response.status_code == 200 and 'data-field="year"' in response.content.decode()
    response = client.post(url, {**data, "score_council": 10, "revise": "1"})
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.total == 105
    table = client.get(reverse("organisation:assessments"), {"year": 2025}).content.decode()
    assert 'data-rating="advanced"' in table and "105 / 120" in table  # 87.5 %
    # a village of another township
    assert client.get(url, {"village": areas["v21"].code}).status_code == 404
    assert client.post(url, {**data, "village": areas["v21"].code}).status_code == 404
    # the seed's criteria and their sources
    criteria = client.get(reverse("organisation:criteria")).content.decode()
    assert "有一个“少生快富”项目" in criteria and "assumed, set locally" in criteria


def _count(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params or {}).status_code == 200
    return len(ctx.captured_queries)


def _fill(areas, users, n: int, tag: str) -> None:
    """``n`` more rows of every list in v12 (township t1)."""
    v12, t1 = areas["v12"], areas["t1"]
    for i in range(n):
        firm = unit(K.ENTERPRISE, v12, name=f"{tag}企业{i}", enterprise_name=f"{tag}厂{i}")
        OfficeHolder.objects.create(unit=firm, area_id=v12.code, name=f"{tag}会长{i}", sex="F",
                                    office=OfficeHolder.Office.PRESIDENT,
                                    since=date(2024, 1, 1))
        member(v12, name=f"{tag}志愿者{i}", role=Membership.Role.VOLUNTEER)
        session = TrainingSession.objects.create(area=t1, title=f"{tag}培训{i}",
                                                 first_day=date(2025, 9, 1),
                                                 last_day=date(2025, 9, 1))
        TrainingAttendance.objects.create(session=session, name="某", area=v12)
        ActivityDay.objects.create(area=t1, title=f"{tag}活动{i}", held_on=date(2025, 5, 29))


def _fill_villages(areas, criteria, users, n: int) -> None:
    """``n`` more villages in t1, each assessed for 2025 with its scores."""
    from casework.models import Area
    from casework.organisation.models import AssessmentScore

    start = Area.objects.filter(parent=areas["t1"]).count() + 1
    for i in range(start, start + n):
        village = Area.objects.create(code=f"{areas['t1'].code}{i:03d}", name=f"新村{i}",
                                      level=Area.Level.VILLAGE, parent=areas["t1"])
        a = Assessment.objects.create(area=village, year=2025, assessed_by=users["township"],
                                      assessed_on=date(2025, 12, 1), total=100,
                                      max_total=120, rating="advanced")
        AssessmentScore.objects.bulk_create(AssessmentScore(assessment=a, criterion=c, score=20)
                                            for c in criteria.values())


@pytest.mark.parametrize("name", LISTS)
def test_lists_read_a_constant_number_of_statements(world, users, areas, criteria, name,
                                                    django_assert_max_num_queries):
    client = client_for(users["township"])
    url = reverse(name)
    params = {"year": 2025} if name == "organisation:assessments" else {}
    client.get(url, params)  # the session, warmed
    _fill(areas, users, 3, "少")
    _fill_villages(areas, criteria, users, 3)
    few = _count(client, url, params)
    _fill(areas, users, 60, "多")  # more than a page
    _fill_villages(areas, criteria, users, 60)
    many = _count(client, url, params)
    assert few == many
    with django_assert_max_num_queries(few):
        response = client.get(url, params)
    if name != "organisation:criteria":
        assert "wf-next-page" in response.content.decode()
        next_page = response.context["next_url"]
        with django_assert_max_num_queries(few):
            assert client.get(url + next_page).status_code == 200
