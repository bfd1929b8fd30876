"""Yearly re-certification (年审): every live entitlement against the year's rules, and a
village review, never a silent cut-off, for each one that no longer qualifies.

    recertify(year=...)            manage.py recertify, and the Celery task below
      -> for each chunk of entitlements (casework.register.bulk_facts), in one transaction:
         evaluate each against the year's rules; for each that fails, start_review:
         a Recertification row, a RecertificationFlow process with a village review task,
         "recertification_flagged" in the granting case's history, a message to the family;
         each that passes and whose period ends before the year does, of a program that
         re-certification renews, is renewed for its next period (workflows.entitlements);
         then move the run's checkpoint past the chunk
    decide_review(actor=..., task_id=..., decision="continue" | "end", reason=...)
      -> the entitlement goes on (renewed if its period ends in the year), or ends with the
       reason; history, message, task done

The date the rules are applied for is 1 January of the year (``recertification_date``):
one set of parameter values per program for the whole run (a value changed mid-year
takes effect at the next year's run, as a new policy year does), every family's age and
membership taken on the same day, and a run started in March gives the same result as
one started in January on the same register. The entitlements checked are those live on
that day that began before it: one granted later in the year was just decided under
that year's rules. Of the programs re-certification renews (``renewal`` parameter), an
entitlement whose period ended the day before is checked too (last year's calendar-year
pension subsidy, kept live through its grace period for this). The entitlement under review
does not count as a duplicate of itself.

Idempotent: a review is opened at most once per entitlement and year, and never while
an earlier one is still pending (two unique constraints, and a read of both before
opening). Resumable: the run's checkpoint (the last entitlement id done) is committed
with each chunk's reviews, under a lock on the run row, so an interrupted run resumes
after the last committed chunk and two runners of the same year take turns chunk by
chunk instead of doing anything twice. Passing entitlements get no row: 300,000 decision
rows a year would cost more to write than the whole check, and the run keeps the rule
versions and parameter values it applied (``RecertificationRun.rules``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from viewflow import this
from viewflow.workflow import flow, lock
from viewflow.workflow.models import Process, Task
from viewflow.workflow.nodes.view import ViewActivation
from viewflow.workflow.signals import task_finished
from viewflow.workflow.status import PROCESS, STATUS

from casework import access
from casework.errors import InvalidInput
from casework.history.audit import record_event, unit_of_work
from casework.models import Case, Entitlement, RecertificationRun, User
from casework.register.bulk_facts import DEFAULT_CHUNK, EntitlementChunks, EntitlementFacts
from eligibility.decision import EligibilityDecision
from eligibility.evaluate import evaluate
from eligibility.facts import Facts
from eligibility.grants import due_for_renewal, renews_by_recertification
from eligibility.models import Program
from eligibility.parameters import parameters_on
from eligibility.rules import CURRENT

from .. import steps, subjects, task_pages
from ..applications.flow import CaseEnd, ScopedTaskView, StartCase
from ..completion import already_decided, decide_task, forbid_own_household, task_reader
from ..entitlements import lock_cases, renew
from ..models import Recertification
from ..notifications.notify import queue_case_messages
from ..viewflow_adapter import insert_task, new_task

logger = logging.getLogger(__name__)

REVIEW_STEP = steps.RECERTIFICATION_REVIEW
REVIEW_ROLE = steps.RECERTIFICATION_ROLE


class Outcome:
    """What the village decides: the entitlement continues, or it ends (with a reason)."""

    CONTINUE = "continue"
    END = "end"
    CHOICES = ((CONTINUE, gettext_lazy("continue the entitlement")),
               (END, gettext_lazy("end the entitlement")))


def recertification_date(year: int) -> date:
    """The day the year's re-certification applies the rules for (see the module doc)."""
    return date(year, 1, 1)

REVIEW_PAGE = "recertification.review"  # its task page (views.RecertificationReviewView)


# --- the review flow -----------------------------------------------------------------


class ReviewActivation(ViewActivation):
    """The village review task, inserted with its scope already set (one statement with
    its link), like the application's ``DecisionStep`` tasks: the role that acts in
    ``owner_permission``, the entitlement's village code in ``owner_permission_obj_pk``."""

    @classmethod
    def create(cls, flow_task, prev_activation, token, data=None, seed=None):
        process = prev_activation.process
        task = new_task(flow_task, prev_activation, token, data, seed)
        recertification = process.recertification
        task.owner_permission = REVIEW_ROLE
        task.owner_permission_obj_pk = recertification.area_id
        insert_task(task, prev_activation.task.pk)
        recertification._review_task = task
        return cls(task)

    @ViewActivation.status.super()
    def complete(self):
        """Save only the columns a completion changes (viewflow saves the whole row)."""
        self.task.finished = timezone.now()
        self.task.save(update_fields=["status", "finished", "owner", "started"])
        task_finished.send(sender=self.flow_class, process=self.process, task=self.task)


