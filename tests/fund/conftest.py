"""The welfare fund's fixtures: the small area tree (district 330703, townships t1 and t2,
villages v11, v12, v21, v22), a user per role and welfare-grant cases to pay."""

from datetime import date
from decimal import Decimal
from itertools import count

import pytest

from casework.fund import services
from tests import factories as f

_births = count()


@pytest.fixture
def people(areas):
    """One user per role that matters to the fund."""
    return {
        "district": f.user("district_approver", areas["district"]),
        "admin": f.user("admin", areas["district"]),
        "auditor": f.user("auditor", areas["district"]),
        "township": f.user("township_approver", areas["t1"]),
        "township_other": f.user("township_approver", areas["t2"]),
        "township_admin": f.user("admin", areas["t1"]),
        "village": f.user("village_reviewer", areas["v11"]),
        "family": f.user("family", areas["v11"]),
    }


@pytest.fixture
def grant_case(programs, areas):
    """``grant_case(village)``: a welfare-grant case at district review in ``village``."""

    def make(village="v11"):
        household = f.household(areas[village], hardship=True, annual_income_yuan=8000)
        birth = date(1960, 1, 1).replace(day=1 + next(_births) % 28)
        head = f.person(household, name="困难户", birth=birth)
        return f.case(head, programs["welfare_grant"], status="district_review")

    return make


def book(actor, kind, amount, on, **kw):
    """``services.book_entry`` with a counterparty by default."""
    kw.setdefault("counterparty", "区财政局")
    return services.book_entry(actor=actor, kind=kind, amount_yuan=Decimal(str(amount)),
                               booked_on=on, **kw)
