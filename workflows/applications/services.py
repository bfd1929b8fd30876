"""Services that move a case through its process: one transaction each, each
writing the audit event and the outbox rows of what it changed.

The case's viewflow process row is the lock: every service that touches a
case after submission takes it (``SELECT ... FOR UPDATE`` on PostgreSQL), then
re-reads the task or case under it, so two reviewers deciding the same task at
once end with one decision and a ``CaseConflict`` for the other.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from functools import cache
from pathlib import PurePosixPath
from typing import Any

from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.models import Process, Task

from casework import access
from casework.errors import CaseConflict, IneligibleApplication, InvalidInput, NotPermitted
from casework.field_rules import normalize_text
from casework.history.audit import (
    queue_insert,
    record_event,
    save_case,
    transition,
    unit_of_work,
)
from casework.models import (
    Case,
    CaseStatus,
    Decision,
    Document,
    Entitlement,
    Household,
    LegalBasis,
    Objection,
    Person,
    User,
)
from casework.projects.models import IncomeProject
from casework.projects.services import join_on_grant, link_application
from casework.services import issue_entitlement, precheck, store_precheck
from eligibility.models import Program
from eligibility.units import unit_key

from .. import steps
from ..case_process import lock_case
from ..completion import (
    OPEN_TASK,
    complete_task,
    decide_task,
    forbid_own_household,
    task_reader,
)
from ..deadlines.services import close_for_case
from ..entitlements import end_expired_for_unit
from ..models import Appeal
from ..notifications.notify import notify_step
from .flow import BenefitApplicationFlow

INCOME_PROJECT = "income_project"
# who records an objection lodged at the office during the public notice
OBJECTION_RECORDERS = (User.Role.VILLAGE_REVIEWER, User.Role.TOWNSHIP_APPROVER,
                       User.Role.DISTRICT_APPROVER, User.Role.ADMIN)


# the version of the personal-data notice the family agrees to when applying
CONSENT_NOTICE = "privacy-2026-1"


def submit_application(*, actor: User, household: Household, program: Program,
                       applicant: Person, statement: str = "",
                       on: date | None = None, consent: bool = True,
                       project: IncomeProject | None = None) -> Case:
    """A family (or the village staff on its behalf) applies; the pre-check is stored
    and the process starts at village review.

    ``consent``: the applicant agreed to the personal-data notice ``CONSENT_NOTICE``
    (PIPL article 13): the family's form, the staff form and the API ask for it
    explicitly and refuse without it; the case records when, and under which notice.

    ``project``: an income-project (少生快富) application names the project the household
    applies to join, one open in its township (``casework.projects``); required for that
    program, refused for the others.
    """
    access.require_writer(actor)
    if not consent:
        raise InvalidInput(_("Please agree to the use of your family's personal data for "
                             "this application."), field="consent")
    if not access.in_scope(actor, household.area_id, household.pk):
        raise NotPermitted(_("You may not apply for this household."))
    if actor.role not in (User.Role.FAMILY, User.Role.VILLAGE_REVIEWER, User.Role.ADMIN):
        raise NotPermitted(_("Only the family or its village staff may apply."))
    if applicant.household_id != household.pk:
        raise InvalidInput(_("The applicant is not a member of this household."),
                           field="applicant")
    if not program.active:
        raise IneligibleApplication(_("This program is not open for applications."),
                                    field="program")
    if program.code == INCOME_PROJECT and project is None:
        raise InvalidInput(_("Choose the project you apply to join."), field="project")
    if program.code != INCOME_PROJECT and project is not None:
        raise InvalidInput(_("Only an income-project application names a project."),
                           field="project")
    on = on or timezone.localdate()
    decision, facts = precheck(household=household, applicant_id=applicant.pk,
                               program=program, on=on)
    duplicate = next((c for c in decision.criteria if c.code == "no_duplicate"), None)
    if duplicate is not None and not duplicate.passed:
        raise IneligibleApplication(duplicate.reason(get_language() or "zh-hans"), field="program",
                                    code="duplicate")
    now = timezone.now()
    try:
        with transaction.atomic():
            case = _submit(actor=actor, household=household, program=program,
                           applicant=applicant, statement=statement, on=on, now=now,
                           decision=decision, facts=facts)
            if project is not None:  # the case is saved: link it (one transaction)
                link_application(case=case, project=project, actor=actor)
    except IntegrityError as exc:  # the partial unique index: a concurrent duplicate
        raise IneligibleApplication(_("An application for this program is already open "
                                      "for this person, couple or household."),
                                    field="program", code="duplicate") from exc
    return case


def _submit(*, actor: User, household: Household, program: Program, applicant: Person,
            statement: str, on: date, now, decision, facts) -> Case:
    """The case, its history and its process, in one unit of work (the caller's
    transaction): the case first, the rest when the unit flushes."""
    with unit_of_work():
        case = Case(household=household, applicant=applicant, program=program,
                    unit_key=unit_key(program.code, person_id=applicant.pk,
                                      household_id=household.pk),
                    area_id=household.area_id, statement=statement, filed_by=actor,
                    on_behalf=actor.role != User.Role.FAMILY, submitted_at=now,
                    application_date=on, status=CaseStatus.SUBMITTED,
                    legal_basis=LegalBasis.CONSENT, consent_at=now,
                    consent_text=CONSENT_NOTICE)
        store_precheck(case, decision, facts)
        # inserted now: its process row names it (``process.case``); what changes below
        # (status, history head) is one UPDATE when the unit flushes
        case.save(force_insert=True)
        record_event(case, actor=actor, action="submitted", to_status=CaseStatus.SUBMITTED,
                     detail={"program": program.code, "on_behalf": case.on_behalf})
        record_event(case, actor=None, action="eligibility_precheck",
                     from_status=case.status, to_status=case.status,
                     detail={"eligible": decision.eligible,
                             "rule_version": decision.rule_version,
                             "failed": decision.failed_codes})
        notify_step(case, "submitted")
        BenefitApplicationFlow.start.run(case=case, actor=actor)
    return case


@contextmanager
def _case_lock(case: Case) -> Iterator[None]:
    """One transaction holding the case's lock (its process row), with a unit of work.

    Waits for a concurrent holder instead of failing fast: the loser then
    re-reads the moved-on state and gets a clean ``CaseConflict``.
    """
    with transaction.atomic():
        lock_case(case.pk)
        with unit_of_work():
            yield


def _other_level_steps(actor: User) -> list[str]:
    """The decision steps of the levels ``actor``'s role does not decide (a user acts only
    on the steps of their role's level: ``steps.user_may_act``)."""
    own = {steps.STEP_LEVEL[s] for s in steps.DECISION_STEPS if steps.STEP_ROLE[s] == actor.role}
    return [s for s in steps.DECISION_STEPS if steps.STEP_LEVEL[s] not in own]