class ReviewStep(ScopedTaskView):
    """The village's review of a failed re-check: only its village's reviewers may act."""

    activation_class = ReviewActivation


class RecertificationFlow(flow.Flow):
    """Re-certification review

    An entitlement that no longer qualifies under the year's rules, reviewed by its
    village: it continues, or it ends with a reason the family is told.
    """

    process_title = gettext_lazy("Re-certification review")
    subject = subjects.RECERTIFICATION  # scoped through their review row
    lock_impl = lock.select_for_update_lock if settings.IS_POSTGRES else lock.no_lock

    start = StartCase(this.start_review).Next(this.recertification_review)
    recertification_review = ReviewStep(task_pages.page(REVIEW_PAGE)).Next(this.end)
    end = CaseEnd()

    def has_manage_permission(self, user, obj=None):
        """Nobody cancels or undoes a review by hand: decisions go through
        ``decide_review``, which writes the history."""
        return False

    def start_review(self, activation, recertification):
        """Link the new process to its (not yet saved) re-certification row; the caller
        saves the row once the flow has run (its process is saved by then)."""
        activation.process.recertification = recertification  # caches both directions
        return recertification


# --- notifications -------------------------------------------------------------------

FAMILY_TEMPLATES = {
    "flagged": "recertification_flagged",
    "continued": "recertification_continued",
    "ended": "recertification_ended",
}


def _notify(case: Case, event: str, payload: dict[str, Any], *, staff: bool = False) -> None:
    """Queue the family's messages (SMS if there is a phone, and in-app) and, for a new
    review, the village's in-app notice; relayed after commit like every outbox row."""
    queue_case_messages(case, FAMILY_TEMPLATES[event], payload,
                        staff_recipient=f"{REVIEW_STEP}:{payload['area']}" if staff else None)


# --- opening reviews -----------------------------------------------------------------


def start_review(*, entitlement: Entitlement, case: Case, year: int, on: date,
                 decision: EligibilityDecision, facts: Facts) -> Recertification:
    """Open the village review of one ``entitlement`` that failed the year's re-check,
    through viewflow's own start (``recertify`` opens a chunk's reviews at once, with the
    same rows: ``_open_reviews``).

    Runs inside the caller's transaction and unit of work, with the granting case's lock
    held; the case is the one the history goes to. Raises ``IntegrityError`` if the
    entitlement already has a review for the year or a pending one.
    """
    recertification = Recertification(
        entitlement=entitlement, case=case, area_id=entitlement.area_id, year=year, on=on,
        eligible=decision.eligible, rule_version=decision.rule_version,
        decision=decision.to_json(), facts=facts.to_json())
    RecertificationFlow.start.run(recertification=recertification)
    recertification.save()
    _flagged(recertification, recertification._review_task, decision)
    return recertification


def _flagged(recertification: Recertification, task: Task,
             decision: EligibilityDecision) -> None:
    """The granting case's history and the messages of a newly opened review."""
    case, entitlement = recertification.case, recertification.entitlement
    record_event(case, actor=None, action="recertification_flagged", from_status=case.status,
                 to_status=case.status, detail={
                     "year": recertification.year, "on": recertification.on.isoformat(),
                     "recertification": recertification.pk, "entitlement": entitlement.number,
                     "rule_version": decision.rule_version, "failed": decision.failed_codes,
                     "task": task.pk})
    _notify(case, "flagged", _payload(recertification, entitlement), staff=True)


def _payload(recertification: Recertification, entitlement: Entitlement) -> dict[str, Any]:
    return {"step": REVIEW_STEP, "program": entitlement.program_id,
            "entitlement": entitlement.number, "year": recertification.year,
            "area": recertification.area_id, "recertification": recertification.pk}


