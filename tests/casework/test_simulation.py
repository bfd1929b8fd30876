"""What-if for policy changes: pure counting over each program's candidates, the command,
the admin page."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from eligibility import candidates
from eligibility.candidates import (
    CANDIDATES,
    HOUSEHOLD,
    PERSON,
    Candidates,
    UnknownCandidates,
    candidates_for,
)
from eligibility.defaults import PROGRAMS
from eligibility.facts import Facts, PersonFacts
from eligibility.rules import CURRENT
from eligibility.simulate import simulate
from tests import factories as f

PENSION = PROGRAMS["pension_subsidy"][3]


def pension_facts(household_id: int, born: date, village="330703001001") -> Facts:
    person = PersonFacts(person_id=household_id, sex="M", birth_date=born, relationship="head",
                         is_active_member=True, pension_insured=True)
    return Facts(household_id=household_id, village_code=village, registration="local",
                 applicant=person, members=(person,),
                 second_birth_renounced_date=date(1985, 1, 1))


def test_raising_the_age_moves_people_out_and_saves_their_subsidy():
    on = date(2026, 6, 1)
    rows = [
        ("330703001", 1, pension_facts(1, date(1965, 1, 1))),  # 61: loses at 62
        ("330703001", 2, pension_facts(2, date(1960, 1, 1))),  # 66: keeps
        ("330703002", 3, pension_facts(3, date(1970, 1, 1), "330703002001")),  # 56: never
    ]
    result = simulate(rows, "pension_subsidy", PENSION, {**PENSION, "min_age": 62}, on)
    first, second = result["330703001"], result["330703002"]
    assert (first.eligible_now, first.eligible_proposed) == (2, 1)
    assert first.households_losing == {1} and first.persons_losing == 1
    assert first.cost_change == Decimal("-600")
    assert (second.eligible_now, second.eligible_proposed, second.cost_change) == (0, 0, 0)


def test_a_higher_subsidy_costs_more_without_changing_who_is_covered():
    on = date(2026, 6, 1)
    rows = [("330703001", 1, pension_facts(1, date(1950, 1, 1)))]
    result = simulate(rows, "pension_subsidy", PENSION, {**PENSION, "benefit_yuan": 800}, on)
    assert result["330703001"].cost_change == Decimal("200")
    assert not result["330703001"].households_gaining | result["330703001"].households_losing


@pytest.fixture
def register(programs, areas):
    for n, born in enumerate((date(1965, 3, 1), date(1955, 3, 1))):
        home = f.household(areas["v11" if n else "v21"],
                           second_birth_renounced_date=date(1985, 1, 1))
        f.person(home, name=f"老人{n}", birth=born)
    return areas


def test_the_command_reports_per_township(register):
    out = StringIO()
    call_command("simulate_policy", "--program", "pension_subsidy", "--set", "min_age=62",
                 "--on", "2026-06-01", stdout=out)
    text = out.getvalue()
    assert "min_age: 60 -> 62" in text
    lines = {line.split()[1]: line.split() for line in text.splitlines()
             if line.startswith("镇")}
    # township 1 (v11): the 71-year-old stays; township 2 (v21): the 61-year-old drops out
    assert lines["330703002"][-3:] == ["0", "1", "-600"]
    assert lines["330703001"][-3:] == ["0", "0", "0"]


def test_the_command_refuses_unknown_parameters_and_programs(register):
    with pytest.raises(CommandError, match="unknown parameter"):
        call_command("simulate_policy", "--program", "pension_subsidy", "--set", "nope=1")
    with pytest.raises(CommandError, match="no program"):
        call_command("simulate_policy", "--program", "nope", "--set", "min_age=1")


def test_the_admin_page_shows_the_same_numbers(register, client, programs):
    from casework.models import User

    admin = User.objects.create_superuser("policy-admin", password="pw-Test-12345",
                                          role="admin", area=register["district"])
    client.force_login(admin)
    program = programs["pension_subsidy"]
    response = client.get(f"/admin/eligibility/program/{program.pk}/simulate/",
                          {"key": "min_age", "value": "62", "on": "2026-06-01"})
    assert response.status_code == 200
    report = response.context["report"]
    assert report.total.eligible_now == 2 and report.total.eligible_proposed == 1
    assert report.total.cost_change == Decimal("-600")
    assert "镇2" in response.content.decode()


# --- candidates: who could apply under each program ------------------------------------

def person(person_id: int, born: date, relationship: str = "head", *, member: bool = True,
           insured: bool = True, sex: str = "M") -> PersonFacts:
    return PersonFacts(person_id=person_id, sex=sex, birth_date=born,
                       relationship=relationship, is_active_member=member,
                       pension_insured=insured)


def household_rows(household_id: int, members: tuple[PersonFacts, ...], group="330703001",
                   **facts) -> list[tuple[str, int, Facts]]:
    """One row per member, as ``iter_person_facts`` yields them: each member the applicant
    of the same household's facts."""
    return [(group, household_id,
             Facts(household_id=household_id, village_code=f"{group}001", registration="local",
                   applicant=member, members=members, **facts))
            for member in members]


