"""The organisation's services: each change and its RecordEvent, every bad input naming its
field with nothing stored, and the state conflicts."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from casework.errors import CaseConflict, InvalidInput, NotPermitted
from casework.models import RecordEvent
from casework.organisation import services
from casework.organisation.models import (
    ActivityDay,
    Assessment,
    AssessmentScore,
    OfficeHolder,
    OrgUnit,
    TrainingAttendance,
    TrainingSession,
)
from casework.organisation.services import AttendeeInput

from .conftest import member, unit

K = OrgUnit.Kind
OFFICE = OfficeHolder.Office


def events(action):
    return list(RecordEvent.objects.filter(action=action).order_by("id"))


def tomorrow():
    return timezone.localdate() + timedelta(days=1)


# --- units ---------------------------------------------------------------------------------

def test_a_township_founds_a_village_association_under_its_own(areas, users, levels):
    levels["v11"].delete()
    created = services.create_unit(actor=users["township"], kind=K.VILLAGE, area=areas["v11"],
                                   name="村1-1计划生育协会", founded_on=date(2024, 3, 1))
    assert created.parent == levels["t1"] and created.area_id == areas["v11"].code
    [event] = events("org_unit_created")
    assert (event.subject, event.subject_id, event.area_id) == (
        "organisation.orgunit", str(created.pk), areas["v11"].code)
    assert event.actor == users["township"] and event.detail["kind"] == K.VILLAGE


def test_the_village_reviewer_founds_their_village_association(areas, users, levels):
    levels["v11"].delete()
    created = services.create_unit(actor=users["village"], kind=K.VILLAGE, area=areas["v11"],
                                   name="村协会", founded_on=date(2024, 3, 1))
    assert created.parent == levels["t1"]


def test_enterprise_associations_and_migrant_groups_hang_under_their_area(areas, users,
                                                                          levels):
    firm = services.create_unit(actor=users["township"], kind=K.ENTERPRISE, area=areas["t1"],
                                name="李子园计生协会", enterprise_name="浙江李子园牛奶食品有限公司",
                                member_count=120, founded_on=date(2025, 10, 30))
    group = services.create_unit(actor=users["township"], kind=K.MIGRANT, area=areas["v12"],
                                 name="江西籍小组", basis=OrgUnit.Basis.HOME_REGION,
                                 leader_name="李组长", member_count=30,
                                 founded_on=date(2025, 6, 1))
    assert firm.parent == levels["t1"] and firm.member_count == 120
    assert group.parent == levels["v12"] and group.basis == "home_region"
    assert len(events("org_unit_created")) == 2


def test_one_live_association_per_level_and_area(areas, users, levels):
    with pytest.raises(CaseConflict) as err:
        services.create_unit(actor=users["township"], kind=K.VILLAGE, area=areas["v11"],
                             name="又一个", founded_on=date(2024, 1, 1))
    assert err.value.field == "area"
    assert OrgUnit.objects.filter(area=areas["v11"]).count() == 1
    # once dissolved, a new one may be founded
    services.end_unit(actor=users["township"], unit=levels["v11"], dissolved_on=date(2024, 1, 1))
    again = services.create_unit(actor=users["township"], kind=K.VILLAGE, area=areas["v11"],
                                 name="重建", founded_on=date(2024, 1, 1))
    assert again.dissolved_on is None


@pytest.mark.parametrize(("kind", "area", "extra", "field"), [
    (K.TOWNSHIP, "v11", {}, "area"),  # a township association in a village
    (K.VILLAGE, "t1", {}, "area"),
    (K.ENTERPRISE, "district", {"enterprise_name": "某厂"}, "area"),
    (K.ENTERPRISE, "t1", {"enterprise_name": "  "}, "enterprise_name"),
    (K.MIGRANT, "t1", {"basis": ""}, "basis"),
    (K.MIGRANT, "t1", {"basis": "religion"}, "basis"),
    (K.MIGRANT, "t1", {"basis": "trade", "member_count": -1}, "member_count"),
    (K.ENTERPRISE, "t1", {"enterprise_name": "某厂", "member_count": "many"}, "member_count"),
    (K.VILLAGE, "v12", {"member_count": 5}, "member_count"),  # level units count the roster
    (K.VILLAGE, "v12", {"name": " "}, "name"),
    (K.VILLAGE, "v12", {"founded_on": "future"}, "founded_on"),
    ("committee", "v12", {}, "kind"),
])
def test_bad_unit_input_names_the_field_and_stores_nothing(areas, users, kind, area, extra,
                                                           field):
    extra = dict(extra)
    if extra.get("founded_on") == "future":
        extra["founded_on"] = tomorrow()
    values = {"name": "某单位", "founded_on": date(2024, 1, 1), **extra}
    with pytest.raises(InvalidInput) as err:
        services.create_unit(actor=users["admin"], kind=kind, area=areas[area], **values)
    assert err.value.field == field
    assert not OrgUnit.objects.exists() and not RecordEvent.objects.exists()


def test_a_parent_given_must_hold_the_unit(areas, users, levels):
    with pytest.raises(InvalidInput) as err:
        services.create_unit(actor=users["township"], kind=K.ENTERPRISE, area=areas["v11"],
                             name="厂协会", enterprise_name="某厂", founded_on=date(2024, 1, 1),
                             parent=levels["v21"])
    assert err.value.field == "parent"
    assert not OrgUnit.objects.filter(kind=K.ENTERPRISE).exists()


def test_updating_a_unit_records_what_changed(areas, users, levels):
    firm = unit(K.ENTERPRISE, areas["t1"], member_count=10)
    services.update_unit(actor=users["township"], unit=firm, name="新名",
                         founded_on=date(2010, 1, 1), enterprise_name="某企业", member_count=25,
                         leader_name="张", note="")
    firm.refresh_from_db()
    assert (firm.name, firm.member_count, firm.leader_name) == ("新名", 25, "张")
    [event] = events("org_unit_changed")
    assert event.detail["changed"]["member_count"] == [10, 25]
    # nothing changed: no event
    services.update_unit(actor=users["township"], unit=firm, name="新名",
                         founded_on=date(2010, 1, 1), enterprise_name="某企业", member_count=25,
                         leader_name="张", note="")
    assert len(events("org_unit_changed")) == 1
    with pytest.raises(InvalidInput) as err:
        services.update_unit(actor=users["township"], unit=firm, name="新名",
                             founded_on=date(2010, 1, 1), enterprise_name="某企业",
                             member_count=-3)
    assert err.value.field == "member_count"
    firm.refresh_from_db()
    assert firm.member_count == 25


def test_ending_a_unit_ends_its_terms_of_office(areas, users, levels):
    village = levels["v11"]
    vp = services.appoint_office_holder(actor=users["village"], unit=village,
                                        office=OFFICE.FULLTIME_VICE_PRESIDENT, name="邢子道",
                                        sex="M", since=date(2020, 8, 1))
    with pytest.raises(InvalidInput) as err:
        services.end_unit(actor=users["village"], unit=village, dissolved_on=date(2009, 1, 1))
    assert err.value.field == "dissolved_on"
    with pytest.raises(InvalidInput) as err:
        services.end_unit(actor=users["village"], unit=village, dissolved_on=tomorrow())
    assert err.value.field == "dissolved_on"
    services.end_unit(actor=users["village"], unit=village, dissolved_on=date(2025, 6, 30))
    vp.refresh_from_db()
    village.refresh_from_db()
    assert vp.until == date(2025, 6, 30) and village.dissolved_on == date(2025, 6, 30)
    [event] = events("org_unit_ended")
    assert event.detail == {"dissolved_on": "2025-06-30", "office_holders_ended": 1}
    with pytest.raises(CaseConflict):
        services.end_unit(actor=users["village"], unit=village, dissolved_on=date(2025, 7, 1))


# --- office holders -------------------------------------------------------------------------

def test_appointing_from_the_roster_takes_name_and_sex(areas, users, levels):
    person = member(areas["v11"], name="冯倩英", sex="F")
    holder = services.appoint_office_holder(actor=users["village"], unit=levels["v11"],
                                            office=OFFICE.SECRETARY_GENERAL, person=person,
                                            since=date(2023, 1, 1), note="原村妇女主任")
    assert (holder.name, holder.sex, holder.person, holder.area_id) == (
        "冯倩英", "F", person, areas["v11"].code)
    [event] = events("office_holder_appointed")
    assert event.detail["office"] == OFFICE.SECRETARY_GENERAL and "id_number" not in str(
        event.detail)


def test_a_person_from_outside_the_units_area_is_refused(areas, users, levels):
    stranger = member(areas["v12"], name="外村人")
    with pytest.raises(InvalidInput) as err:
        services.appoint_office_holder(actor=users["township"], unit=levels["v11"],
                                       office=OFFICE.COUNCIL_MEMBER, person=stranger,
                                       since=date(2023, 1, 1))
    assert err.value.field == "person"
    assert not OfficeHolder.objects.exists()


@pytest.mark.parametrize(("values", "field"), [
    ({"name": "", "sex": "M"}, "name"),
    ({"name": "某人", "sex": "X"}, "sex"),
    ({"name": "某人", "sex": "F", "since": date(2009, 12, 31)}, "since"),  # before founding
    ({"name": "某人", "sex": "F", "until": date(2020, 1, 1)}, "until"),  # not after since
    ({"name": "某人", "sex": "F", "office": "chair"}, "office"),
])
def test_bad_office_input_names_the_field(areas, users, levels, values, field):
    values = {"office": OFFICE.VICE_PRESIDENT, "since": date(2020, 1, 1), **values}
    with pytest.raises(InvalidInput) as err:
        services.appoint_office_holder(actor=users["village"], unit=levels["v11"], **values)
    assert err.value.field == field
    assert not OfficeHolder.objects.exists() and not RecordEvent.objects.exists()


def test_one_full_time_vice_president_at_a_time_many_vice_presidents(areas, users, levels):
    village = levels["v11"]
    first = services.appoint_office_holder(actor=users["village"], unit=village,
                                           office=OFFICE.FULLTIME_VICE_PRESIDENT, name="甲",
                                           sex="M", since=date(2020, 1, 1))
    with pytest.raises(CaseConflict) as err:
        services.appoint_office_holder(actor=users["village"], unit=village,
                                       office=OFFICE.FULLTIME_VICE_PRESIDENT, name="乙", sex="F",
                                       since=date(2024, 1, 1))
    assert err.value.field == "office"
    for name in ("丙", "丁"):
        services.appoint_office_holder(actor=users["village"], unit=village,
                                       office=OFFICE.VICE_PRESIDENT, name=name, sex="M",
                                       since=date(2024, 1, 1))
    services.end_office(actor=users["village"], holder=first, until=date(2024, 1, 1))
    second = services.appoint_office_holder(actor=users["village"], unit=village,
                                            office=OFFICE.FULLTIME_VICE_PRESIDENT, name="乙",
                                            sex="F", since=date(2024, 1, 1))
    assert second.pk and OfficeHolder.objects.filter(unit=village).count() == 4
    assert [e.detail["until"] for e in events("office_holder_ended")] == ["2024-01-01"]


def test_ending_a_term_checks_its_date(areas, users, levels):
    holder = services.appoint_office_holder(actor=users["village"], unit=levels["v11"],
                                            office=OFFICE.PRESIDENT, name="金长江", sex="M",
                                            since=date(2020, 1, 1))
    with pytest.raises(InvalidInput) as err:
        services.end_office(actor=users["village"], holder=holder, until=date(2020, 1, 1))
    assert err.value.field == "until"
    with pytest.raises(InvalidInput) as err:
        services.end_office(actor=users["village"], holder=holder, until=tomorrow())
    assert err.value.field == "until"
    holder.refresh_from_db()
    assert holder.until is None
    services.end_office(actor=users["village"], holder=holder, until=date(2025, 1, 1))
    with pytest.raises(CaseConflict):
        services.end_office(actor=users["village"], holder=holder, until=date(2025, 2, 1))


# --- training --------------------------------------------------------------------------------

def session_values(**overrides):
    return {"title": "专题培训（第一期）", "first_day": date(2025, 9, 25),
            "last_day": date(2025, 9, 26), "topics": "政策法规", "venue": "区计生指导站",
            "audience": "村级秘书长", "other_attendees": 0, **overrides}


def test_a_training_session_and_its_attendance(areas, users):
    session = services.create_training_session(actor=users["township"], area=areas["t1"],
                                               **session_values(other_attendees=5))
    a = member(areas["v11"], name="甲")
    b = member(areas["v12"], name="乙")
    services.record_attendance(actor=users["township"], session=session, attendees=[
        AttendeeInput(person=a, role="村级秘书长"), AttendeeInput(person=b),
        AttendeeInput(name="外来讲师", role="讲师")], other_attendees=280)
    rows = list(TrainingAttendance.objects.filter(session=session).order_by("id"))
    assert [(r.name, r.role, r.area_id) for r in rows] == [
        ("甲", "村级秘书长", areas["v11"].code), ("乙", "", areas["v12"].code),
        ("外来讲师", "讲师", areas["t1"].code)]
    session.refresh_from_db()
    assert session.other_attendees == 280
    [event] = events("training_attendance_recorded")
    assert event.detail == {"within": areas["t1"].code, "removed": 0, "named": 3,
                            "other_attendees": 280}
    assert len(events("training_session_created")) == 1


def test_attendance_for_one_village_keeps_the_others(areas, users):
    session = services.create_training_session(actor=users["township"], area=areas["t1"],
                                               **session_values())
    a, b, c = (member(areas["v11"], name="甲"), member(areas["v12"], name="乙"),
               member(areas["v11"], name="丙"))
    services.record_attendance(actor=users["township"], session=session,
                               attendees=[AttendeeInput(person=a), AttendeeInput(person=b)],
                               other_attendees=0)
    services.record_attendance(actor=users["township"], session=session,
                               attendees=[AttendeeInput(person=c)], other_attendees=4,
                               within=areas["v11"])
    names = sorted(TrainingAttendance.objects.filter(session=session)
                   .values_list("name", flat=True))
    assert names == ["丙", "乙"]


def test_an_attendee_from_outside_the_organisers_area_is_refused(areas, users):
    session = services.create_training_session(actor=users["township"], area=areas["t1"],
                                               **session_values())
    inside = member(areas["v11"], name="甲")
    services.record_attendance(actor=users["township"], session=session,
                               attendees=[AttendeeInput(person=inside)], other_attendees=2)
    outsider = member(areas["v21"], name="外镇人")
    with pytest.raises(InvalidInput) as err:
        services.record_attendance(actor=users["township"], session=session,
                                   attendees=[AttendeeInput(person=outsider)],
                                   other_attendees=9)
    assert err.value.field == "person"
    with pytest.raises(InvalidInput) as err:
        services.record_attendance(actor=users["township"], session=session,
                                   attendees=[AttendeeInput(person=inside),
                                              AttendeeInput(person=inside)],
                                   other_attendees=9)
    assert err.value.field == "person"
    with pytest.raises(InvalidInput) as err:
        services.record_attendance(actor=users["township"], session=session,
                                   attendees=[AttendeeInput(name="某", area=areas["v21"])],
                                   other_attendees=9)
    assert err.value.field == "area"
    with pytest.raises(InvalidInput) as err:
        services.record_attendance(actor=users["township"], session=session,
                                   attendees=[AttendeeInput(name=" ")], other_attendees=9)
    assert err.value.field == "name"
    with pytest.raises(InvalidInput) as err:
        services.record_attendance(actor=users["township"], session=session, attendees=[],
                                   other_attendees=-1)
    assert err.value.field == "other_attendees"
    # nothing half-stored: the first recording stands
    session.refresh_from_db()
    assert session.other_attendees == 2
    assert list(TrainingAttendance.objects.values_list("name", flat=True)) == ["甲"]
    assert len(events("training_attendance_recorded")) == 1


@pytest.mark.parametrize(("overrides", "field"), [
    ({"last_day": date(2025, 9, 24)}, "last_day"),
    ({"other_attendees": -5}, "other_attendees"),
    ({"title": ""}, "title"),
    ({"first_day": "2025-09-25"}, "first_day"),
])
def test_bad_training_input_names_the_field(areas, users, overrides, field):
    with pytest.raises(InvalidInput) as err:
        services.create_training_session(actor=users["district"], area=areas["district"],
                                         **session_values(**overrides))
    assert err.value.field == field
    assert not TrainingSession.objects.exists() and not RecordEvent.objects.exists()


def test_updating_a_session(areas, users):
    session = services.create_training_session(actor=users["district"], area=areas["district"],
                                               **session_values())
    services.update_training_session(actor=users["district"], session=session,
                                     **session_values(other_attendees=300, venue="区委党校"))
    session.refresh_from_db()
    assert (session.other_attendees, session.venue) == (300, "区委党校")
    [event] = events("training_session_changed")
    assert event.detail["changed"]["other_attendees"] == [0, 300]
    with pytest.raises(InvalidInput) as err:
        services.update_training_session(actor=users["district"], session=session,
                                         **session_values(last_day=date(2025, 1, 1)))
    assert err.value.field == "last_day"


# --- activity days -----------------------------------------------------------------------------

def day_values(**overrides):
    return {"title": "“5·29”会员活动日", "held_on": date(2025, 5, 29), "sessions_held": 3,
            "people_examined": 480, "materials_distributed": 6000,
            "spending_yuan": Decimal("4600.50"), **overrides}


def test_an_activity_day_and_its_correction(areas, users):
    day = services.record_activity_day(actor=users["township"], area=areas["t1"],
                                       **day_values())
    assert (day.kind, day.people_examined, day.spending_yuan) == (
        ActivityDay.Kind.MEMBER_DAY_529, 480, Decimal("4600.50"))
    [event] = events("activity_day_recorded")
    assert event.detail["spending_yuan"] == "4600.50" and event.area_id == areas["t1"].code
    services.update_activity_day(actor=users["township"], day=day,
                                 **day_values(people_examined=500))
    day.refresh_from_db()
    assert day.people_examined == 500
    assert events("activity_day_changed")[0].detail["changed"] == {"people_examined": [480, 500]}


@pytest.mark.parametrize(("overrides", "field"), [
    ({"sessions_held": -1}, "sessions_held"),
    ({"people_examined": -1}, "people_examined"),
    ({"materials_distributed": -2}, "materials_distributed"),
    ({"spending_yuan": Decimal("-0.01")}, "spending_yuan"),
    ({"spending_yuan": "12.345"}, "spending_yuan"),
    ({"spending_yuan": "NaN"}, "spending_yuan"),
    ({"people_examined": 2.5}, "people_examined"),
    ({"held_on": "future"}, "held_on"),
    ({"title": ""}, "title"),
    ({"kind": "party"}, "kind"),
])
def test_bad_activity_input_names_the_field(areas, users, overrides, field):
    if overrides.get("held_on") == "future":
        overrides = {"held_on": tomorrow()}
    with pytest.raises(InvalidInput) as err:
        services.record_activity_day(actor=users["township"], area=areas["t1"],
                                     **day_values(**overrides))
    assert err.value.field == field
    assert not ActivityDay.objects.exists() and not RecordEvent.objects.exists()


# --- assessments ---------------------------------------------------------------------------------

FULL = {"council": 25, "venue": 24, "volunteers": 23, "project": 25, "dues": 18}


def test_a_township_assesses_a_village(areas, users, criteria):
    assessment = services.record_assessment(actor=users["township"], village=areas["v11"],
                                            year=2025, scores=FULL,
                                            assessed_on=date(2025, 12, 15), note="自评")
    assert (assessment.total, assessment.max_total, assessment.rating) == (115, 120, "model")
    scores = dict(AssessmentScore.objects.filter(assessment=assessment)
                  .values_list("criterion__code", "score"))
    assert scores == FULL
    [event] = events("assessment_recorded")
    assert event.detail["total"] == 115 and event.detail["rating"] == "model"


def test_the_criteria_of_the_year_count(areas, users, criteria):
    # before dues were a criterion (line 187: from the next year on), four criteria
    old = {k: v for k, v in FULL.items() if k != "dues"}
    assessment = services.record_assessment(actor=users["district"], village=areas["v21"],
                                            year=2023, scores=old,
                                            assessed_on=date(2024, 1, 10))
    assert (assessment.total, assessment.max_total, assessment.rating) == (97, 100, "model")
    with pytest.raises(InvalidInput) as err:
        services.record_assessment(actor=users["district"], village=areas["v22"], year=2023,
                                   scores=FULL, assessed_on=date(2024, 1, 10))
    assert err.value.field == "criterion"


@pytest.mark.parametrize(("scores", "field"), [
    ({**FULL, "council": 26}, "score"),  # above the criterion's maximum
    ({**FULL, "dues": -1}, "score"),
    ({**FULL, "dues": "many"}, "score"),
    ({k: v for k, v in FULL.items() if k != "venue"}, "scores"),
    ({**FULL, "beauty": 5}, "criterion"),
])
def test_bad_scores_name_the_field_and_store_nothing(areas, users, criteria, scores, field):
    with pytest.raises(InvalidInput) as err:
        services.record_assessment(actor=users["township"], village=areas["v11"], year=2025,
                                   scores=scores, assessed_on=date(2025, 12, 15))
    assert err.value.field == field
    assert not Assessment.objects.exists() and not AssessmentScore.objects.exists()
    assert not RecordEvent.objects.exists()


@pytest.mark.parametrize(("values", "field"), [
    ({"year": "next"}, "year"),
    ({"assessed_on": date(2024, 12, 31)}, "assessed_on"),  # before the year assessed
    ({"assessed_on": "future"}, "assessed_on"),
    ({"village": "t1"}, "area"),
])
def test_bad_assessment_dates_and_areas(areas, users, criteria, values, field):
    args = {"village": areas["v11"], "year": 2025, "scores": FULL,
            "assessed_on": date(2025, 12, 15)}
    if values.get("year") == "next":
        values = {"year": timezone.localdate().year + 1}
    if values.get("assessed_on") == "future":
        values = {"assessed_on": tomorrow()}
    if "village" in values:
        values = {"village": areas[values["village"]]}
    args.update(values)
    with pytest.raises(InvalidInput) as err:
        services.record_assessment(actor=users["admin"], **args)
    assert err.value.field == field
    assert not Assessment.objects.exists()


def test_assessing_twice_is_a_conflict_unless_revised(areas, users, criteria):
    services.record_assessment(actor=users["township"], village=areas["v11"], year=2025,
                               scores=FULL, assessed_on=date(2025, 12, 15))
    low = {k: v // 2 for k, v in FULL.items()}
    with pytest.raises(CaseConflict) as err:
        services.record_assessment(actor=users["township"], village=areas["v11"], year=2025,
                                   scores=low, assessed_on=date(2025, 12, 20))
    assert err.value.field == "year"
    revised = services.record_assessment(actor=users["district"], village=areas["v11"],
                                         year=2025, scores=low, assessed_on=date(2025, 12, 20),
                                         revise=True)
    assert (revised.total, revised.rating, revised.assessed_by) == (
        sum(low.values()), "none", users["district"])
    assert Assessment.objects.count() == 1 and AssessmentScore.objects.count() == 5
    [event] = events("assessment_revised")
    assert event.detail["before"] == {"total": 115, "rating": "model"}


def test_ratings_follow_the_local_thresholds(areas, users, criteria, settings):
    advanced = {"council": 20, "venue": 20, "volunteers": 20, "project": 20, "dues": 10}
    assessment = services.record_assessment(actor=users["township"], village=areas["v11"],
                                            year=2025, scores=advanced,
                                            assessed_on=date(2025, 12, 15))
    assert (assessment.total, assessment.rating) == (90, "advanced")  # 90/120 = 75 %
    settings.ORGANISATION_RATING_THRESHOLDS = {"model": "0.7", "advanced": "0.5"}
    other = services.record_assessment(actor=users["township"], village=areas["v12"],
                                       year=2025, scores=advanced,
                                       assessed_on=date(2025, 12, 15))
    assert other.rating == "model"


def test_criteria_are_added_by_the_district(areas, users, criteria):
    added = services.add_criterion(actor=users["district"], code="dues", text_zh="会费收缴率",
                                   text_en="Dues collected", max_score=30,
                                   effective_from=date(2027, 1, 1), position=5,
                                   source="set locally")
    assert [c.code for c in services.criteria_for(2027)].count("dues") == 2
    assert events("criterion_added")[0].detail["max_score"] == 30 and added.pk
    with pytest.raises(NotPermitted):
        services.add_criterion(actor=users["township"], code="x", text_zh="某", text_en="x",
                               max_score=5, effective_from=date(2027, 1, 1), source="local")
    with pytest.raises(InvalidInput) as err:
        services.add_criterion(actor=users["district"], code="x", text_zh="某", text_en="x",
                               max_score=0, effective_from=date(2027, 1, 1), source="local")
    assert err.value.field == "max_score"
    with pytest.raises(CaseConflict):
        services.add_criterion(actor=users["district"], code="dues", text_zh="某", text_en="x",
                               max_score=5, effective_from=date(2027, 1, 1), source="local")


def test_the_seed_criteria_are_installed_with_their_sources(criteria):
    assert sorted(criteria) == ["council", "dues", "project", "venue", "volunteers"]
    assert all("assumed, set locally" in c.source for c in criteria.values())
    assert "lines 53-54" in criteria["council"].source
    assert "187" in criteria["dues"].source
    assert [c.code for c in services.criteria_for(2023)] == [
        "council", "venue", "volunteers", "project"]
    assert [c.code for c in services.criteria_for(2025)][-1] == "dues"
