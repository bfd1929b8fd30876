"""Demo contact households and a reporting round over the demo register (``casework.demo``).

In the villages of 多湖街道 (the township of the demo accounts ``village_dongshan`` and
``township_duohu``) that have a few households, active association members are named
contact members (会员联系户), each looking after the next 5 to 10 households of the village
(fewer where the village has fewer: the demo register has only a few households per
village), never their own. Then one township round like the seed's 每日一报 (line 101):
daily, over the last two weeks up to ``today``, with most reports filed (about nine in
ten, fewer on ``today``), mostly "all well", a few with something to report or a
household not reached; the rest are the demo's missing reports. The names, dates and
notes are invented for the demo.

Deterministic (``random.Random`` seeded with "contacts-demo/1" and the village or the
day; the clock is never read, only ``today``) and idempotent: a village that already has
assignments, and a round already there (same area and title), are left alone, so running
twice adds nothing.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from casework.demo import township_code
from casework.history import record_events
from casework.models import Area, Household, Person, User

from .models import ContactAssignment, ContactReport, ReportingRound
from .selectors import reporting_days

SEED = "contacts-demo/1"
TOWNSHIP = "多湖街道"
VILLAGES = 6  # "a few villages": those of the township with the most households
ROUND_TITLE = "防非典每日一报（演示）"
ROUND_REASON = "来金返金人员排查：联系户会员每天向村协会报告（演示数据）"
NOTES = ("家中有一人从广州返乡，已告知村协会", "外出务工人员计划下周返回",
         "家人从外地探亲回来，村协会已上门了解")


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)),
                               timezone.get_default_timezone())


def _villages(code: str) -> list[str]:
    """The township's villages with the most households (ties by code)."""
    rows = (Household.objects.filter(area__code__startswith=code)
            .values("area_id").annotate(n=Count("id")).filter(n__gte=2)
            .order_by("-n", "area_id"))
    return [row["area_id"] for row in rows[:VILLAGES]]


def _active_members(village: str, on: date) -> list[Person]:
    return list(Person.objects.filter(household__area_id=village, membership__joined__lte=on)
                .filter(Q(membership__left__isnull=True) | Q(membership__left__gt=on))
                .select_related("membership").order_by("id"))


def _assign_village(village: str, since: date, reviewer_id, made: dict[str, int]
                    ) -> list[ContactAssignment]:
    rng = random.Random(f"{SEED}/{village}/assignments")
    households = list(Household.objects.filter(area_id=village).order_by("number"))
    members = _active_members(village, since)
    rng.shuffle(members)
    unassigned = list(households)
    rows: list[ContactAssignment] = []
    for contact in members:
        if not unassigned:
            break
        size = rng.randint(5, 10)
        chunk = [h for h in unassigned if h.pk != contact.household_id][:size]
        if not chunk:
            continue
        start = max(since, contact.membership.joined)
        for household in chunk:
            unassigned.remove(household)
            rows.append(ContactAssignment(contact=contact, household=household,
                                          area_id=village, since=start,
                                          created_by_id=reviewer_id, created_at=_at(start, 9)))
    ContactAssignment.objects.bulk_create(rows)
    for row in rows:
        record_events.record(actor=None, action="contact_assigned", area_id=village, obj=row,
                             detail={"contact": row.contact_id, "household": row.household_id,
                                     "since": row.since.isoformat(), "demo": True})
    made["assignments"] += len(rows)
    made["contacts"] += len({row.contact_id for row in rows})
    return rows


def _file_reports(round_: ReportingRound, today: date, reviewers: dict[str, int],
                  made: dict[str, int]) -> None:
    assignments = list(ContactAssignment.objects.filter(area__code__startswith=round_.area_id)
                       .order_by("area_id", "contact_id", "household__number"))
    reports = []
    for day in reporting_days(round_, up_to=today):
        rng = random.Random(f"{SEED}/{round_.area_id}/{day.isoformat()}")
        share = 0.6 if day == today else 0.9
        for a in assignments:
            if not a.is_open_on(day) or rng.random() >= share:
                continue
            draw = rng.random()
            if draw < 0.85:
                status, note = ContactReport.Status.ALL_WELL, ""
            elif draw < 0.95:
                status, note = ContactReport.Status.TO_REPORT, rng.choice(NOTES)
            else:
                status, note = ContactReport.Status.NOT_REACHED, ""
            reports.append(ContactReport(
                round=round_, report_date=day, contact_id=a.contact_id,
                household_id=a.household_id, area_id=a.area_id, status=status, note=note,
                recorded_by_id=reviewers.get(a.area_id), recorded_at=_at(day, 19)))
    ContactReport.objects.bulk_create(reports, batch_size=1000)
    filed = defaultdict(list)
    for r in reports:
        filed[(r.area_id, r.report_date, r.contact_id)].append(r.household_id)
    for (village, day, contact_id), household_ids in filed.items():
        record_events.record(actor=None, action="contact_report_filed", area_id=village,
                             subject="contacts.reportinground", subject_id=round_.pk,
                             detail={"report_date": day.isoformat(), "contact": contact_id,
                                     "households": household_ids, "demo": True})
    made["reports"] += len(reports)


def seed(*, today: date) -> dict[str, int]:
    """Contact members in a few villages of 多湖街道 and one daily township round over the
    last two weeks, most reports filed. Returns the counts of what it made."""
    made = {"assignments": 0, "contacts": 0, "rounds": 0, "reports": 0}
    code = township_code(TOWNSHIP)
    township = Area.objects.filter(code=code).first()
    if township is None:
        return made
    first_day = today - timedelta(days=13)
    since = first_day - timedelta(days=random.Random(f"{SEED}/since").randint(30, 120))
    reviewers = dict(User.objects.filter(role=User.Role.VILLAGE_REVIEWER,
                                         area__code__startswith=code)
                     .order_by("-id").values_list("area_id", "id"))
    approver = (User.objects.filter(role=User.Role.TOWNSHIP_APPROVER, area_id=code)
                .order_by("id").values_list("id", flat=True).first())
    with transaction.atomic():
        kept = set(ContactAssignment.objects.filter(area__code__startswith=code)
                   .values_list("area_id", flat=True))
        for village in _villages(code):
            if village not in kept:
                _assign_village(village, since, reviewers.get(village), made)
        if ReportingRound.objects.filter(area_id=code, title=ROUND_TITLE).exists():
            return made
        round_ = ReportingRound.objects.create(
            area=township, title=ROUND_TITLE, reason=ROUND_REASON,
            schedule=ReportingRound.Schedule.DAILY, first_day=first_day, last_day=today,
            created_by_id=approver, created_at=_at(first_day, 8))
        record_events.record(actor=None, action="reporting_round_opened", area_id=code,
                             obj=round_, detail={"title": ROUND_TITLE, "schedule": "daily",
                                                 "first_day": first_day.isoformat(),
                                                 "last_day": today.isoformat(),
                                                 "demo": True})
        made["rounds"] += 1
        _file_reports(round_, today, reviewers, made)
    return made
