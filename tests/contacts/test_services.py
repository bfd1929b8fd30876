"""The services: each bad input refused naming the field, nothing half-stored, every
change with its RecordEvent, and who may do what."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from casework.contacts import services
from casework.contacts.models import ContactAssignment, ContactReport, ReportingRound
from casework.errors import CaseConflict, InvalidInput, NotPermitted
from casework.models import Membership, RecordEvent

from .conftest import days_ago


def _counts():
    return (ContactAssignment.objects.count(), ContactReport.objects.count(),
            ReportingRound.objects.count(), RecordEvent.objects.count())


def _refused(error, field, call, **kwargs):
    before = _counts()
    with pytest.raises(error) as exc:
        call(**kwargs)
    assert exc.value.field == field, exc.value.message
    assert _counts() == before  # nothing stored, no event
    return exc.value


# --- assignments -------------------------------------------------------------------------

def test_a_contact_member_is_given_households_in_one_batch(world):
    w, actor = world, world["staff"]["village"]
    rows = services.assign_contact(actor=actor, contact=w["jia"], households=w["homes"][2:5],
                                   since=days_ago(3))
    assert [r.household_id for r in rows] == [h.pk for h in w["homes"][2:5]]
    assert {(r.contact_id, r.area_id, r.since, r.until, r.created_by_id) for r in rows} == {
        (w["jia"].pk, "330703001001", days_ago(3), None, actor.pk)}
    events = RecordEvent.objects.filter(action="contact_assigned").order_by("id")
    assert [(e.subject, e.subject_id, e.area_id, e.actor_id) for e in events] == [
        ("contacts.contactassignment", str(r.pk), "330703001001", actor.pk) for r in rows]
    assert events[0].detail == {"contact": w["jia"].pk, "household": w["homes"][2].pk,
                                "since": days_ago(3).isoformat()}


def test_assigning_refuses_bad_households_and_stores_nothing(world):
    w, actor = world, world["staff"]["village"]
    call = services.assign_contact
    # one good household and one of another village: nothing of the batch is stored
    _refused(InvalidInput, "households", call, actor=actor, contact=w["jia"],
             households=[w["homes"][2], w["v12_homes"][1]])
    _refused(InvalidInput, "households", call, actor=actor, contact=w["jia"],
             households=[w["homes"][2], w["homes"][0]])  # the contact's own household
    _refused(InvalidInput, "households", call, actor=actor, contact=w["jia"],
             households=[w["homes"][2], w["homes"][2]])
    _refused(InvalidInput, "households", call, actor=actor, contact=w["jia"], households=[])
    _refused(InvalidInput, "since", call, actor=actor, contact=w["jia"],
             households=[w["homes"][2]], since=days_ago(-1))


def test_the_contact_must_be_an_active_member_of_the_village(world):
    w, actor = world, world["staff"]["village"]
    call = services.assign_contact
    _refused(InvalidInput, "contact", call, actor=actor, contact=w["nonmember"],
             households=[w["homes"][3]])
    Membership.objects.filter(person=w["yi"]).update(left=days_ago(5))
    _refused(InvalidInput, "contact", call, actor=actor, contact=w["yi"],
             households=[w["homes"][3]])
    # active on the day the assignment starts: accepted
    rows = call(actor=actor, contact=w["yi"], households=[w["homes"][3]], since=days_ago(6))
    assert rows[0].since == days_ago(6)


def test_a_household_has_one_contact_member_at_a_time(world):
    w, actor = world, world["staff"]["village"]
    first = services.assign_contact(actor=actor, contact=w["jia"], households=[w["homes"][2]],
                                    since=days_ago(20))[0]
    error = _refused(CaseConflict, "households", services.assign_contact, actor=actor,
                     contact=w["yi"], households=[w["homes"][3], w["homes"][2]])
    assert error.code == "already_assigned"
    services.end_assignment(actor=actor, assignment=first, until=days_ago(5))
    error = _refused(CaseConflict, "households", services.assign_contact, actor=actor,
                     contact=w["yi"], households=[w["homes"][2]], since=days_ago(6))
    assert error.code == "overlapping_assignment"
    row = services.assign_contact(actor=actor, contact=w["yi"], households=[w["homes"][2]],
                                  since=days_ago(5))[0]
    assert (row.contact_id, row.since, row.until) == (w["yi"].pk, days_ago(5), None)


@pytest.mark.parametrize("who", ["township", "district", "auditor", "village_other"])
def test_only_the_villages_keepers_assign(world, who):
    w = world
    _refused(NotPermitted, None, services.assign_contact, actor=w["staff"][who],
             contact=w["jia"], households=[w["homes"][2]])


def test_ending_an_assignment(world):
    w, actor = world, world["staff"]["village"]
    row = services.assign_contact(actor=actor, contact=w["jia"], households=[w["homes"][2]],
                                  since=days_ago(10))[0]
    _refused(InvalidInput, "until", services.end_assignment, actor=actor, assignment=row,
             until=days_ago(11))
    _refused(InvalidInput, "until", services.end_assignment, actor=actor, assignment=row,
             until=days_ago(-1))
    _refused(NotPermitted, None, services.end_assignment, actor=w["staff"]["township"],
             assignment=row)
    round_ = services.open_round(actor=actor, area=w["areas"]["v11"], title="日报",
                                 first_day=days_ago(5), last_day=days_ago(0))
    services.file_report(actor=actor, round=round_, contact=w["jia"], report_date=days_ago(3),
                         entries=[services.ReportEntry(w["homes"][2], "all_well")])
    # the member reported on day -3: the assignment cannot end on or before it
    _refused(InvalidInput, "until", services.end_assignment, actor=actor, assignment=row,
             until=days_ago(3))
    ended = services.end_assignment(actor=actor, assignment=row, until=days_ago(2))
    assert ended.until == days_ago(2)
    event = RecordEvent.objects.get(action="contact_assignment_ended")
    assert (event.subject_id, event.detail["until"]) == (str(row.pk), days_ago(2).isoformat())
    _refused(CaseConflict, "until", services.end_assignment, actor=actor, assignment=row)


# --- rounds ---------------------------------------------------------------------------------

def test_opening_rounds_by_level(world):
    w, s = world, world["staff"]
    village_round = services.open_round(
        actor=s["village"], area=w["areas"]["v11"], title="  村 日报 ", reason="疫情",
        first_day=date(2026, 2, 1), last_day=date(2026, 2, 28),
        schedule="set_days", days_of_month=[30, 4, 7, 7, 10])
    assert (village_round.title, village_round.days_of_month) == ("村 日报", [4, 7, 10, 30])
    township_round = services.open_round(actor=s["township"], area=w["areas"]["t1"],
                                         title="镇 日报", first_day=date(2026, 3, 1),
                                         last_day=date(2026, 3, 14))
    assert township_round.days_of_month == []
    events = RecordEvent.objects.filter(action="reporting_round_opened").order_by("id")
    assert [(e.area_id, e.subject_id) for e in events] == [
        ("330703001001", str(village_round.pk)), ("330703001", str(township_round.pk))]
    call = services.open_round
    base = {"title": "x", "first_day": date(2026, 3, 1), "last_day": date(2026, 3, 14)}
    _refused(NotPermitted, None, call, actor=s["village"], area=w["areas"]["t1"], **base)
    _refused(NotPermitted, None, call, actor=s["township"], area=w["areas"]["v11"], **base)
    _refused(NotPermitted, None, call, actor=s["township_other"], area=w["areas"]["t1"], **base)
    _refused(NotPermitted, None, call, actor=s["auditor"], area=w["areas"]["t1"], **base)
    _refused(InvalidInput, "area", call, actor=s["district"], area=w["areas"]["district"],
             **base)


def test_opening_a_round_refuses_bad_input(world):
    w, actor = world, world["staff"]["village"]
    call = services.open_round
    area = w["areas"]["v11"]
    first, last = date(2026, 4, 1), date(2026, 4, 30)
    _refused(InvalidInput, "title", call, actor=actor, area=area, title=" ", first_day=first,
             last_day=last)
    _refused(InvalidInput, "last_day", call, actor=actor, area=area, title="t",
             first_day=last, last_day=first)
    _refused(InvalidInput, "last_day", call, actor=actor, area=area, title="t",
             first_day=first, last_day=first + timedelta(days=366))
    _refused(InvalidInput, "schedule", call, actor=actor, area=area, title="t",
             first_day=first, last_day=last, schedule="weekly")
    for days in ([], [0, 4], [4, 32], ["x"]):
        _refused(InvalidInput, "days_of_month", call, actor=actor, area=area, title="t",
                 first_day=first, last_day=last, schedule="set_days", days_of_month=days)
    # April has no 31st: no reporting day at all
    _refused(InvalidInput, "days_of_month", call, actor=actor, area=area, title="t",
             first_day=first, last_day=last, schedule="set_days", days_of_month=[31])


def test_closing_a_round(world):
    s, w = world["staff"], world
    round_ = services.open_round(actor=s["township"], area=w["areas"]["t1"], title="t",
                                 first_day=days_ago(3), last_day=days_ago(-10))
    _refused(NotPermitted, None, services.close_round, actor=s["village"], round=round_)
    closed = services.close_round(actor=s["township"], round=round_)
    assert closed.closed_by == s["township"] and closed.ends_on == timezone.localdate()
    assert RecordEvent.objects.filter(action="reporting_round_closed",
                                      subject_id=str(round_.pk)).count() == 1
    _refused(CaseConflict, "round", services.close_round, actor=s["township"], round=round_)


# --- reports -------------------------------------------------------------------------------

@pytest.fixture
def ready(world):
    w, actor = world, world["staff"]["village"]
    services.assign_contact(actor=actor, contact=w["jia"], households=w["homes"][2:4],
                            since=days_ago(10))
    round_ = services.open_round(actor=w["staff"]["township"], area=w["areas"]["t1"],
                                 title="每日一报", first_day=days_ago(5), last_day=days_ago(-5))
    return {**w, "round": round_, "actor": actor}


def _entries(*pairs):
    return [services.ReportEntry(h, status, note) for h, status, note in pairs]


def test_a_contact_members_report_for_a_day(ready):
    w = ready
    saved = services.file_report(
        actor=w["actor"], round=w["round"], contact=w["jia"], report_date=days_ago(1),
        entries=_entries((w["homes"][2], "all_well", ""),
                         (w["homes"][3], "to_report", " 有人 从广州返乡 ")))
    assert [(r.household_id, r.status, r.note, r.area_id, r.contact_id) for r in saved] == [
        (w["homes"][2].pk, "all_well", "", "330703001001", w["jia"].pk),
        (w["homes"][3].pk, "to_report", "有人 从广州返乡", "330703001001", w["jia"].pk)]
    event = RecordEvent.objects.get(action="contact_report_filed")
    assert (event.subject, event.subject_id, event.area_id) == (
        "contacts.reportinground", str(w["round"].pk), "330703001001")
    assert (event.detail["created"], event.detail["corrected"]) == (2, 0)
    # filed again the same day: corrected, not doubled
    services.file_report(actor=w["actor"], round=w["round"], contact=w["jia"],
                         report_date=days_ago(1),
                         entries=_entries((w["homes"][3], "all_well", "")))
    assert ContactReport.objects.count() == 2
    assert ContactReport.objects.get(household=w["homes"][3]).status == "all_well"


def test_a_report_refuses_bad_input_naming_the_field(ready):
    w = ready
    ok = (w["homes"][2], "all_well", "")
    base = {"actor": w["actor"], "round": w["round"], "contact": w["jia"]}
    call = services.file_report
    # a household outside the village (with a good one: nothing stored)
    _refused(InvalidInput, "household", call, **base, report_date=days_ago(1),
             entries=_entries(ok, (w["v12_homes"][1], "all_well", "")))
    # in the village, but not looked after by this contact
    _refused(InvalidInput, "household", call, **base, report_date=days_ago(1),
             entries=_entries(ok, (w["homes"][4], "all_well", "")))
    _refused(InvalidInput, "household", call, **base, report_date=days_ago(1),
             entries=_entries(ok, ok))
    _refused(InvalidInput, "household", call, **base, report_date=days_ago(1), entries=[])
    # not a reporting day, in the future
    _refused(InvalidInput, "report_date", call, **base, report_date=days_ago(6),
             entries=_entries(ok))
    _refused(InvalidInput, "report_date", call, **base, report_date=days_ago(-1),
             entries=_entries(ok))
    _refused(InvalidInput, "status", call, **base, report_date=days_ago(1),
             entries=_entries((w["homes"][2], "fine", "")))
    _refused(InvalidInput, "note", call, **base, report_date=days_ago(1),
             entries=_entries((w["homes"][2], "all_well", "长" * 201)))


def test_a_report_needs_an_active_member_of_a_village_of_the_round(ready):
    w = ready
    ok = _entries((w["homes"][2], "all_well", ""))
    Membership.objects.filter(person=w["jia"]).update(left=days_ago(2))
    _refused(InvalidInput, "contact", services.file_report, actor=w["actor"], round=w["round"],
             contact=w["jia"], report_date=days_ago(1), entries=ok)
    # still a member on day -3
    assert len(services.file_report(actor=w["actor"], round=w["round"], contact=w["jia"],
                                    report_date=days_ago(3), entries=ok)) == 1
    Membership.objects.filter(person=w["jia"]).update(left=None)
    # a village round of v12: 甲 of v11 does not report in it
    other = services.open_round(actor=_reviewer_of(w, "v12"), area=w["areas"]["v12"],
                                title="t", first_day=days_ago(5), last_day=days_ago(0))
    _refused(InvalidInput, "contact", services.file_report, actor=w["actor"], round=other,
             contact=w["jia"], report_date=days_ago(1), entries=ok)


def _reviewer_of(world, village):
    from tests import factories as f

    return f.user("village_reviewer", world["areas"][village])


def test_who_files_and_when(ready):
    w = ready
    ok = _entries((w["homes"][2], "all_well", ""))
    for who in ("township", "district", "auditor", "village_other"):
        _refused(NotPermitted, None, services.file_report, actor=w["staff"][who],
                 round=w["round"], contact=w["jia"], report_date=days_ago(1), entries=ok)
    services.close_round(actor=w["staff"]["township"], round=w["round"])
    _refused(CaseConflict, "round", services.file_report, actor=w["actor"], round=w["round"],
             contact=w["jia"], report_date=days_ago(1), entries=ok)


# --- a contact member leaves the association ---------------------------------------------

def test_a_member_who_leaves_hands_back_their_households(world):
    """Ending the membership ends the leaver's open assignments on the leaving day, or the
    day after their last report on a household they reported on since; each with its
    event; other members' assignments are untouched."""
    from casework.register import dues

    w, actor = world, world["staff"]["village"]
    jia_rows = services.assign_contact(actor=actor, contact=w["jia"],
                                       households=w["homes"][2:4], since=days_ago(10))
    yi_row = services.assign_contact(actor=actor, contact=w["yi"], households=[w["homes"][4]],
                                     since=days_ago(10))[0]
    round_ = services.open_round(actor=actor, area=w["areas"]["v11"], title="日报",
                                 first_day=days_ago(5), last_day=days_ago(0))
    services.file_report(actor=actor, round=round_, contact=w["jia"], report_date=days_ago(2),
                         entries=[services.ReportEntry(w["homes"][3], "all_well")])
    dues.end_membership(actor=actor, membership=Membership.objects.get(person=w["jia"]),
                        left=days_ago(4))
    ended = {row.household_id: row.until for row in
             ContactAssignment.objects.filter(pk__in=[row.pk for row in jia_rows])}
    assert ended == {w["homes"][2].pk: days_ago(4),  # the leaving day
                     w["homes"][3].pk: days_ago(1)}  # the day after the report on day -2
    assert ContactAssignment.objects.get(pk=yi_row.pk).until is None
    events = RecordEvent.objects.filter(action="contact_assignment_ended").order_by("id")
    assert [(e.subject_id, e.detail["until"], e.detail["reason"]) for e in events] == [
        (str(jia_rows[0].pk), days_ago(4).isoformat(), "membership_ended"),
        (str(jia_rows[1].pk), days_ago(1).isoformat(), "membership_ended")]
    # the households are free for another member at once
    services.assign_contact(actor=actor, contact=w["yi"], households=w["homes"][2:3],
                            since=days_ago(0))


def test_a_leaver_without_households_changes_no_assignment(world):
    from casework.register import dues

    w, actor = world, world["staff"]["village"]
    before = RecordEvent.objects.count()
    dues.end_membership(actor=actor, membership=Membership.objects.get(person=w["yi"]),
                        left=days_ago(1))
    assert RecordEvent.objects.count() == before + 1  # membership_ended only
    assert not ContactAssignment.objects.exists()