def _columns(model, prefix: str = "", without: tuple[str, ...] = ()) -> list[str]:
    return [prefix + f.name for f in model._meta.concrete_fields if f.name not in without]


@cache
def _decision_columns() -> tuple[str, ...]:
    """What a decision reads of its task, process, case, program and applicant: every
    column but the wide ones it never reads (the task's and process's data, the case's
    facts and statement; facts load lazily if a rule needs them). Named with ``only``:
    Django cannot ``defer`` through the process's case (a relation without a column of
    its own, ``viewflow_adapter.CaseLink``)."""
    return (*_columns(Task, without=("data",)), *_columns(Process, "process__", ("data",)),
            *_columns(Case, "process__case__", ("facts", "statement")),
            *_columns(Program, "process__case__program__"),
            *_columns(Person, "process__case__applicant__"))


def _decision_tasks(*, actor_id: int, other_steps: tuple[str, ...]) -> QuerySet[Task]:
    """The decision tasks read with their process and case in one statement (the
    completion core locks the task and process rows: the process row is every case's
    lock).

    The same statement tells whether the actor already decided this case at another
    level (``decided_other_level``, an EXISTS on the case's decisions of ``other_steps``)
    or upheld its appeal (``decided_appeal``): separation of duties, checked by
    ``decide``.
    """
    return Task.objects.select_related("process", "process__case", "process__case__program",
                                       "process__case__applicant").only(
        *_decision_columns()).annotate(decided_other_level=Exists(Decision.objects.filter(
        case_id=OuterRef("process__case__id"), actor_id=actor_id,
        step__in=other_steps)),
        # who upheld an appeal of the case has judged it once already
        decided_appeal=Exists(Appeal.objects.filter(
            case_id=OuterRef("process__case__id"), decided_by_id=actor_id,
            outcome=Appeal.Outcome.UPHELD))).order_by()