def _open_reviews(failing: list[tuple[int, Facts, EligibilityDecision]], *, year: int,
                  on: date) -> tuple[int, int]:
    """Open a review for each failing entitlement that is still live and has no review
    for the year and none pending; returns (opened, skipped).

    Set-based: whatever the number of reviews in the chunk, one statement each for the
    processes, their start tasks, their review tasks, the tasks' links and the
    re-certification rows, then the history and the messages (unit of work). The rows
    are the ones ``start_review`` has viewflow write for one entitlement (a test holds
    them equal); a policy change that fails thousands of entitlements at once then costs
    seconds, not one flow start (a dozen statements) per family.
    """
    ids = [entitlement_id for entitlement_id, _, _ in failing]
    reviewed = Recertification.objects.filter(entitlement_id=OuterRef("pk")).filter(
        Q(year=year) | Q(outcome=Recertification.Outcome.PENDING))
    entitlements = Entitlement.objects.filter(pk__in=ids, state=Entitlement.State.LIVE).exclude(
        Exists(reviewed)).in_bulk()
    todo = [row for row in failing if row[0] in entitlements]
    if not todo:
        return 0, len(failing)
    cases = lock_cases(sorted({e.case_id for e in entitlements.values()}))
    now = timezone.now()
    flow = RecertificationFlow
    processes = Process.objects.bulk_create([
        Process(flow_class=flow, status=PROCESS.NEW, created=now, data={}) for _ in todo])
    starts = Task.objects.bulk_create([
        Task(process=process, flow_task=flow.start, flow_task_type=flow.start.task_type,
             status=STATUS.DONE, created=now, started=now, finished=now, data={})
        for process in processes])
    recertifications = []
    for process, (entitlement_id, facts, decision) in zip(processes, todo, strict=True):
        entitlement = entitlements[entitlement_id]
        recertifications.append(Recertification(
            entitlement=entitlement, case=cases[entitlement.case_id],
            area_id=entitlement.area_id, year=year, on=on, eligible=decision.eligible,
            rule_version=decision.rule_version, decision=decision.to_json(),
            facts=facts.to_json(), process=process))
    node = flow.recertification_review
    reviews = Task.objects.bulk_create([
        Task(process=process, flow_task=node, flow_task_type=node.task_type,
             status=STATUS.NEW, created=now, data={}, owner_permission=REVIEW_ROLE,
             owner_permission_obj_pk=recertification.area_id)
        for process, recertification in zip(processes, recertifications, strict=True)])
    Task.previous.through.objects.bulk_create([
        Task.previous.through(from_task_id=review.pk, to_task_id=start.pk)
        for review, start in zip(reviews, starts, strict=True)])
    Recertification.objects.bulk_create(recertifications)
    with unit_of_work():
        for recertification, review, (_, _, decision) in zip(recertifications, reviews, todo,
                                                             strict=True):
            _flagged(recertification, review, decision)
    return len(todo), len(failing) - len(todo)


# --- the run -------------------------------------------------------------------------


def _rules_for(on: date) -> dict[str, dict[str, Any]]:
    """Every program's rule version and parameter values in force on ``on``."""
    return {program.code: {"rule_version": CURRENT[program.code],
                           "parameters": parameters_on(program, on)}
            for program in Program.objects.order_by("id") if program.code in CURRENT}


def _open_run(year: int, restart: bool) -> RecertificationRun:
    on = recertification_date(year)
    with transaction.atomic():
        run, created = RecertificationRun.objects.select_for_update().get_or_create(
            year=year, defaults={"on": on, "started_at": timezone.now(),
                                 "rules": _rules_for(on)})
        if restart and not created:
            run.on = on
            run.started_at = timezone.now()
            run.finished_at = None
            run.last_entitlement_id = 0
            run.processed = run.flagged = run.skipped = run.renewed = 0
            run.rules = _rules_for(on)
            run.save()
    return run


ChunkHook = Callable[[RecertificationRun, int], None]


def renewable_programs(rules: dict[str, dict[str, Any]]) -> list[int]:
    """The ids of the programs whose entitlements the run renews (``renewal`` parameter
    "recertification" in the rules the run applies)."""
    codes = [code for code, rule in rules.items()
             if renews_by_recertification(rule.get("parameters") or {})]
    return sorted(Program.objects.filter(code__in=codes).values_list("pk", flat=True))


def _renew_due(passing: set[int], *, after: int, last: int, run: RecertificationRun,
               renewable: Sequence[int]) -> int:
    """Renew the chunk's passing entitlements whose period ends before the run's year
    does (one read of the chunk's id range for those due, then ``entitlements.renew``)."""
    due = [entitlement for entitlement in Entitlement.objects.filter(
        pk__gt=after, pk__lte=last, state=Entitlement.State.LIVE,
        valid_to__lt=date(run.year, 12, 31), program_id__in=renewable,
    ).select_related("program").order_by("pk") if entitlement.pk in passing]
    if not due:
        return 0
    cases = lock_cases(sorted({entitlement.case_id for entitlement in due}))
    return renew(due, year=run.year, cases=cases, params_of={
        code: rule["parameters"] for code, rule in run.rules.items()})