class TestCandidateSelection:
    def test_every_program_says_who_its_candidates_are(self):
        assert set(CANDIDATES) == set(CURRENT) == set(PROGRAMS)
        assert {code for code, c in CANDIDATES.items() if c.unit == HOUSEHOLD} == {
            "welfare_grant", "assistance_pairing", "income_project"}
        with pytest.raises(UnknownCandidates):
            candidates_for("nope")

    def test_the_head_or_without_one_the_first_member(self):
        head, spouse, child = (person(5, date(1960, 1, 1)),
                               person(3, date(1962, 1, 1), "spouse"),
                               person(9, date(1990, 1, 1), "child"))
        with_head = household_rows(1, (spouse, head, child))
        assert [candidates.head(facts) for _, _, facts in with_head] == [False, True, False]
        headless = household_rows(2, (child, spouse))  # spouse has the lower id
        assert [candidates.head(facts) for _, _, facts in headless] == [False, True]

    def test_the_couple_and_the_association_members(self):
        rows = household_rows(1, (person(1, date(1960, 1, 1)),
                                  person(2, date(1962, 1, 1), "spouse", member=False),
                                  person(3, date(1930, 1, 1), "parent"),
                                  person(4, date(1990, 1, 1), "child", member=False)))
        assert [candidates.couple(f) for _, _, f in rows] == [True, True, False, False]
        assert [candidates.association_member(f) for _, _, f in rows] == [
            True, False, True, False]