#: the read a decision locks its task with, compiled once a process (per role's steps)
DECISION_TASKS = task_reader(_decision_tasks, actor_id=int)


def decide(*, actor: User, task_id: int, decision: str, reason: str = "") -> Case:
    """A reviewer decides a review task: approve, return to the family, or reject.

    Raises ``Task.DoesNotExist`` for a task the actor may not act on (404),
    ``CaseConflict`` when it is no longer open (409), ``NotPermitted`` (403) when the
    actor already decided the case at another level or it is their own household's.

    A grant whose unit still holds a live entitlement of the program with its period
    over (the daily sweep has not reached it) ends that one first and decides again;
    one whose period still runs is a ``CaseConflict`` naming it.
    """
    try:
        return _decide(actor=actor, task_id=task_id, decision=decision, reason=reason)
    except IntegrityError as exc:
        unit = _unit_conflict(exc, task_id)
        if unit is None:
            raise
    program_id, key = unit
    if end_expired_for_unit(program_id=program_id, unit_key=key):
        return _decide(actor=actor, task_id=task_id, decision=decision, reason=reason)
    held = Entitlement.objects.filter(program_id=program_id, unit_key=key,
                                      state=Entitlement.State.LIVE).first()
    raise CaseConflict(_("This person, couple or household already holds entitlement "
                         "%(number)s of this program, valid until %(until)s.") % {
        "number": held.number if held else "", "until": held.valid_to if held else ""},
        code="already_granted")


def is_unit_conflict(exc: IntegrityError) -> bool:
    """Whether ``exc`` is the one-live-entitlement-per-unit constraint refusing a grant
    (PostgreSQL names the constraint, SQLite its column)."""
    text = str(exc)
    return any(mark in text for mark in ("entitlement_one_live_per_unit_program",
                                         "casework_entitlement.unit_key"))


def _unit_conflict(exc: IntegrityError, task_id: int) -> tuple[int, str] | None:
    """(program id, unit key) of the case of ``task_id`` when ``exc`` is the one-live-
    entitlement-per-unit constraint refusing its grant, else None."""
    if not is_unit_conflict(exc):
        return None
    return Case.objects.filter(process__task__id=task_id).values_list(
        "program_id", "unit_key").first()


def _decide(*, actor: User, task_id: int, decision: str, reason: str = "") -> Case:
    access.require_writer(actor)
    if decision not in Decision.Outcome.values:
        raise InvalidInput(_("Choose approve, return or reject."), field="decision")
    reason = (reason or "").strip()
    if decision in (Decision.Outcome.REJECT, Decision.Outcome.RETURN) and not reason:
        raise InvalidInput(_("A reason is required to reject or return a case."),
                           field="reason")

    def decide_case(task, case: Case, now) -> Case:
        # separation of duties: one person decides one level of a case, and never a
        # case of their own household
        if task.decided_other_level:
            raise NotPermitted(_("You already decided this case at another level; "
                                 "someone else must decide it at this level."),
                               code="decided_other_level")
        if task.decided_appeal:
            raise NotPermitted(_("You upheld this case's appeal; someone else must "
                                 "review it now."), code="decided_appeal")
        forbid_own_household(actor, case)
        _record_decision(case, task, task.flow_task.name, actor, decision, reason, now)
        return case

    return decide_task(actor=actor, task_id=task_id, tasks=DECISION_TASKS,
                       task_arguments={"actor_id": actor.pk,
                                       "other_steps": tuple(_other_level_steps(actor))},
                       subject_of=_case_of_decision_task,
                       not_this_step=_("This task does not take a decision."),
                       decide=decide_case)