def _run_chunk(run_id: int, read: Callable[[int], list[EntitlementFacts]],
               after_chunk: ChunkHook | None, renewable: Sequence[int] = ()
               ) -> tuple[RecertificationRun, int]:
    """Check the next chunk after the run's checkpoint, open its reviews and renew what is
    due, in one transaction with the run row locked; returns the run and how many were
    checked (0: the run is finished)."""
    with transaction.atomic():
        run = RecertificationRun.objects.select_for_update().get(pk=run_id)
        if run.finished_at is not None:
            return run, 0
        on = run.on
        chunk = read(run.last_entitlement_id)
        if not chunk:
            run.finished_at = timezone.now()
            run.save(update_fields=["finished_at"])
            return run, 0
        # the rules the run started with, also when it resumes after a change
        rules = {code: (rule["parameters"], rule["rule_version"])
                 for code, rule in run.rules.items()}
        failing = []
        passing = set()
        for entitlement_id, code, facts in chunk:
            params, version = rules[code]
            decision = evaluate(facts, code, params, on, version)
            if decision.eligible:
                passing.add(entitlement_id)
            else:
                failing.append((entitlement_id, facts, decision))
        opened, skipped = _open_reviews(failing, year=run.year, on=on) if failing else (0, 0)
        renewed = _renew_due(passing, after=run.last_entitlement_id, last=chunk[-1][0],
                             run=run, renewable=renewable) if passing and renewable else 0
        run.last_entitlement_id = chunk[-1][0]
        run.processed += len(chunk)
        run.flagged += opened
        run.skipped += skipped
        run.renewed += renewed
        run.save(update_fields=["last_entitlement_id", "processed", "flagged", "skipped",
                                "renewed"])
        if after_chunk is not None:
            after_chunk(run, len(chunk))  # inside the transaction: a failure undoes the chunk
    return run, len(chunk)


def recertify(*, year: int, chunk_size: int = DEFAULT_CHUNK, restart: bool = False,
              progress: Callable[[int], Any] | None = None, deadline: float | None = None,
              after_chunk: ChunkHook | None = None, prefetch: bool | None = None
              ) -> RecertificationRun:
    """Re-check every due entitlement of ``year`` (resuming an interrupted run), a chunk
    per transaction; returns the run, finished unless ``deadline`` (a ``time.monotonic``
    value) came first.

    ``progress(n)`` is told after each committed chunk how many it checked;
    ``restart`` starts the year's run over from the first entitlement (reviews already
    opened for the year are not opened again). Each chunk commits on its own, so call it
    outside a transaction (inside one, as in tests, the chunks are savepoints).
    ``prefetch`` reads the next chunk on a second connection while this one is evaluated
    (``casework.register.bulk_facts.EntitlementChunks``); by default on when called outside a
    transaction (the second connection could not see uncommitted rows).
    """
    if chunk_size < 1:
        raise InvalidInput(_("The chunk size must be at least 1."), field="chunk_size")
    if prefetch is None:
        prefetch = not transaction.get_connection().in_atomic_block
    run = _open_run(year, restart)
    renewable = renewable_programs(run.rules)
    with EntitlementChunks(run.on, chunk_size=chunk_size, exclude_self=True,
                           prefetch=prefetch, renewable=renewable) as chunks:
        while True:
            if deadline is not None and time.monotonic() >= deadline:
                return run
            run, checked = _run_chunk(run.pk, chunks.read, after_chunk, renewable)
            if not checked:
                return run
            if progress is not None:
                progress(checked)


# --- the review decision -------------------------------------------------------------


def _review_tasks() -> QuerySet[Task]:
    """Review tasks read with their process, re-certification, entitlement and program."""
    return Task.objects.select_related(
        "process", "process__recertification", "process__recertification__entitlement",
        "process__recertification__entitlement__program",
    ).order_by()


REVIEW_TASKS = task_reader(_review_tasks)


def _recertification_of_task(task: Task) -> Recertification | None:
    """The re-certification a review task decides; None for any other task."""
    node = task.flow_task
    if node is None or node.name != REVIEW_STEP or node.flow_class is not RecertificationFlow:
        return None
    return getattr(task.process, "recertification", None)


