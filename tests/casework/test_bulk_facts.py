"""The bulk register reader builds the same facts as ``build_facts``, a chunk at a time."""

import gc
import threading
from dataclasses import replace
from datetime import date

import pytest

from casework.models import Area, CaseStatus, Household, Membership, Person
from casework.register.bulk_facts import (
    EntitlementChunks,
    collector_spared,
    due_entitlements,
    entitlement_chunk,
    iter_entitlement_chunks,
    iter_entitlement_facts,
    iter_person_facts,
)
from casework.register.facts import build_facts
from tests import factories as f

ON = date(2026, 1, 1)


def _normalised(facts):
    """``build_facts`` lists held programs in whatever order the database returns them.
    The bulk reader reads no unit holdings (``Facts.unit_holdings``: re-certification and
    the simulation do not ask the duplicate question), so they are compared without."""
    return replace(facts, open_programs=tuple(sorted(facts.open_programs)),
                   live_entitlement_programs=tuple(sorted(facts.live_entitlement_programs)),
                   unit_holdings=())


def _expected(person_id: int, program: str, on: date = ON):
    person = Person.objects.get(pk=person_id)
    household = Household.objects.select_related("area").get(pk=person.household_id)
    return _normalised(build_facts(household=household, applicant_id=person_id,
                                   program_code=program, on=on))


@pytest.fixture
def register(programs, areas):
    """Households and entitlements that differ in every fact a rule reads."""
    # v12 is not in the health-check scheme in 2026; v21 only until 2025
    Area.objects.filter(pk=areas["v12"].pk).update(health_check_enrolled_years=[])
    Area.objects.filter(pk=areas["v21"].pk).update(health_check_enrolled_years=[2024, 2025])
    p = programs
    due = []  # (entitlement, person) that the reader must yield

    # a couple with a one-child certificate; the husband holds two programs and has an
    # open case for a third; the wife's membership ended before the year
    hh = f.household(areas["v11"], one_child_certificate_date=date(1990, 6, 1),
                     annual_income_yuan="30500.50")
    head = f.person(hh, name="王", birth=date(1962, 2, 28))
    wife = f.person(hh, name="李", birth=date(1964, 2, 29), sex="F", relationship="spouse",
                    pension_insured=False)
    Membership.objects.filter(person=wife).update(left=date(2025, 7, 1))
    child = f.person(hh, name="王小", birth=date(1991, 3, 3), relationship="child",
                     member=False)
    due.append((f.entitlement(head, p["medical_discount"]), head))
    due.append((f.entitlement(head, p["health_check"], valid_from=date(2025, 5, 1),
                              valid_to=date(2026, 4, 30)), head))
    f.case(head, p["welfare_grant"], status=CaseStatus.VILLAGE_REVIEW)
    f.case(head, p["pension_subsidy"], status=CaseStatus.REJECTED)
    due.append((f.entitlement(wife, p["medical_discount"], valid_from=date(2023, 1, 1)), wife))
    # this year's health check already granted to the child: counted, not due (issued
    # after the date)
    f.entitlement(child, p["health_check"], valid_from=date(2026, 1, 2),
                  valid_to=date(2026, 12, 31))

    # a migrant two-daughter household in hardship, a special family, paired; the head
    # joined the association only after the date
    hh2 = f.household(areas["v12"], registration="migrant", one_child_certificate_date=None,
                      two_daughter_household=True, hardship=True,
                      special_family="lost_only_child", annual_income_yuan=7999, paired=True)
    head2 = f.person(hh2, name="赵", birth=date(1958, 12, 31))
    Membership.objects.filter(person=head2).update(joined=date(2026, 1, 2))
    due.append((f.entitlement(head2, p["welfare_grant"], amount_yuan=5000), head2))
    due.append((f.entitlement(head2, p["assistance_pairing"]), head2))

    # a couple who renounced a second birth, pension age; the certificate dated after ON
    hh3 = f.household(areas["v21"], one_child_certificate_date=date(2026, 3, 1),
                      second_birth_renounced_date=date(1988, 5, 5), annual_income_yuan=0)
    head3 = f.person(hh3, name="钱", birth=date(1960, 1, 1))
    due.append((f.entitlement(head3, p["pension_subsidy"], valid_from=date(2025, 1, 1),
                              valid_to=date(2026, 12, 31), amount_yuan=600), head3))
    due.append((f.entitlement(head3, p["income_project"]), head3))
    due.append((f.entitlement(head3, p["health_check"], valid_from=date(2025, 1, 1),
                              valid_to=date(2026, 1, 1)), head3))

    # someone who moved: the entitlement names the old household, the facts the new one
    hh4 = f.household(areas["v22"])
    mover = f.person(hh4, name="孙", birth=date(1970, 8, 8))
    due.append((f.entitlement(mover, p["medical_discount"]), mover))
    hh5 = f.household(areas["v22"], one_child_certificate_date=None,
                      two_daughter_household=True)
    f.person(hh5, name="周", birth=date(1971, 9, 9))
    Person.objects.filter(pk=mover.pk).update(household=hh5)

    # not due: ended, run out before the date, issued on the date, issued after it
    other = f.person(f.household(areas["v11"]), name="吴", birth=date(1975, 1, 1))
    f.entitlement(other, p["medical_discount"], state="ended")
    f.entitlement(other, p["pension_subsidy"], valid_to=date(2025, 12, 31))
    f.entitlement(other, p["health_check"], valid_from=ON, valid_to=date(2026, 12, 31))
    f.entitlement(other, p["welfare_grant"], valid_from=date(2026, 2, 1))
    return due