def _case_of_decision_task(task) -> Case | None:
    """The case an application's decision task decides; None for any other task."""
    node = task.flow_task
    return task.process.case if node is not None and node.name in steps.DECISION_STEPS else None


def _record_decision(case: Case, task, step: str, actor: User, decision: str, reason: str,
                     now) -> None:
    """What a decision changes, in the caller's transaction: the decision row and its
    event, the objections it resolves, and at a rejection or the final approval the
    case's end (the entitlement, the family told); the flow then routes on
    ``case.last_decision``."""
    # written with the unit's other new rows (nothing reads it back in this transaction)
    queue_insert(Decision(case=case, step=step, outcome=decision, reason=reason, actor=actor,
                          task_id=task.pk, decided_at=now))
    case.last_decision = decision
    record_event(case, actor=actor, action=f"decision_{decision}", from_status=case.status,
                 to_status=case.status, detail={"step": step, "reason": reason,
                                                "task": task.pk})
    if step == steps.OBJECTION_REVIEW:
        resolve_objections(case, actor=actor, upheld=decision != Decision.Outcome.APPROVE,
                           resolution=reason)
    if decision == Decision.Outcome.REJECT:
        case.closed_at = now
        transition(case, to_status=CaseStatus.REJECTED, actor=actor, action="rejected",
                   detail={"reason": reason}, extra_fields=("last_decision", "closed_at"))
        notify_step(case, "rejected")
    elif decision == Decision.Outcome.APPROVE and steps.is_final(case, step):
        entitlement = grant(case, actor=actor)
        case.closed_at = now
        transition(case, to_status=CaseStatus.APPROVED, actor=actor, action="granted",
                   detail={"entitlement": entitlement.number,
                           "amount_yuan": str(entitlement.amount_yuan)},
                   extra_fields=("last_decision", "closed_at"))
        notify_step(case, "approved")
    else:
        save_case(case, "last_decision")


def grant(case: Case, *, actor: User) -> Entitlement:
    """What an approval at the final level gives, in the caller's transaction: the
    entitlement (a welfare grant booked in the fund's ledger), and for an income
    project the household joining the project its application named."""
    entitlement = issue_entitlement(case, actor=actor)
    if case.program.code == INCOME_PROJECT:
        join_on_grant(case=case, actor=actor)
    return entitlement


def resubmit(*, actor: User, case: Case, statement: str = "") -> Case:
    """The family sends a returned case back to village review."""
    access.require_writer(actor)
    try:
        with _case_lock(case):
            task = (Task.objects.select_related("process")
                    .filter(process__case=case.pk, flow_task_type="HUMAN",
                            status__in=OPEN_TASK).first())
            case = Case.objects.select_related("applicant", "program").get(pk=case.pk)
            if task is None or task.flow_task.name != steps.FAMILY_REVISION:
                raise CaseConflict(_("Only a returned case can be resubmitted."),
                                   code="not_returned")
            if not steps.user_may_act(actor, task.owner_permission,
                                      task.owner_permission_obj_pk or ""):
                raise NotPermitted(_("You may not resubmit this case."))
            if statement:
                case.statement = statement
            record_event(case, actor=actor, action="resubmitted", from_status=case.status,
                         to_status=case.status,
                         # not the text: the history outlives the retention purge
                         detail={"statement_changed": bool(statement)})
            case.last_decision = ""
            save_case(case, "statement", "last_decision")
            task.process.case = case  # the flow's next step reads this case
            complete_task(task, actor=actor, now=timezone.now())
    except (FlowLockFailed, OperationalError) as exc:
        raise CaseConflict(_("The case is busy; try again."), code="locked") from exc
    return case