def decide_review(*, actor: User, task_id: int, decision: str, reason: str = ""
                  ) -> Recertification:
    """The village reviewer decides a review: ``continue`` keeps the entitlement, ``end``
    ends it (a reason is required, and the family is told it).

    Raises ``Task.DoesNotExist`` for a task the actor may not act on (404),
    ``CaseConflict`` when it is not an open review task (409), ``NotPermitted`` (403) for
    a reviewer of the entitlement's own household, ``InvalidInput`` (400).
    """
    access.require_writer(actor)
    if decision not in (Outcome.CONTINUE, Outcome.END):
        raise InvalidInput(_("Choose continue or end."), field="decision")
    reason = (reason or "").strip()
    if decision == Outcome.END and not reason:
        raise InvalidInput(_("A reason is required to end an entitlement."), field="reason")

    def decide(task: Task, recertification: Recertification, now) -> Recertification:
        if recertification.outcome != Recertification.Outcome.PENDING:
            raise already_decided()
        case = lock_cases([recertification.case_id])[recertification.case_id]
        forbid_own_household(actor, case)
        _record_outcome(recertification, case, task, actor, decision, reason, now)
        return recertification

    return decide_task(actor=actor, task_id=task_id, tasks=REVIEW_TASKS,
                       subject_of=_recertification_of_task,
                       not_this_step=_("This task is not a re-certification review."),
                       decide=decide)


def _record_outcome(recertification: Recertification, case: Case, task: Task, actor: User,
                    decision: str, reason: str, now) -> None:
    """What the review's outcome changes, in the caller's transaction: the review row,
    the entitlement ended or renewed, the history, the family told."""
    entitlement = recertification.entitlement
    ended = decision == Outcome.END
    recertification.outcome = (Recertification.Outcome.ENDED if ended
                               else Recertification.Outcome.CONTINUED)
    recertification.reason = reason
    recertification.decided_by = actor
    recertification.decided_at = now
    recertification.save(update_fields=["outcome", "reason", "decided_by", "decided_at"])
    if ended:
        today = timezone.localdate()
        entitlement.state = Entitlement.State.ENDED
        entitlement.valid_to = min(entitlement.valid_to, today)
        entitlement.ended_on = entitlement.valid_to
        entitlement.end_reason = Entitlement.EndReason.RECERTIFICATION
        entitlement.save(update_fields=["state", "valid_to", "ended_on", "end_reason"])
    event = "ended" if ended else "continued"
    record_event(case, actor=actor, action=f"recertification_{event}", from_status=case.status,
                 to_status=case.status, detail={
                     "year": recertification.year, "recertification": recertification.pk,
                     "entitlement": entitlement.number, "reason": reason, "task": task.pk})
    _notify(case, event, {**_payload(recertification, entitlement), "reason": reason})
    if not ended:
        # it qualifies for the year after all: the period it lacked for the year, if any
        params = parameters_on(entitlement.program_id, recertification.on)
        if renews_by_recertification(params) and due_for_renewal(entitlement.valid_to,
                                                                 recertification.year):
            renew([entitlement], year=recertification.year, cases={case.pk: case},
                  params_of={entitlement.program.code: params}, actor=actor)


def case_of_process(process: Process) -> Case | None:
    """The case a process is about: an application's own case, for a re-certification
    review the case that granted the entitlement (where its history is written), for an
    appeal the appealed case."""
    case = getattr(process, "case", None)
    if case is None:
        recertification = getattr(process, "recertification", None)
        case = recertification.case if recertification is not None else None
    if case is None:
        appeal = getattr(process, "appeal", None)
        case = appeal.case if appeal is not None else None
    return case


# --- Celery --------------------------------------------------------------------------

# a run longer than this continues in a new task (CELERY_TASK_SOFT_TIME_LIMIT is 240 s)
TASK_BUDGET_SECONDS = 180


@shared_task(name="workflows.recertification.recertify_year", acks_late=True,
             ignore_result=True)
def recertify_year(year: int, chunk_size: int = DEFAULT_CHUNK) -> dict[str, Any]:
    """Run (or resume) the year's re-certification on a worker, on the default queue.

    Works for ``TASK_BUDGET_SECONDS`` then queues itself to continue from the
    checkpoint, so no task outlives the worker's time limit; a worker lost mid-chunk
    redelivers the task (acks late), which resumes after the last committed chunk.
    Two copies running at once take turns chunk by chunk (the run row's lock).
    """
    try:
        run = recertify(year=year, chunk_size=chunk_size,
                        deadline=time.monotonic() + TASK_BUDGET_SECONDS)
    except SoftTimeLimitExceeded:  # the chunk in hand rolled back; continue in a new task
        run = RecertificationRun.objects.get(year=year)
    if run.finished_at is None:
        recertify_year.apply_async((year, chunk_size))
    return {"year": run.year, "processed": run.processed, "flagged": run.flagged,
            "skipped": run.skipped, "finished": run.finished_at is not None}


__all__ = ["RecertificationFlow", "decide_review", "recertify", "recertify_year",
           "start_review", "case_of_process", "recertification_date"]