def test_yields_due_entitlements_in_id_order(register):
    rows = list(iter_entitlement_facts(ON, chunk_size=3))
    assert [r[0] for r in rows] == sorted(e.pk for e, _ in register)
    assert due_entitlements(ON) == len(register)
    assert due_entitlements(ON, after_id=rows[2][0]) == len(register) - 3
    by_id = {e.pk: e for e, _ in register}
    assert all(code == by_id[ent_id].program.code for ent_id, code, _ in rows)


@pytest.mark.parametrize("chunk_size", [1, 4, 2000])
def test_facts_agree_with_build_facts(register, chunk_size):
    persons = {e.pk: person for e, person in register}
    rows = list(iter_entitlement_facts(ON, chunk_size=chunk_size))
    assert len(rows) == len(register)
    for ent_id, code, facts in rows:
        assert facts == _expected(persons[ent_id].pk, code), (ent_id, code)
        # and they serialise the same (the JSON stored with a decision)
        assert facts.to_json() == _expected(persons[ent_id].pk, code).to_json()


def test_exclude_self_leaves_the_entitlement_out_of_what_the_holder_holds(register):
    persons = {e.pk: person for e, person in register}
    for ent_id, code, facts in iter_entitlement_facts(ON, exclude_self=True):
        expected = _expected(persons[ent_id].pk, code)
        held = tuple(c for c in expected.live_entitlement_programs if c != code)
        # a pairing's own running contract is not "already paired" when it is re-checked
        paired = expected.already_paired and code != "assistance_pairing"
        assert facts == replace(expected, live_entitlement_programs=held,
                                already_paired=paired)
        assert code not in facts.live_entitlement_programs


def test_exclude_self_does_not_count_the_reviewed_health_check_twice(programs, areas):
    person = f.person(f.household(areas["v11"]), birth=date(1980, 1, 1))
    mid_year = date(2026, 7, 1)
    ent = f.entitlement(person, programs["health_check"], valid_from=date(2026, 2, 1),
                        valid_to=date(2027, 1, 31))
    [(ent_id, _, with_self)] = entitlement_chunk(mid_year)
    [(_, _, without_self)] = entitlement_chunk(mid_year, exclude_self=True)
    assert ent_id == ent.pk
    assert with_self.health_checks_this_year == 1 == _expected(
        person.pk, "health_check", mid_year).health_checks_this_year
    assert without_self.health_checks_this_year == 0