class TestSimulateCountsCandidates:
    ON = date(2026, 6, 1)

    def test_a_household_grant_is_counted_and_costed_once_per_household(self):
        # three members of a hardship household, 10,000 yuan a head: every one of them
        # passes the rule, but the fund grants the household once
        members = (person(1, date(1960, 1, 1)), person(2, date(1962, 1, 1), "spouse"),
                   person(3, date(1990, 1, 1), "child"))
        rows = household_rows(7, members, hardship=True, annual_income_yuan=Decimal(30000))
        grant = PROGRAMS["welfare_grant"][3]
        result = simulate(rows, "welfare_grant", grant,
                          {**grant, "income_per_head_limit_yuan": 9000}, self.ON)["330703001"]
        assert result.unit == HOUSEHOLD
        assert (result.candidates, result.eligible_now, result.eligible_proposed) == (1, 1, 0)
        assert (result.gaining, result.losing) == (0, 1)
        assert result.households_losing == {7}
        assert (result.cost_now, result.cost_proposed) == (Decimal(3000), Decimal(0))

    def test_pairing_asks_the_head_alone(self):
        # the head was paired already: the household is not a candidate again through its
        # other members (the rule reads household facts only)
        members = (person(1, date(1960, 1, 1)), person(2, date(1962, 1, 1), "spouse"))
        rows = household_rows(3, members, hardship=True)
        params = PROGRAMS["assistance_pairing"][3]
        result = simulate(rows, "assistance_pairing", params, params, self.ON)["330703001"]
        assert (result.candidates, result.eligible_now, result.eligible_proposed) == (1, 1, 1)

    def test_the_pension_counts_the_couple_not_a_parent_living_with_them(self):
        members = (person(1, date(1965, 1, 1)),                     # 61: loses at 62
                   person(2, date(1960, 1, 1), "spouse", sex="F"),  # 66: keeps it
                   person(3, date(1940, 1, 1), "parent"))           # 86: did not renounce
        rows = household_rows(4, members, second_birth_renounced_date=date(1988, 1, 1))
        result = simulate(rows, "pension_subsidy", PENSION, {**PENSION, "min_age": 62},
                          self.ON)["330703001"]
        # one couple, one subsidy (eligibility.units: the report counts couples): covered
        # now through either spouse, still covered at 62 through the elder
        assert result.unit == "couple"
        assert (result.candidates, result.eligible_now, result.eligible_proposed) == (1, 1, 1)
        assert (result.gaining, result.losing) == (0, 0)
        assert (result.cost_now, result.cost_change) == (Decimal(600), Decimal(0))
        assert not result.households_losing

    def test_the_pension_costs_one_subsidy_per_couple_not_one_per_spouse(self):
        members = (person(1, date(1955, 1, 1)), person(2, date(1957, 1, 1), "spouse", sex="F"))
        rows = household_rows(6, members, second_birth_renounced_date=date(1988, 1, 1))
        result = simulate(rows, "pension_subsidy", PENSION, {**PENSION, "min_age": 75},
                          self.ON)["330703001"]
        assert (result.candidates, result.eligible_now, result.eligible_proposed) == (1, 1, 0)
        assert (result.cost_now, result.cost_proposed) == (Decimal(600), Decimal(0))
        assert result.losing == 1 and result.households_losing == {6}

    def test_the_health_check_counts_association_members(self):
        members = (person(1, date(1960, 1, 1)), person(2, date(1962, 1, 1), "spouse",
                                                       member=False))
        rows = household_rows(5, members, village_health_check_enrolled=True,
                              health_checks_this_year=1)
        params = PROGRAMS["health_check"][3]
        result = simulate(rows, "health_check", params, {**params, "checks_per_year": 2},
                          self.ON)["330703001"]
        assert (result.candidates, result.eligible_now, result.eligible_proposed) == (1, 0, 1)
        assert result.gaining == 1 and result.households_gaining == {5}

    def test_an_income_project_household_gains_only_through_its_couple(self):
        income = PROGRAMS["income_project"][3]
        proposed = {**income, "max_age": 65}
        low = {"one_child_certificate_date": date(1990, 1, 1),
               "annual_income_yuan": Decimal(30000)}
        # the head is 62, the spouse 58: covered now through the spouse, no gain
        covered = household_rows(1, (person(1, date(1964, 1, 1)),
                                     person(2, date(1968, 1, 1), "spouse")), **low)
        # head 62 and spouse 63: the household gains at max_age 65; their 35-year-old
        # son is of working age but not a candidate, so it did not count as covered now
        gains = household_rows(2, (person(3, date(1964, 1, 1)),
                                   person(4, date(1963, 1, 1), "spouse"),
                                   person(5, date(1991, 1, 1), "child")), **low)
        result = simulate([*covered, *gains], "income_project", income, proposed,
                          self.ON)["330703001"]
        assert (result.candidates, result.eligible_now, result.eligible_proposed) == (2, 1, 2)
        assert (result.gaining, result.losing) == (1, 0)
        assert result.households_gaining == {2} and not result.households_losing

    def test_a_selection_can_be_given(self):
        everyone = Candidates(PERSON, lambda facts: True, "every person")
        members = (person(1, date(1960, 1, 1)), person(2, date(1940, 1, 1), "parent"))
        rows = household_rows(6, members, second_birth_renounced_date=date(1988, 1, 1))
        result = simulate(rows, "pension_subsidy", PENSION, PENSION, self.ON,
                          everyone)["330703001"]
        # the selection decides who is counted; the rule still refuses the parent, who
        # is not one of the couple (pension_subsidy/4)
        assert (result.candidates, result.eligible_now) == (2, 1)


@pytest.fixture
def hardship_register(programs, areas):
    """A hardship household of three in township 1, 10,000 yuan a head."""
    home = f.household(areas["v11"], hardship=True, annual_income_yuan=30000)
    f.person(home, name="户主", birth=date(1960, 1, 1))
    f.person(home, name="配偶", birth=date(1962, 1, 1), sex="F", relationship="spouse")
    f.person(home, name="子女", birth=date(1990, 1, 1), relationship="child", member=False)
    return areas


def test_the_command_counts_a_household_program_per_household(hardship_register):
    out = StringIO()
    call_command("simulate_policy", "--program", "welfare_grant", "--set",
                 "income_per_head_limit_yuan=9000", "--on", "2026-06-01", stdout=out)
    text = out.getvalue()
    assert "candidates: households (the head applies), counted per household" in text
    [total] = [line.split() for line in text.splitlines() if line.startswith("TOTAL")]
    # candidates, now, then, +hh, -hh, +c, -c, cost change
    assert total[1:] == ["1", "1", "0", "0", "1", "0", "1", "-3000"]
