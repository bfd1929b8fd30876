"""Retention: the personal data of unsuccessful applications, removed when its time is up.

A WITHDRAWN or REJECTED case keeps the family's personal data for ``retention_years`` (the
program's parameter in force on the day the case closed, local time) after it closed; the
day after, ``purge_case`` removes what the case itself holds (``manage.py
purge_personal_data`` runs it over every case due). Granted cases are not touched: their
entitlement lives on. Persons and households are the register, not the case: they stay.

Removed, in one transaction under the case's lock (as the services take it: the lock a
feature registers, ``register_lock``; the case's own row otherwise), with the unit of work:
- the statement;
- the facts snapshot, whole: every field describes the household or its members (dates
  of birth, income, hardship, a child's death or disability...) except the household id
  and village code, which the case row keeps itself; an empty snapshot is also what
  ``explain_case`` and the replay code read as "nothing stored";
- the details of the pre-check's criteria (the values and the reasons quoting them: ages,
  incomes, renunciation dates, the kind of special family); each criterion keeps its code
  and whether it passed, the decision its program, rule version, date and parameters;
- the documents' files (deleted from storage) and their descriptions and file names; the
  rows stay, as the history's ``document_added`` events name them;
- the objections' names and texts (the resolution is the reviewer's, as in the history);
- the phone numbers the family's text messages went to (kept masked, as case pages show);
- what the features keep in rows of their own, through the hooks they register
  (``register_purge``): the grounds of the family's appeals (``workflows.retention``).

The history is never changed: ``personal_data_purged`` is appended to it, saying how much
was removed (counts, never contents), and the case row gets ``purged_at``. So the chain
and the signed checkpoints still verify. The decisions' reasons stay: the history holds
them too (``decision_*``, ``rejected``, ``withdrawn``), and it cannot be edited.

Files are deleted before the transaction commits: if the commit then fails, the rows
still name files that are gone and the case is still due, so the next run finishes it;
deleting after commit could instead leave a file nobody points at any more.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.db import connection, transaction
from django.utils import timezone

from eligibility.grants import add_years
from eligibility.models import PolicyParameter
from eligibility.parameters import resolve

from ..history.audit import record_event, save_case, unit_of_work
from ..models import Case, CaseStatus, Document, Objection, OutboxMessage
from ..personal.phones import mask_phone

PARAMETER = "retention_years"
PURGED_STATUSES = (CaseStatus.WITHDRAWN, CaseStatus.REJECTED)
# what a criterion keeps of the stored pre-check
CRITERION_KEPT = ("code", "passed")


@dataclass(frozen=True)
class Due:
    """A case whose personal data has outlived its retention period."""

    case_id: int
    program: str
    status: str
    closed_on: date
    retention_years: int

    @property
    def kept_until(self) -> date:
        """The last day the data is kept."""
        return add_years(self.closed_on, self.retention_years)


@dataclass
class Purged:
    """What was removed from one case (counts only: they go into the history)."""

    statement: bool = False
    facts: bool = False
    criteria: int = 0
    documents: int = 0
    files: int = 0
    objections: int = 0
    phone_numbers: int = 0
    #: what the features' hooks removed, by hook name (``register_purge``)
    by_hooks: dict[str, int] = field(default_factory=dict)

    def as_detail(self) -> dict:
        return {"statement": self.statement, "facts": self.facts, "criteria": self.criteria,
                "documents": self.documents, "files": self.files,
                "objections": self.objections, **dict(sorted(self.by_hooks.items())),
                "phone_numbers": self.phone_numbers}


#: how many of a case's rows a hook emptied
PurgeHook = Callable[[Case], int]
_HOOKS: dict[str, PurgeHook] = {}


def register_purge(name: str, hook: PurgeHook) -> None:
    """Have ``purge_case`` call ``hook(case)`` in its transaction: a feature that keeps a
    case's personal data in rows of its own (an appeal's grounds, in ``workflows``) says
    here how to remove it, from its ``AppConfig.ready``; casework imports no feature. The
    count it returns goes into the history under ``name``."""
    _HOOKS[name] = hook


#: takes the lock the services take on a case (``register_lock``), by the case's id
CaseLock = Callable[[int], None]
_LOCK: list[CaseLock] = []


def register_lock(lock: CaseLock) -> None:
    """Have ``purge_case`` take a case's lock as the feature that moves cases takes it
    (``workflows``: the case's process row), so a purge and a decision on the same case
    are serialised; registered from its ``AppConfig.ready``."""
    _LOCK[:] = [lock]


def purge_hooks() -> dict[str, PurgeHook]:
    """The registered hooks, by name (for checks and tests)."""
    return dict(_HOOKS)


@dataclass
class Report:
    due: list[Due] = field(default_factory=list)
    purged: list[tuple[Due, Purged]] = field(default_factory=list)
    # closed unsuccessful cases whose program had no retention rule in force on the
    # close date: kept, and said so
    no_rule: list[int] = field(default_factory=list)


def _closed_on(closed_at) -> date:
    return timezone.localdate(closed_at)


def _retention_rows(program_ids) -> dict[int, list]:
    rows: dict[int, list] = {}
    for program_id, key, value, start, end in (
            PolicyParameter.objects.filter(program_id__in=program_ids, key=PARAMETER)
            .values_list("program_id", "key", "value", "effective_from", "effective_to")):
        rows.setdefault(program_id, []).append((key, value, start, end))
    return rows


def _years(rows: list, closed_on: date) -> int | None:
    value = resolve(rows, closed_on).get(PARAMETER)
    return None if value is None else int(value)


def due_cases(today: date | None = None, *, report: Report | None = None) -> list[Due]:
    """Unpurged withdrawn and rejected cases kept past their retention period on ``today``."""
    today = today or timezone.localdate()
    candidates = list(
        Case.objects.filter(status__in=PURGED_STATUSES, purged_at__isnull=True,
                            closed_at__isnull=False)
        .order_by("pk").values_list("pk", "program_id", "program__code", "status", "closed_at"))
    rows = _retention_rows({program_id for _, program_id, _, _, _ in candidates})
    due = []
    for pk, program_id, code, status, closed_at in candidates:
        closed_on = _closed_on(closed_at)
        years = _years(rows.get(program_id, []), closed_on)
        if years is None:
            if report is not None:
                report.no_rule.append(pk)
            continue
        item = Due(pk, code, status, closed_on, years)
        if item.kept_until < today:
            due.append(item)
    return due


def _lock(case_id: int) -> None:
    """The case's lock, as the services take it (``register_lock``); without a registered
    lock, the case's own row. SQLite serialises writers by itself."""
    if not connection.features.has_select_for_update:
        return
    if _LOCK:
        _LOCK[0](case_id)
    else:
        list(Case.objects.select_for_update().filter(pk=case_id).values_list("pk"))


def _strip_criteria(eligibility: dict) -> tuple[dict, int]:
    criteria = eligibility.get("criteria") or []
    stripped = [{k: c[k] for k in CRITERION_KEPT if k in c} for c in criteria]
    changed = sum(1 for before, after in zip(criteria, stripped, strict=True)
                  if before != after)
    return ({**eligibility, "criteria": stripped} if changed else eligibility), changed


def _due_now(case: Case, today: date) -> Due | None:
    if case.status not in PURGED_STATUSES or case.purged_at or not case.closed_at:
        return None
    closed_on = _closed_on(case.closed_at)
    years = _years(_retention_rows([case.program_id]).get(case.program_id, []), closed_on)
    if years is None:
        return None
    item = Due(case.pk, case.program.code, case.status, closed_on, years)
    return item if item.kept_until < today else None


def purge_case(case_id: int, *, today: date | None = None) -> tuple[Due, Purged] | None:
    """Remove the personal data ``case_id`` holds, if it is (still) due; ``None`` if not."""
    today = today or timezone.localdate()
    with transaction.atomic():
        _lock(case_id)
        case = Case.objects.select_related("program").get(pk=case_id)
        due = _due_now(case, today)
        if due is None:
            return None
        with unit_of_work():
            purged = Purged(statement=bool(case.statement), facts=bool(case.facts))
            case.statement = ""
            case.facts = {}
            case.eligibility, purged.criteria = _strip_criteria(case.eligibility or {})
            documents = list(Document.objects.filter(case=case).order_by("pk"))
            for document in documents:
                if document.file.name:
                    document.file.storage.delete(document.file.name)
                    purged.files += 1
            purged.documents = Document.objects.filter(case=case).exclude(
                file="", description="", original_name="").update(
                file="", description="", original_name="")
            purged.objections = Objection.objects.filter(case=case).exclude(
                lodged_by_name="", text="").update(lodged_by_name="", text="")
            # what the features keep of the case's personal data (``register_purge``)
            for name, hook in sorted(_HOOKS.items()):
                purged.by_hooks[name] = hook(case)
            # rows written before SMS recipients were persons (``person:<id>``) hold the number
            for row in (OutboxMessage.objects.filter(case=case, channel=OutboxMessage.Channel.SMS)
                        .exclude(recipient__startswith="person:")):
                masked = mask_phone(row.recipient)
                if masked != row.recipient:
                    OutboxMessage.objects.filter(pk=row.pk).update(recipient=masked)
                    purged.phone_numbers += 1
            case.purged_at = timezone.now()
            record_event(case, actor=None, action="personal_data_purged",
                         from_status=case.status, to_status=case.status,
                         detail={"retention_years": due.retention_years,
                                 "closed_on": due.closed_on.isoformat(),
                                 "removed": purged.as_detail()})
            save_case(case, "statement", "facts", "eligibility", "purged_at")
    return due, purged


def purge_due(*, today: date | None = None, dry_run: bool = False) -> Report:
    """Purge every case due on ``today`` (each in its own transaction); with ``dry_run``,
    only say which."""
    today = today or timezone.localdate()
    report = Report()
    report.due = due_cases(today, report=report)
    if dry_run:
        return report
    for item in report.due:
        result = purge_case(item.case_id, today=today)
        if result is not None:
            report.purged.append(result)
    return report
