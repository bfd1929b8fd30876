"""Benefits granted, renewed, in force and paid, per program, for an area and a year as of
a date: the benefits part of the statistics report to the city association.

Counted per entitlement, which is per unit (a person, a couple, a household:
``eligibility.units``), so the pension subsidy counts couples as the report does ("297对",
seed line 155). "Paid" is what cash entitlements pay for their periods begun in the year:
the first period of those granted in the year and the periods renewals added in the year
(the amount of each, as the parameters of its year set it). Three statements, whatever the
number of programs or rows.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from eligibility.models import Program

from .models import Entitlement, EntitlementRenewal

ZERO = Decimal("0.00")
KEYS = ("granted", "renewed", "in_force", "paid_yuan")


def _local_day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def benefit_stats(*, area_code: str, year: int, as_of: date) -> dict:
    """``{"programs": {code: {granted, renewed, in_force, paid_yuan}}, "total": {...}}``
    for entitlements of villages under ``area_code``, in ``year`` up to ``as_of``
    (inclusive; ``as_of`` past the year counts the whole year; in force is on ``as_of``)."""
    first = date(year, 1, 1)
    last = min(as_of, date(year, 12, 31))
    since, until = _local_day_start(first), _local_day_start(last + timedelta(days=1))
    granted_q = Q(issued_at__gte=since, issued_at__lt=until)
    in_force_q = Q(valid_from__lte=as_of, valid_to__gte=as_of) & (
        Q(state=Entitlement.State.LIVE) | Q(ended_on__gte=as_of))
    known = list(Program.objects.order_by("id").values_list("code", "is_cash"))
    cash = {code for code, is_cash in known if is_cash}
    rows = (Entitlement.objects.filter(area__code__startswith=area_code)
            .values("program__code")
            .annotate(granted=Count("pk", filter=granted_q),
                      in_force=Count("pk", filter=in_force_q),
                      first_paid=Sum("amount_yuan", filter=granted_q))
            .order_by())
    renewals = (EntitlementRenewal.objects.filter(
        area__code__startswith=area_code, valid_from__gte=first, valid_from__lte=last,
        renewed_at__lt=until).values("entitlement__program__code")
        .annotate(renewed=Count("pk"), paid=Sum("amount_yuan")).order_by())
    programs: dict[str, dict] = {
        code: {"granted": 0, "renewed": 0, "in_force": 0, "paid_yuan": ZERO}
        for code, _cash in known}
    for row in rows:
        entry = programs.setdefault(row["program__code"], {
            "granted": 0, "renewed": 0, "in_force": 0, "paid_yuan": ZERO})
        entry["granted"] = row["granted"]
        entry["in_force"] = row["in_force"]
        if row["program__code"] in cash:
            entry["paid_yuan"] += Decimal(row["first_paid"] or 0)
    for row in renewals:
        entry = programs[row["entitlement__program__code"]]
        entry["renewed"] = row["renewed"]
        if row["entitlement__program__code"] in cash:
            entry["paid_yuan"] += Decimal(row["paid"] or 0)
    total = {key: sum((entry[key] for entry in programs.values()),
                      ZERO if key == "paid_yuan" else 0) for key in KEYS}
    for entry in (*programs.values(), total):
        entry["paid_yuan"] = Decimal(entry["paid_yuan"]).quantize(ZERO)
    return {"programs": programs, "total": total}
