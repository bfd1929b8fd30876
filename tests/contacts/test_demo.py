"""The demo: contact members in a few villages of 多湖街道 and one daily township round over
the last two weeks, most reports filed and some missing; deterministic and idempotent."""

from collections import Counter
from datetime import date, timedelta

from casework.contacts import demo, selectors
from casework.contacts.models import ContactAssignment, ContactReport, ReportingRound
from casework.contacts.stats import contact_stats
from casework.demo import seed_demo, township_code
from casework.models import User

TODAY = date(2026, 9, 15)


def test_the_demo_seeds_contacts_and_a_round_once(db):
    seed_demo(today=TODAY, association=False)
    made = demo.seed(today=TODAY)
    code = township_code("多湖街道")
    assignments = ContactAssignment.objects.select_related("contact", "household")
    assert made["assignments"] == assignments.count() > 0
    assert made["contacts"] == len({a.contact_id for a in assignments}) > 0
    villages = {a.area_id for a in assignments}
    assert 1 < len(villages) <= demo.VILLAGES and all(v.startswith(code) for v in villages)
    per_contact = Counter(a.contact_id for a in assignments)
    assert max(per_contact.values()) <= 10
    for a in assignments:  # the service's rules hold
        assert a.household.area_id == a.contact.household.area_id == a.area_id
        assert a.household_id != a.contact.household_id and a.until is None
        assert a.contact.membership.is_active_on(a.since)
    assert len({a.household_id for a in assignments}) == assignments.count()
    round_ = ReportingRound.objects.get()
    assert (round_.area_id, round_.schedule, round_.first_day, round_.last_day) == (
        code, "daily", TODAY - timedelta(days=13), TODAY)
    reports = ContactReport.objects.all()
    assert made["reports"] == reports.count() > 0
    assert not reports.filter(report_date__gt=TODAY).exists()
    # every report matches the contact member of its household on its day
    for r in reports.select_related("round"):
        a = next(a for a in assignments if a.household_id == r.household_id)
        assert a.contact_id == r.contact_id and a.is_open_on(r.report_date)
    stats = contact_stats(area_code=code, year=TODAY.year, as_of=TODAY)
    assert stats["reports_received"] == made["reports"]
    assert 0.8 < stats["reports_received"] / stats["reports_expected"] < 1  # some missing
    missing = sum(len(m.days) for m in selectors.missing_reports(round_, code, up_to=TODAY))
    assert missing == stats["reports_expected"] - stats["reports_received"] > 0
    # the demo's township approver sees the round's roll-up
    approver = User.objects.get(username="township_duohu")
    rollup = selectors.rollup(approver, round_, day=TODAY)
    assert rollup.total.round_expected == stats["reports_expected"]
    # again: nothing added
    assert demo.seed(today=TODAY) == {"assignments": 0, "contacts": 0, "rounds": 0,
                                      "reports": 0}
    assert ContactReport.objects.count() == made["reports"]
