"""project_stats: exact numbers for a township and the district, as of a date.

The register (``ended_on``/``left_on`` are the first day without):

    t1  P1 2024-03-01 ..            P2 2025-01-10 .. 2025-09-01
        P3 2025-12-01 ..            P5 2024-01-01 .. 2025-06-30
    t2  P4 2024-01-01 ..

    h1 v11  P1 2024-05-01 ..                         500.00
    h2 v11  P1 2025-02-01 ..                        1200.50
            P2 2025-03-01 .. 2025-09-01              300.00
    h3 v12  P1 2025-04-01 .. 2025-06-01              800.00
    h4 v12  P2 2025-07-15 .. 2025-09-01              999.00
    h5 v11  P5 2024-02-01 .. 2025-06-30                0.00
    h6 v11  P1 2024-12-31 .. 2025-06-30              250.00
    h7 v11  P1 2025-06-30 ..                         100.00
    h8 v21  P4 2025-01-01 ..                          50.00
"""

from datetime import date
from decimal import Decimal

import pytest

from casework.projects.stats import project_stats

from .conftest import home, member, project

pytestmark = pytest.mark.django_db

T1, T2, DISTRICT = "330703001", "330703002", "330703"


@pytest.fixture
def register(areas):
    a = areas
    p1 = project(a["t1"], "P1", started_on=date(2024, 3, 1))
    p2 = project(a["t1"], "P2", started_on=date(2025, 1, 10), ended_on=date(2025, 9, 1))
    project(a["t1"], "P3", started_on=date(2025, 12, 1))
    p5 = project(a["t1"], "P5", started_on=date(2024, 1, 1), ended_on=date(2025, 6, 30))
    p4 = project(a["t2"], "P4", started_on=date(2024, 1, 1))
    h = {n: home(a[v]) for n, v in (("h1", "v11"), ("h2", "v11"), ("h3", "v12"),
                                    ("h4", "v12"), ("h5", "v11"), ("h6", "v11"),
                                    ("h7", "v11"), ("h8", "v21"))}
    member(p1, h["h1"], joined_on=date(2024, 5, 1), support_yuan="500")
    member(p1, h["h2"], joined_on=date(2025, 2, 1), support_yuan="1200.50")
    member(p2, h["h2"], joined_on=date(2025, 3, 1), left_on=date(2025, 9, 1),
           support_yuan="300")
    member(p1, h["h3"], joined_on=date(2025, 4, 1), left_on=date(2025, 6, 1),
           support_yuan="800")
    member(p2, h["h4"], joined_on=date(2025, 7, 15), left_on=date(2025, 9, 1),
           support_yuan="999")
    member(p5, h["h5"], joined_on=date(2024, 2, 1), left_on=date(2025, 6, 30))
    member(p1, h["h6"], joined_on=date(2024, 12, 31), left_on=date(2025, 6, 30),
           support_yuan="250")
    member(p1, h["h7"], joined_on=date(2025, 6, 30), support_yuan="100")
    member(p4, h["h8"], joined_on=date(2025, 1, 1), support_yuan="50")
    return h


def stats(area, year, as_of):
    return project_stats(area_code=area, year=year, as_of=as_of)


def test_mid_year(register):
    as_of = date(2025, 6, 30)
    assert stats(T1, 2025, as_of) == {"projects": 2, "households_helped": 3,
                                      "villages_with_project": 1, "households_joined": 3,
                                      "support_yuan": Decimal("2400.50")}
    assert stats(T2, 2025, as_of) == {"projects": 1, "households_helped": 1,
                                      "villages_with_project": 1, "households_joined": 1,
                                      "support_yuan": Decimal("50.00")}
    assert stats(DISTRICT, 2025, as_of) == {"projects": 3, "households_helped": 4,
                                            "villages_with_project": 2,
                                            "households_joined": 4,
                                            "support_yuan": Decimal("2450.50")}


def test_year_end(register):
    assert stats(T1, 2025, date(2025, 12, 31)) == {
        "projects": 2, "households_helped": 3, "villages_with_project": 1,
        "households_joined": 4, "support_yuan": Decimal("3399.50")}
    assert stats(DISTRICT, 2025, date(2025, 12, 31)) == {
        "projects": 3, "households_helped": 4, "villages_with_project": 2,
        "households_joined": 5, "support_yuan": Decimal("3449.50")}


def test_the_year_before_and_a_later_as_of_date(register):
    expected_2024 = {"projects": 2, "households_helped": 3, "villages_with_project": 1,
                     "households_joined": 3, "support_yuan": Decimal("750.00")}
    assert stats(T1, 2024, date(2024, 12, 31)) == expected_2024
    # asked later, 2024's joins are the same; who is helped is as of the later day
    later = stats(T1, 2024, date(2025, 6, 30))
    assert (later["households_joined"], later["support_yuan"]) == (3, Decimal("750.00"))
    assert later["households_helped"] == 3
    # early in 2024: P5 only (P1 starts in March), h5 in it
    assert stats(T1, 2024, date(2024, 2, 29)) == {
        "projects": 1, "households_helped": 1, "villages_with_project": 1,
        "households_joined": 1, "support_yuan": Decimal("0.00")}


def test_villages_are_counted_once_however_many_households(register, areas):
    # three of v11's households are in P1 mid-2025: one village; v21's one in P4
    assert stats(DISTRICT, 2025, date(2025, 6, 30))["villages_with_project"] == 2
    extra = home(areas["v12"])
    member(project(areas["t1"], "P6", started_on=date(2025, 1, 1)), extra,
           joined_on=date(2025, 5, 1))
    assert stats(DISTRICT, 2025, date(2025, 6, 30))["villages_with_project"] == 3
    assert stats(T1, 2025, date(2025, 6, 30))["villages_with_project"] == 2


def test_a_village_and_an_empty_area(register):
    # households are counted by their village; projects by their township
    assert stats("330703001002", 2025, date(2025, 12, 31)) == {
        "projects": 0, "households_helped": 0, "villages_with_project": 0,
        "households_joined": 2, "support_yuan": Decimal("1799.00")}
    assert stats("330703099", 2025, date(2025, 12, 31)) == {
        "projects": 0, "households_helped": 0, "villages_with_project": 0,
        "households_joined": 0, "support_yuan": Decimal("0.00")}
