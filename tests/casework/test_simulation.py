"""What-if for policy changes: pure counting, the command, the admin page."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from eligibility.defaults import PROGRAMS
from eligibility.facts import Facts, PersonFacts
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
