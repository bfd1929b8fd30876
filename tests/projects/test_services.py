"""The income-project services: who may change what, each bad input refused on its field
with nothing stored, the household's time in a project, and the application hooks
(link_application, join_on_grant)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from casework.errors import CaseConflict, InvalidInput, NotPermitted
from casework.models import RecordEvent
from casework.projects import services
from casework.projects.models import IncomeProject, ProjectApplication, ProjectHousehold
from tests import factories as f

from .conftest import home, member, project, unique_birth

pytestmark = pytest.mark.django_db

NEW = {"name": "葡萄园", "started_on": date(2025, 3, 1), "support": "葡萄苗和技术培训",
       "kind": IncomeProject.Kind.ORCHARD, "lead": "葡萄种植大户", "budget_yuan": Decimal("5000")}


def events(action: str):
    return RecordEvent.objects.filter(action=action)


# --- projects -------------------------------------------------------------------------------

def test_the_township_approver_creates_a_project_of_their_township(world):
    actor = world["users"]["township"]
    created = services.create_project(actor=actor, area_code="330703001", **NEW)
    assert (created.area_id, created.name, created.budget_yuan, created.active,
            created.created_by) == ("330703001", "葡萄园", Decimal("5000.00"), True, actor)
    event = events("project_created").get()
    assert (event.area_id, event.subject, event.subject_id, event.actor) == (
        "330703001", "projects.incomeproject", str(created.pk), actor)
    assert event.detail["name"] == "葡萄园" and event.detail["started_on"] == "2025-03-01"


def test_an_administrator_of_the_district_creates_one_anywhere(world):
    created = services.create_project(actor=world["users"]["admin"], area_code="330703002",
                                      **NEW)
    assert created.area_id == "330703002"


@pytest.mark.parametrize("role, code", [
    ("township_other", "330703001"), ("village", "330703001"), ("district", "330703001"),
    ("auditor", "330703001"), ("family", "330703001"),
])
def test_others_may_not_create_a_project(world, role, code):
    with pytest.raises(NotPermitted):
        services.create_project(actor=world["users"][role], area_code=code, **NEW)
    assert not IncomeProject.objects.filter(name="葡萄园").exists()
    assert not events("project_created").exists()


@pytest.mark.parametrize("changes, field", [
    ({"name": "  "}, "name"),
    ({"support": ""}, "support"),
    ({"kind": "spaceship"}, "kind"),
    ({"started_on": None}, "started_on"),
    ({"ended_on": date(2025, 3, 1)}, "ended_on"),  # not after the start
    ({"ended_on": date(2024, 12, 31)}, "ended_on"),
    ({"budget_yuan": Decimal("-1")}, "budget_yuan"),
    ({"budget_yuan": "abc"}, "budget_yuan"),
    ({"budget_yuan": Decimal("1.001")}, "budget_yuan"),
    ({"name": "白桃基地"}, "name"),  # the township has one so named
])
def test_bad_project_input_names_the_field_and_stores_nothing(world, changes, field):
    before = IncomeProject.objects.count()
    with pytest.raises(InvalidInput) as refused:
        services.create_project(actor=world["users"]["township"], area_code="330703001",
                                **{**NEW, **changes})
    assert refused.value.field == field
    assert IncomeProject.objects.count() == before
    assert not events("project_created").exists()


@pytest.mark.parametrize("code", ["330703001001", "330703", "330703009", "abc"])
def test_a_project_belongs_to_an_existing_township(world, code):
    with pytest.raises(InvalidInput) as refused:
        services.create_project(actor=world["users"]["admin"], area_code=code, **NEW)
    assert refused.value.field == "area"


def test_changing_a_project_records_what_changed(world):
    peach = world["peach"]
    changed = services.update_project(actor=world["users"]["township"], project=peach,
                                      support="白桃种植培训；销售网站", budget_yuan=Decimal("8000"))
    assert (changed.support, changed.budget_yuan) == ("白桃种植培训；销售网站", Decimal("8000.00"))
    peach.refresh_from_db()
    assert peach.budget_yuan == Decimal("8000.00")
    event = events("project_updated").get()
    assert event.detail["changed"] == {
        "support": ["白桃种植培训，帮助销售", "白桃种植培训；销售网站"],
        "budget_yuan": [None, "8000.00"]}
    # nothing changed: no event
    services.update_project(actor=world["users"]["township"], project=peach,
                            budget_yuan=Decimal("8000"))
    assert events("project_updated").count() == 1


def test_only_the_keepers_change_a_project(world):
    for role in ("township_other", "village", "district", "auditor"):
        with pytest.raises(NotPermitted):
            services.update_project(actor=world["users"][role], project=world["peach"],
                                    name="改名")
    world["peach"].refresh_from_db()
    assert world["peach"].name == "白桃基地"


def test_ending_a_project_ends_the_time_of_its_households(world):
    peach = world["peach"]
    still = member(peach, world["h11"], joined_on=date(2024, 5, 1))
    gone = member(peach, world["h12"], joined_on=date(2024, 5, 1), left_on=date(2024, 8, 1))
    later = member(peach, home(world["areas"]["v12"]), joined_on=date(2024, 9, 1),
                   left_on=date(2025, 9, 1))
    services.update_project(actor=world["users"]["township"], project=peach,
                            ended_on=date(2025, 7, 1))
    for row in (still, gone, later):
        row.refresh_from_db()
    assert (still.left_on, gone.left_on, later.left_on) == (
        date(2025, 7, 1), date(2024, 8, 1), date(2025, 7, 1))
    assert events("project_updated").get().detail["households_left"] == 2
    left = events("project_household_left").order_by("id")
    assert sorted((e.subject_id, e.area_id, e.detail["reason"]) for e in left) == sorted(
        [(str(still.pk), "330703001001", "project_ended"),
         (str(later.pk), "330703001002", "project_ended")])


@pytest.mark.parametrize("changes, field", [
    ({"ended_on": date(2024, 5, 1)}, "ended_on"),  # a household joined that day
    ({"started_on": date(2024, 6, 1)}, "started_on"),  # after a household joined
    ({"ended_on": date(2024, 2, 1)}, "ended_on"),  # before the start
    ({"name": "山黄鸡养殖"}, None),  # another township's name: allowed
])
def test_project_dates_stay_around_its_households(world, changes, field):
    peach = world["peach"]
    row = member(peach, world["h11"], joined_on=date(2024, 5, 1))
    if field is None:
        services.update_project(actor=world["users"]["township"], project=peach, **changes)
        return
    with pytest.raises(InvalidInput) as refused:
        services.update_project(actor=world["users"]["township"], project=peach, **changes)
    assert refused.value.field == field
    peach.refresh_from_db()
    row.refresh_from_db()
    assert (peach.started_on, peach.ended_on, row.left_on) == (date(2024, 3, 1), None, None)
    assert not events("project_updated").exists()


def test_a_township_cannot_be_changed(world):
    with pytest.raises(InvalidInput) as refused:
        services.update_project(actor=world["users"]["township"], project=world["peach"],
                                area="330703002")
    assert refused.value.field == "area"


# --- households -----------------------------------------------------------------------------

def test_a_household_of_the_township_joins(world):
    actor = world["users"]["township"]
    row = services.add_household(actor=actor, project=world["peach"], household=world["h12"],
                                 joined_on=date(2025, 4, 1), support_given="桃苗30株",
                                 support_yuan="600")
    assert (row.area_id, row.joined_on, row.left_on, row.support_yuan, row.recorded_by) == (
        "330703001002", date(2025, 4, 1), None, Decimal("600.00"), actor)
    event = events("project_household_added").get()
    assert event.area_id == "330703001002"
    assert event.detail == {"project": world["peach"].pk, "project_name": "白桃基地",
                            "household": world["h12"].number, "joined_on": "2025-04-01",
                            "support_yuan": "600.00"}


@pytest.mark.parametrize("kwargs, field", [
    ({"household": "h21"}, "household"),  # another township's household
    ({"joined_on": date(2024, 2, 29)}, "joined_on"),  # before the project started
    ({"joined_on": "tomorrow"}, "joined_on"),
    ({"joined_on": None}, "joined_on"),
    ({"support_yuan": "-5"}, "support_yuan"),
    ({"support_yuan": "many"}, "support_yuan"),
    ({"support_given": "长" * 2001}, "support_given"),
])
def test_bad_household_input_names_the_field_and_stores_nothing(world, kwargs, field):
    values = {"household": world["h11"], "joined_on": date(2025, 4, 1), "support_yuan": "0"}
    values.update(kwargs)
    if kwargs.get("household") == "h21":
        values["household"] = world["h21"]
    if kwargs.get("joined_on") == "tomorrow":
        values["joined_on"] = timezone.localdate() + timedelta(days=1)
    with pytest.raises(InvalidInput) as refused:
        services.add_household(actor=world["users"]["township"], project=world["peach"],
                               **values)
    assert refused.value.field == field
    assert not ProjectHousehold.objects.exists()
    assert not events("project_household_added").exists()


def test_joining_an_ended_project_is_refused(world):
    peach = world["peach"]
    services.update_project(actor=world["users"]["township"], project=peach,
                            ended_on=date(2025, 1, 1))
    with pytest.raises(InvalidInput) as refused:
        services.add_household(actor=world["users"]["township"], project=peach,
                               household=world["h11"], joined_on=date(2025, 2, 1))
    assert refused.value.field == "joined_on"


def test_one_open_membership_per_household_and_joining_again_after_leaving(world):
    actor, peach = world["users"]["township"], world["peach"]
    first = services.add_household(actor=actor, project=peach, household=world["h11"],
                                   joined_on=date(2024, 5, 1))
    with pytest.raises(CaseConflict) as refused:
        services.add_household(actor=actor, project=peach, household=world["h11"],
                               joined_on=date(2025, 1, 1))
    assert (refused.value.field, refused.value.code) == ("household", "already_in_project")
    services.leave_project(actor=actor, membership=first, left_on=date(2025, 1, 1))
    with pytest.raises(InvalidInput) as overlap:  # back on a day it was still in it
        services.add_household(actor=actor, project=peach, household=world["h11"],
                               joined_on=date(2024, 12, 1))
    assert overlap.value.field == "joined_on"
    again = services.add_household(actor=actor, project=peach, household=world["h11"],
                                   joined_on=date(2025, 3, 1))
    assert again.pk != first.pk
    assert ProjectHousehold.objects.filter(household=world["h11"]).count() == 2


def test_only_the_keepers_add_households(world):
    for role in ("village", "township_other", "district", "auditor"):
        with pytest.raises(NotPermitted):
            services.add_household(actor=world["users"][role], project=world["peach"],
                                   household=world["h11"], joined_on=date(2025, 4, 1))
    assert not ProjectHousehold.objects.exists()


def test_recording_support(world):
    row = member(world["peach"], world["h11"], support_yuan="100")
    actor = world["users"]["township"]
    updated = services.record_support(actor=actor, membership=row,
                                      support_given="销售网站代销白桃 200 斤",
                                      support_yuan=Decimal("1200.50"))
    row.refresh_from_db()
    assert (row.support_given, row.support_yuan) == ("销售网站代销白桃 200 斤", Decimal("1200.50"))
    assert updated.support_yuan == Decimal("1200.50")
    assert events("project_support_recorded").get().detail["support_yuan"] == [
        "100.00", "1200.50"]
    with pytest.raises(InvalidInput) as refused:
        services.record_support(actor=actor, membership=row, support_given="",
                                support_yuan="-0.01")
    assert refused.value.field == "support_yuan"
    row.refresh_from_db()
    assert row.support_yuan == Decimal("1200.50")
    with pytest.raises(NotPermitted):
        services.record_support(actor=world["users"]["village"], membership=row,
                                support_given="x", support_yuan=1)


def test_leaving(world):
    actor = world["users"]["township"]
    row = member(world["peach"], world["h11"], joined_on=date(2024, 5, 1))
    for left_on, field in ((date(2024, 5, 1), "left_on"), (date(2024, 4, 1), "left_on"),
                           (timezone.localdate() + timedelta(days=1), "left_on"),
                           (None, "left_on")):
        with pytest.raises(InvalidInput) as refused:
            services.leave_project(actor=actor, membership=row, left_on=left_on)
        assert refused.value.field == field
        row.refresh_from_db()
        assert row.left_on is None
    assert not events("project_household_left").exists()
    with pytest.raises(NotPermitted):
        services.leave_project(actor=world["users"]["village"], membership=row,
                               left_on=date(2025, 1, 1))
    services.leave_project(actor=actor, membership=row, left_on=date(2025, 1, 1))
    row.refresh_from_db()
    assert row.left_on == date(2025, 1, 1)
    assert events("project_household_left").get().detail == {
        "project": world["peach"].pk, "left_on": "2025-01-01"}
    with pytest.raises(CaseConflict) as again:
        services.leave_project(actor=actor, membership=row, left_on=date(2025, 2, 1))
    assert again.value.code == "already_left"


# --- the application hooks --------------------------------------------------------------------

def application(household, program, *, status="township_review"):
    applicant = household.members.first() or f.person(household, birth=unique_birth())
    return f.case(applicant, program, status=status)


def test_projects_open_to_a_household(world):
    t1 = world["areas"]["t1"]
    closed = project(t1, "已关闭", active=False)
    ended = project(t1, "已结束", ended_on=timezone.localdate())
    future = project(t1, "明年开始", started_on=timezone.localdate() + timedelta(days=1))
    running = project(t1, "仍在进行", ended_on=timezone.localdate() + timedelta(days=1))
    opened = list(services.projects_open_to(world["h12"]))
    assert set(opened) == {running, world["peach"]}
    assert not {closed, ended, future} & set(opened)
    assert list(services.projects_open_to(world["h21"])) == [world["chicken"]]


def test_an_application_links_to_an_open_project_of_its_township(world, programs):
    case = application(world["h11"], programs["income_project"])
    link = services.link_application(case=case, project=world["peach"])
    assert (link.case_id, link.project_id, link.area_id) == (case.pk, world["peach"].pk,
                                                             "330703001001")
    event = events("project_application_linked").get()
    assert (event.area_id, event.actor_id, event.detail["case"]) == (
        "330703001001", case.filed_by_id, case.pk)
    # the same again: nothing new; another open project: the link moves
    assert services.link_application(case=case, project=world["peach"]).pk == link.pk
    grapes = project(world["areas"]["t1"], "葡萄园")
    services.link_application(case=case, project=grapes)
    assert ProjectApplication.objects.get().project_id == grapes.pk
    assert events("project_application_linked").count() == 2


@pytest.mark.parametrize("which", ["other_township", "inactive", "ended", "not_started", "none"])
def test_an_application_may_not_link_to_a_project_not_open_to_it(world, programs, which):
    t1 = world["areas"]["t1"]
    target = {
        "other_township": lambda: world["chicken"],
        "inactive": lambda: project(t1, "关", active=False),
        "ended": lambda: project(t1, "完", ended_on=date(2025, 1, 1)),
        "not_started": lambda: project(t1, "未", started_on=timezone.localdate()
                                       + timedelta(days=3)),
        "none": lambda: None,
    }[which]()
    case = application(world["h11"], programs["income_project"])
    with pytest.raises(InvalidInput) as refused:
        services.link_application(case=case, project=target)
    assert refused.value.field == "project"
    assert not ProjectApplication.objects.exists()
    assert not events("project_application_linked").exists()


def test_only_income_project_applications_link_and_only_while_open(world, programs):
    other = application(world["h11"], programs["medical_discount"])
    with pytest.raises(InvalidInput) as refused:
        services.link_application(case=other, project=world["peach"])
    assert refused.value.field == "program"
    closed = application(world["h12"], programs["income_project"], status="rejected")
    with pytest.raises(CaseConflict):
        services.link_application(case=closed, project=world["peach"])
    assert not ProjectApplication.objects.exists()


def test_a_granted_application_joins_its_project_once(world, programs):
    case = application(world["h11"], programs["income_project"])
    services.link_application(case=case, project=world["peach"])
    case.status = "approved"
    case.save(update_fields=["status"])
    approver = world["users"]["township"]
    row = services.join_on_grant(case=case, actor=approver, on=date(2025, 6, 1))
    assert (row.project_id, row.household_id, row.joined_on, row.case_id, row.recorded_by) == (
        world["peach"].pk, world["h11"].pk, date(2025, 6, 1), case.pk, approver)
    event = events("project_household_joined_on_grant").get()
    assert (event.area_id, event.detail["case"]) == ("330703001001", case.pk)
    again = services.join_on_grant(case=case, actor=approver, on=date(2025, 6, 2))
    assert again.pk == row.pk
    assert ProjectHousehold.objects.count() == 1
    assert events("project_household_joined_on_grant").count() == 1


def test_join_on_grant_without_a_link_or_already_in_the_project(world, programs):
    unlinked = application(world["h12"], programs["income_project"], status="approved")
    assert services.join_on_grant(case=unlinked, actor=None) is None
    case = application(world["h11"], programs["income_project"])
    services.link_application(case=case, project=world["peach"])
    already = member(world["peach"], world["h11"], joined_on=date(2024, 5, 1))
    assert services.join_on_grant(case=case, actor=None).pk == already.pk
    assert ProjectHousehold.objects.count() == 1


def test_join_on_grant_refuses_an_ended_project(world, programs):
    case = application(world["h11"], programs["income_project"])
    services.link_application(case=case, project=world["peach"])
    services.update_project(actor=world["users"]["township"], project=world["peach"],
                            ended_on=date(2025, 6, 1))
    with pytest.raises(CaseConflict) as refused:
        services.join_on_grant(case=case, actor=None, on=date(2025, 6, 1))
    assert (refused.value.field, refused.value.code) == ("project", "project_ended")
    assert not ProjectHousehold.objects.exists()
    # granted before it ended: the household joins
    assert services.join_on_grant(case=case, actor=None, on=date(2025, 5, 31)).joined_on == (
        date(2025, 5, 31))