def test_chunks_resume_after_a_checkpoint(register):
    chunks = list(iter_entitlement_chunks(ON, chunk_size=4))
    assert [len(c) for c in chunks] == [4, 4, 1]
    checkpoint = chunks[0][-1][0]
    rest = [r[0] for c in iter_entitlement_chunks(ON, after_id=checkpoint, chunk_size=4)
            for r in c]
    assert rest == [r[0] for c in chunks[1:] for r in c]


def test_a_chunk_costs_a_bounded_number_of_queries(register, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):  # villages, chunk, members, health checks
        chunk = entitlement_chunk(ON, limit=2000)
    assert len(chunk) == len(register)


@pytest.mark.parametrize("program", [None, "health_check", "medical_discount"])
def test_person_facts_agree_with_build_facts(register, areas, program):
    rows = list(iter_person_facts(ON, area_prefix=areas["t1"].code, program_code=program,
                                  chunk_size=2))
    expected_ids = list(Person.objects.filter(household__area__code__startswith="330703001")
                        .order_by("id").values_list("id", flat=True))
    assert [pid for pid, _ in rows] == expected_ids
    for person_id, facts in rows:
        expected = _expected(person_id, program or "health_check")
        assert facts == expected, person_id


@pytest.mark.django_db(transaction=True)
def test_prefetching_reads_the_same_chunks(register):
    """The next chunk read ahead on a second connection is the chunk a plain read gives;
    reading another checkpoint discards it; the worker thread ends with the reader."""
    plain = list(iter_entitlement_chunks(ON, chunk_size=2, exclude_self=True))
    assert list(iter_entitlement_chunks(ON, chunk_size=2, exclude_self=True,
                                        prefetch=True)) == plain
    with EntitlementChunks(ON, chunk_size=2, prefetch=True) as chunks:
        first = chunks.read(0)
        assert chunks.read(0) == first  # not the chunk read ahead
        assert chunks.read(first[-1][0]) == list(iter_entitlement_chunks(ON, chunk_size=2))[1]
    assert not [t for t in threading.enumerate() if t.name.startswith("facts-prefetch")]


class TestCollectorSpared:
    """While a reader is open the objects that existed before it are frozen (the cyclic
    collector's full passes skip them); the last reader out unfreezes them."""

    def test_a_reader_freezes_and_unfreezes(self, register):
        assert gc.get_freeze_count() == 0
        with EntitlementChunks(ON, chunk_size=2) as chunks:
            assert gc.get_freeze_count() > 0
            assert chunks.read(0)
            with EntitlementChunks(ON) as nested:  # nested: still frozen after it closes
                nested.read(0)
            assert gc.get_freeze_count() > 0
        assert gc.get_freeze_count() == 0

    def test_closing_twice_releases_once(self, register):
        chunks = EntitlementChunks(ON)
        with collector_spared():
            chunks.close()
            chunks.close()
            assert gc.get_freeze_count() > 0  # the outer user still holds it
        assert gc.get_freeze_count() == 0

    def test_the_person_iterator_releases_when_done_or_dropped(self, register, areas):
        rows = iter_person_facts(ON, chunk_size=2)
        next(rows)
        assert gc.get_freeze_count() > 0
        rows.close()
        assert gc.get_freeze_count() == 0
        assert list(iter_person_facts(ON)) and gc.get_freeze_count() == 0

    def test_someone_elses_freeze_is_left_alone(self, register):
        gc.freeze()
        try:
            frozen = gc.get_freeze_count()
            with EntitlementChunks(ON) as chunks:
                chunks.read(0)
            # not unfrozen by the reader (a few frozen objects may be freed meanwhile)
            assert gc.get_freeze_count() > frozen // 2
        finally:
            gc.unfreeze()

    def test_nothing_is_frozen_while_the_collector_is_off(self, register):
        gc.disable()
        try:
            with collector_spared():
                assert gc.get_freeze_count() == 0
        finally:
            gc.enable()
