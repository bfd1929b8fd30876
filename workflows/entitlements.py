"""An entitlement's periods: ending those that ran out, renewing those the year keeps.

    end_expired_entitlements(today=...)     daily (Celery beat): every live entitlement whose
                                            period has run out ends, with an event in its
                                            case's history and a message to the family
    renew(entitlements, year=..., ...)      the year's re-certification (and a village review
                                            that continues one) adds the next period
    end_expired_for_unit(...)               a new grant for a unit whose old one has run out
                                            but is not swept yet: end it first

Periods and renewals are policy (``eligibility.grants``): a program renewed by
re-certification keeps a live entitlement through a grace period after its period ends
(``renewal_grace_days``, assumed, set locally), so the year's re-check, run in January,
finds last year's pension subsidies still live and renews them; the sweep ends one only
when the grace has passed without a renewal, or never while a village review of it is
pending (no silent cut-off). A program the family applies for again (the health check, the
welfare grant) ends on the day after its period, and the family may apply again at once.

The sweep reads only what is due: live entitlements with ``valid_to`` before a cut-off, on
the partial index ``entitlement_live_valid_to``, a batch per transaction, claimed with
``SKIP LOCKED`` on PostgreSQL so two sweepers never take the same row.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from celery import shared_task
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from casework.history.audit import record_event, unit_of_work
from casework.models import Case, Entitlement, EntitlementRenewal, User
from eligibility.grants import (
    grant_amount,
    pays_special_families_more,
    period_from,
    renews_by_recertification,
)
from eligibility.models import PolicyParameter, Program
from eligibility.parameters import resolve

from .case_process import lock_many
from .models import Recertification
from .notifications.notify import queue_case_messages

logger = logging.getLogger(__name__)

SWEEP_BATCH = 500
#: the grace a renewable entitlement keeps after its period when no parameter says
DEFAULT_GRACE_DAYS = 90
_POLICY_KEYS = ("renewal", "renewal_grace_days", "validity_period", "card_validity_years")


def lock_cases(case_ids: Sequence[int]) -> dict[int, Case]:
    """The cases, read after locking their processes (a case's lock is its process row),
    so history appends to each case are serialised; with their applicants (messages)."""
    lock_many(case_ids)
    return Case.objects.select_related("applicant").defer("facts", "eligibility").in_bulk(
        list(case_ids))


def period_policy(on: date) -> dict[int, dict[str, Any]]:
    """Per program id: the period and renewal parameters in force on ``on`` (one
    statement for all programs)."""
    rows = (PolicyParameter.objects.filter(key__in=_POLICY_KEYS, effective_from__lte=on)
            .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on))
            .values_list("program_id", "key", "value", "effective_from", "effective_to"))
    by_program: dict[int, list] = {}
    for program_id, *row in rows:
        by_program.setdefault(program_id, []).append(tuple(row))
    return {program_id: resolve(found, on) for program_id, found in by_program.items()}


def _due_q(today: date, policy: dict[int, dict[str, Any]]) -> Q:
    """Live entitlements whose period is over: the day after ``valid_to`` for programs the
    family applies for again, after the grace for programs re-certification renews."""
    programs = list(Program.objects.values_list("pk", flat=True))
    due = Q(pk__in=[])
    for program_id in programs:
        params = policy.get(program_id, {})
        cutoff = today
        if renews_by_recertification(params):
            grace = int(params.get("renewal_grace_days", DEFAULT_GRACE_DAYS) or 0)
            cutoff = today - timedelta(days=grace)
        due |= Q(program_id=program_id, valid_to__lt=cutoff)
    return due


def _payload(entitlement: Entitlement, **extra: Any) -> dict[str, Any]:
    return {"entitlement": entitlement.number, "program": entitlement.program_id,
            "valid_to": entitlement.valid_to.isoformat(), **extra}


def _end(entitlements: list[Entitlement], cases: dict[int, Case], *, reason: str,
         actor: User | None = None) -> None:
    """End ``entitlements`` on the last day of their period (the caller's transaction,
    their cases locked): the rows, their cases' history, the families' messages."""
    ids = [e.pk for e in entitlements]
    Entitlement.objects.filter(pk__in=ids, state=Entitlement.State.LIVE).update(
        state=Entitlement.State.ENDED, ended_on=F("valid_to"), end_reason=reason)
    with unit_of_work():
        for entitlement in entitlements:
            case = cases[entitlement.case_id]
            record_event(case, actor=actor, action="entitlement_expired",
                         from_status=case.status, to_status=case.status, detail={
                             "entitlement": entitlement.number, "reason": reason,
                             "valid_to": entitlement.valid_to.isoformat()})
            queue_case_messages(case, "entitlement_expired", _payload(entitlement))


def end_expired_entitlements(*, today: date | None = None, batch: int = SWEEP_BATCH) -> int:
    """End every live entitlement whose period (and, for a renewable one, its grace) is
    over, except those a village review is deciding; returns how many ended.

    O(due rows): each batch is an index range read on ``entitlement_live_valid_to``;
    one transaction per batch. Run it daily; running it twice ends nothing twice."""
    today = today or timezone.localdate()
    policy = period_policy(today)
    due = _due_q(today, policy)
    pending = Recertification.objects.filter(entitlement_id=OuterRef("pk"),
                                             outcome=Recertification.Outcome.PENDING)
    ended = 0
    while True:
        with transaction.atomic():
            rows = (Entitlement.objects.filter(state=Entitlement.State.LIVE).filter(due)
                    .exclude(Exists(pending)).order_by("valid_to", "id"))
            if connection.features.has_select_for_update_skip_locked:
                rows = rows.select_for_update(skip_locked=True, of=("self",))
            claimed = list(rows.only("pk", "case_id", "number", "valid_to", "program_id")
                           [:batch])
            if not claimed:
                return ended
            cases = lock_cases(sorted({e.case_id for e in claimed}))
            _end(claimed, cases, reason=Entitlement.EndReason.EXPIRED)
            ended += len(claimed)
        logger.info("ended %d expired entitlements", len(claimed))


def end_expired_for_unit(*, program_id: int, unit_key: str, today: date | None = None) -> int:
    """End the unit's live entitlement of the program if its period is over (the sweep
    has not come yet), before a new grant takes its place; returns how many ended."""
    today = today or timezone.localdate()
    with transaction.atomic():
        claimed = list(Entitlement.objects.select_for_update().filter(
            program_id=program_id, unit_key=unit_key, state=Entitlement.State.LIVE,
            valid_to__lt=today).only("pk", "case_id", "number", "valid_to", "program_id"))
        if claimed:
            cases = lock_cases([e.case_id for e in claimed])
            _end(claimed, cases, reason=Entitlement.EndReason.SUPERSEDED)
    return len(claimed)


def renew(entitlements: Sequence[Entitlement], *, year: int, cases: dict[int, Case],
          params_of: dict[str, dict[str, Any]], actor: User | None = None) -> int:
    """Add the next period to each of ``entitlements`` (the caller's transaction, their
    cases locked): one renewal row each, ``valid_to`` moved on, an event in each case's
    history and a message to each family. ``params_of`` gives each program's parameters
    (by code) that the year's re-check applied: the period and the amount follow them.
    Set-based: one statement for the renewal rows, one for the entitlements."""
    if not entitlements:
        return 0
    now = timezone.now()
    renewals = []
    for entitlement in entitlements:
        code = entitlement.program.code
        params = params_of[code]
        start, end = period_from(params, entitlement.valid_to + timedelta(days=1))
        special = (cases[entitlement.case_id].facts.get("special_family", "")
                   if pays_special_families_more(params) else "")
        renewals.append(EntitlementRenewal(
            entitlement=entitlement, area_id=entitlement.area_id, year=year,
            valid_from=start, valid_to=end,
            amount_yuan=grant_amount(params, special_family=special), renewed_at=now))
        entitlement.valid_to = end
    EntitlementRenewal.objects.bulk_create(renewals)
    Entitlement.objects.bulk_update(list(entitlements), ["valid_to"])
    with unit_of_work():
        for entitlement, renewal in zip(entitlements, renewals, strict=True):
            case = cases[entitlement.case_id]
            record_event(case, actor=actor, action="entitlement_renewed",
                         from_status=case.status, to_status=case.status, detail={
                             "entitlement": entitlement.number, "year": year,
                             "valid_from": renewal.valid_from.isoformat(),
                             "valid_to": renewal.valid_to.isoformat(),
                             "amount_yuan": str(renewal.amount_yuan)})
            queue_case_messages(case, "entitlement_renewed", _payload(entitlement, year=year))
    return len(renewals)


@shared_task(acks_late=True, ignore_result=True)
def end_expired() -> int:
    """The daily sweep (Celery beat): ``end_expired_entitlements`` for today."""
    return end_expired_entitlements()


__all__ = ["end_expired", "end_expired_entitlements", "end_expired_for_unit", "lock_cases",
           "period_policy", "renew"]