def withdraw(*, actor: User, case: Case, reason: str = "") -> Case:
    """The family withdraws its application before the final decision."""
    access.require_writer(actor)
    if actor.role not in (User.Role.FAMILY, User.Role.VILLAGE_REVIEWER, User.Role.ADMIN):
        raise NotPermitted(_("Only the family or its village staff may withdraw."))
    try:
        with _case_lock(case):
            case = Case.objects.select_related("applicant", "program", "process").get(
                pk=case.pk)
            if not case.is_open:
                raise CaseConflict(_("The case is already closed."), code="closed")
            if case.status == CaseStatus.APPEAL:
                # the application's process has ended in the rejection; what is open is
                # the appeal, which its reviewer decides
                raise CaseConflict(_("The application was rejected and its appeal is being "
                                     "reviewed: there is no application left to withdraw."),
                                   code="under_appeal")
            BenefitApplicationFlow.instance.cancel(case.process)
            close_for_case(case)
            case.closed_at = timezone.now()
            case.objections.filter(resolved_at__isnull=True).update(
                resolved_at=case.closed_at, resolution=_("The application was withdrawn."))
            transition(case, to_status=CaseStatus.WITHDRAWN, actor=actor, action="withdrawn",
                       detail={"reason": reason}, extra_fields=("closed_at",))
            notify_step(case, "withdrawn")
    except (FlowLockFailed, OperationalError) as exc:
        raise CaseConflict(_("The case is busy; try again."), code="locked") from exc
    return case


def lodge_objection(*, actor: User, case: Case, lodged_by_name: str, text: str) -> Objection:
    """Record an objection during the public notice; it holds the case until resolved.

    Objections come to the village or township office, in writing or in person, from
    whoever saw the notice; the staff who receive one record it, naming who objects.
    A family account may not: its own case would be held by its own objection.
    """
    access.require_writer(actor)
    if actor.role not in OBJECTION_RECORDERS:
        raise NotPermitted(_("Objections are recorded by the village or township staff who "
                             "receive them."), code="staff_only")
    if not text.strip():
        raise InvalidInput(_("Please state the objection."), field="text")
    lodged_by_name = normalize_text(lodged_by_name)  # invisible characters are not a name
    if not lodged_by_name:
        raise InvalidInput(_("Please give the name of who objects."), field="lodged_by_name")
    with _case_lock(case):
        case = Case.objects.get(pk=case.pk)
        if case.status != CaseStatus.PUBLIC_NOTICE:
            raise CaseConflict(_("Objections can only be lodged during the public notice."),
                               code="not_in_notice")
        objection = Objection.objects.create(case=case, lodged_by_name=lodged_by_name,
                                             text=text.strip(), lodged_at=timezone.now())
        record_event(case, actor=actor, action="objection_lodged", from_status=case.status,
                     to_status=case.status, detail={"objection": objection.pk})

    return objection


def resolve_objections(case: Case, *, actor: User, upheld: bool, resolution: str) -> None:
    """Close the case's open objections (the objection review decision does this)."""
    now = timezone.now()
    case.objections.filter(resolved_at__isnull=True).update(
        resolved_at=now, upheld=upheld, resolution=resolution)


def add_document(*, actor: User, case: Case, kind: str, file: Any, description: str = ""):
    access.require_writer(actor)
    with _case_lock(case):
        case = Case.objects.get(pk=case.pk)
        if not case.is_open:
            raise CaseConflict(_("Documents can only be added to an open case."),
                               code="closed")
        document = Document.objects.create(
            case=case, kind=kind, file=file, description=description, uploaded_by=actor,
            original_name=PurePosixPath(getattr(file, "name", "") or "").name[:200])
        record_event(case, actor=actor, action="document_added", from_status=case.status,
                     to_status=case.status, detail={"document": document.pk, "kind": kind})

    return document
