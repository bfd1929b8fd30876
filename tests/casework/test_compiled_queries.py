"""``CompiledQuery`` gives what the queryset gives, runs the SQL it compiled once, and
refuses what it cannot freeze: the contract it relies on in Django's compiler, checked
against the installed Django on SQLite and PostgreSQL alike."""

from datetime import date

import pytest
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from casework import compiled_queries
from casework.compiled_queries import CompiledQuery, shapes_of
from casework.models import Case, Entitlement, Membership, Person
from eligibility.models import PolicyParameter
from eligibility.parameters import PARAMETER_ROW, parameters_on, resolve, rows_in_force
from tests import factories as f


def _people(*, household_id: int, members_only: bool):
    people = (Person.objects.filter(household_id=household_id).select_related("membership")
              .annotate(holds=Exists(Entitlement.objects.filter(person_id=OuterRef("pk"))))
              .order_by("id"))
    return people.filter(membership__isnull=False) if members_only else people


PEOPLE = CompiledQuery(_people, values={"household_id": int})


@pytest.fixture
def homes(areas, programs):
    first, second = f.household(areas["v11"]), f.household(areas["v12"])
    head = f.person(first, name="王一")
    f.person(first, name="王二", member=False, birth=date(1990, 1, 1))
    f.person(second, name="李三")
    f.entitlement(head, programs["medical_discount"])
    return first, second


def _seen(people):
    return [(p.pk, p.name, p.holds, getattr(p, "membership", None) and p.membership.number)
            for p in people]


def test_rows_are_the_querysets_with_their_joins_and_annotations(homes,
                                                                 django_assert_num_queries):
    for home in homes:
        for members_only in (False, True):
            expected = _seen(_people(household_id=home.pk, members_only=members_only))
            with django_assert_num_queries(1):  # the membership came with the row
                got = _seen(PEOPLE.rows(household_id=home.pk, members_only=members_only))
            assert got == expected
    first = PEOPLE.first(household_id=homes[0].pk, members_only=False)
    assert isinstance(first, Person) and first.name == "王一" and first.holds is True
    assert isinstance(first.membership, Membership)
    assert PEOPLE.first(household_id=0, members_only=False) is None


def test_each_shape_compiles_once_and_runs_the_same_sql(homes):
    query = CompiledQuery(_people, values={"household_id": int})
    sqls = []
    for home in (*homes, *homes):
        with CaptureQueriesContext(connection) as ran:
            query.rows(household_id=home.pk, members_only=False)
        sqls.append(ran.captured_queries[0]["sql"])
    assert len(shapes_of(query)) == 1
    query.rows(household_id=homes[0].pk, members_only=True)
    assert len(shapes_of(query)) == 2
    # the same text every run (a prepared statement's); the households' ids differ in it
    # only where the backend writes parameters into the logged SQL
    assert len({sql.replace(str(homes[0].pk), "?").replace(str(homes[1].pk), "?")
                for sql in sqls}) == 1


def test_it_keeps_a_bounded_number_of_shapes(homes, monkeypatch):
    monkeypatch.setattr(compiled_queries, "MAX_SHAPES", 2)
    query = CompiledQuery(lambda *, household_id, limit: _people(
        household_id=household_id, members_only=False)[:limit], values={"household_id": int})
    for limit in (1, 2, 3, 1):
        assert len(query.rows(household_id=homes[0].pk, limit=limit)) == min(limit, 2)
    assert [dict(key[2])["limit"] for key in shapes_of(query)] == [3, 1]


def test_a_union_of_value_rows_with_a_text_argument(homes, programs):
    head = Person.objects.get(name="王一")

    def held(*, person_id: int, area: str):
        cases = Case.objects.filter(Q(applicant_id=person_id) | Q(area_id=area)).values_list(
            "id", "program__code").order_by()
        granted = Entitlement.objects.filter(person_id=person_id, area_id=area).values_list(
            "case_id", "program__code").order_by()
        return cases.union(granted, all=True)

    query = CompiledQuery(held, values={"person_id": int, "area": str})
    for person_id, area in ((head.pk, head.household.area_id), (0, "330703002001"),
                            (head.pk, "nowhere")):
        assert sorted(query.rows(person_id=person_id, area=area)) == sorted(
            held(person_id=person_id, area=area))


def test_a_date_argument_on_either_backend(programs):
    program = programs["medical_discount"]
    query = CompiledQuery(
        lambda *, program_id, on: rows_in_force(program_id, on).values_list(*PARAMETER_ROW),
        values={"program_id": int, "on": date})
    PolicyParameter.objects.create(program=program, key="compiled_probe", value=1,
                                   effective_from=date(2020, 1, 1),
                                   effective_to=date(2024, 12, 31))
    PolicyParameter.objects.create(program=program, key="compiled_probe", value=2,
                                   effective_from=date(2025, 1, 1))
    for on in (date(2019, 6, 1), date(2024, 6, 1), date(2025, 6, 1)):
        assert resolve(query.rows(program_id=program.pk, on=on), on) == parameters_on(
            program, on)
    assert resolve(query.rows(program_id=program.pk, on=date(2024, 6, 1)),
                   date(2024, 6, 1))["compiled_probe"] == 1


def test_an_argument_that_is_not_a_parameter_of_its_own_is_refused(areas):
    like = CompiledQuery(lambda *, name: Person.objects.filter(name__contains=name),
                         values={"name": str})
    with pytest.raises(ValueError, match="name"):
        like.rows(name="王")
    with pytest.raises(TypeError, match="int, str, date or datetime"):
        CompiledQuery(lambda *, ids: Person.objects.filter(pk__in=ids), values={"ids": list})
    with pytest.raises(TypeError, match="missing"):
        PEOPLE.rows(members_only=False)


@pytest.mark.django_db(transaction=True)
def test_a_locking_read_outside_a_transaction_is_refused_as_django_does(homes):
    def locked(*, household_id):
        return Person.objects.select_for_update().filter(household_id=household_id)

    query = CompiledQuery(locked, values={"household_id": int})
    with transaction.atomic():
        assert len(query.rows(household_id=homes[0].pk)) == 2
    if not connection.features.has_select_for_update:  # SQLite: Django locks nothing
        assert len(query.rows(household_id=homes[0].pk)) == len(locked(
            household_id=homes[0].pk))
        return
    with pytest.raises(TransactionManagementError):
        len(locked(household_id=homes[0].pk))  # what Django says
    with pytest.raises(TransactionManagementError):
        query.rows(household_id=homes[0].pk)
