"""casework.access: who sees which rows, on querysets and on ids in hand, for every role."""

from datetime import date, timedelta
from itertools import count

import pytest

from casework import access, selectors
from casework.models import Household, User
from tests import factories as f

pytestmark = pytest.mark.django_db

_births = count()


def unique_birth():
    """A distinct birth date per person: tests.factories.person derives the resident ID
    from birth date and a parity-adjusted counter, so same-day births can collide."""
    return date(1940, 1, 1) + timedelta(days=next(_births))


@pytest.fixture
def register(areas):
    homes = {key: f.household(areas[key]) for key in ("v11", "v12", "v21", "v22")}
    return homes


@pytest.fixture
def users(areas, register):
    return {
        "family11": f.user("family", areas["v11"], household=register["v11"]),
        "family21": f.user("family", areas["v21"], household=register["v21"]),
        "village11": f.user("village_reviewer", areas["v11"]),
        "village22": f.user("village_reviewer", areas["v22"]),
        "township1": f.user("township_approver", areas["t1"]),
        "township2": f.user("township_approver", areas["t2"]),
        "district": f.user("district_approver", areas["district"]),
        "auditor": f.user("auditor", areas["district"]),
        "admin": f.user("admin", areas["district"]),
    }


SEES = {
    "family11": {"v11"},
    "family21": {"v21"},
    "village11": {"v11"},
    "village22": {"v22"},
    "township1": {"v11", "v12"},
    "township2": {"v21", "v22"},
    "district": {"v11", "v12", "v21", "v22"},
    "auditor": {"v11", "v12", "v21", "v22"},
    "admin": {"v11", "v12", "v21", "v22"},
}


@pytest.mark.parametrize("who", list(SEES))
def test_scope_on_households(users, register, who):
    user = users[who]
    rows = set(access.scope(Household.objects.all(), user, household_field=""))
    assert rows == {register[k] for k in SEES[who]}
    assert set(selectors.households_for(user)) == rows


@pytest.mark.parametrize("who", list(SEES))
def test_in_scope_agrees_with_the_queryset_rule(users, register, who):
    """The no-query check and the queryset filter are one rule."""
    user = users[who]
    for key, hh in register.items():
        assert access.in_scope(user, hh.area_id, hh.pk) == (key in SEES[who]), (who, key)


def test_in_scope_for_a_family_is_its_household_not_its_village(users, register, areas):
    neighbour = f.household(areas["v11"])
    family = users["family11"]
    assert access.in_scope(family, neighbour.area_id, register["v11"].pk)
    assert not access.in_scope(family, neighbour.area_id, neighbour.pk)
    assert not access.in_scope(family, neighbour.area_id, None)
    assert neighbour not in set(access.scope(Household.objects.all(), family,
                                             household_field=""))


def test_staff_scope_is_one_prefix_match_without_a_join(users):
    sql = str(access.scope(Household.objects.all(), users["township1"],
                           household_field="").query)
    assert "LIKE" in sql.upper()
    assert "casework_area" not in sql  # filtered on the household's own area column


@pytest.mark.parametrize("who", ["family_no_household", "staff_no_area", "inactive",
                                 "anonymous"])
def test_accounts_without_a_scope_see_nothing(areas, register, who):
    from django.contrib.auth.models import AnonymousUser

    if who == "family_no_household":
        user = f.user("family", areas["v11"])
    elif who == "staff_no_area":
        user = f.user("district_approver", None)
    elif who == "inactive":
        user = f.user("district_approver", areas["district"])
        user.is_active = False
        user.save()
    else:
        user = AnonymousUser()
    assert not access.scope(Household.objects.all(), user, household_field="").exists()
    for hh in register.values():
        assert not access.in_scope(user, hh.area_id, hh.pk)


def test_a_family_row_filter_without_household_field_sees_nothing(users, register):
    q = access.area_q(users["family11"], household_field=None)
    assert not Household.objects.filter(q).exists()


@pytest.mark.parametrize("role, full", [
    (User.Role.FAMILY, False), (User.Role.AUDITOR, False),
    (User.Role.VILLAGE_REVIEWER, True), (User.Role.TOWNSHIP_APPROVER, True),
    (User.Role.DISTRICT_APPROVER, True), (User.Role.ADMIN, True),
])
def test_who_sees_full_resident_ids(areas, role, full):
    user = f.user(role, areas["district"])
    assert access.sees_full_id(user) is full
    number = "11010519491231002X"
    shown = selectors.shown_id_number(user, number)
    assert shown == (number if full else "110105********002X")


@pytest.mark.parametrize("role, writes", [
    (User.Role.FAMILY, True), (User.Role.AUDITOR, False),
    (User.Role.VILLAGE_REVIEWER, True), (User.Role.TOWNSHIP_APPROVER, True),
    (User.Role.DISTRICT_APPROVER, True), (User.Role.ADMIN, True),
])
def test_only_the_auditor_is_read_only(areas, role, writes):
    assert access.can_write(f.user(role, areas["district"])) is writes


def test_anonymous_neither_writes_nor_sees_ids():
    from django.contrib.auth.models import AnonymousUser

    assert not access.can_write(AnonymousUser())
    assert not access.sees_full_id(AnonymousUser())


def test_case_scope_follows_the_case_village(programs, users, register, areas):
    from workflows.applications import services

    cases = {}
    for key in ("v11", "v21"):
        hh = Household.objects.get(pk=register[key].pk)
        applicant = f.person(hh, birth=unique_birth())
        actor = users["family11"] if key == "v11" else users["family21"]
        cases[key] = services.submit_application(actor=actor, household=hh, applicant=applicant,
                                                 program=programs["medical_discount"])
    for who, sees in SEES.items():
        visible = set(selectors.cases_for(users[who]).values_list("pk", flat=True))
        assert visible == {c.pk for k, c in cases.items() if k in sees}, who


@pytest.mark.requires_postgres("index plans are checked on PostgreSQL (production's database)")
@pytest.mark.parametrize("who", ["village11", "township1", "family11"])
def test_scoped_case_list_is_served_by_an_index(users, register, who):
    """The subtree filter is a LIKE 'prefix%' that the varchar_pattern_ops index can serve
    (or the planner walks the id index for the newest rows): never a sequential scan."""
    from django.db import connection, transaction

    qs = selectors.cases_for(users[who])[:50]
    sql, params = qs.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # tiny test tables: force the choice
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Seq Scan" not in plan, plan
    assert "Index" in plan, plan
