"""Do the case's rows still say what its history says?

The chain and its seals prove the history was not rewritten; they say nothing about the
rows the history describes, which the application updates in place: a decision's
reason, the case's status, an entitlement. Whoever can write those rows could change
a rejection's reason in the row, or cut the newest events off the history (the shorter
chain is still whole and its new head was sealed when it was written). So verification
compares each case's rows with its verified events, both ways: every row the history
accounts for must match its event, and every event that created a row must find it.

- status: the case's status is the ``to_status`` of its newest event;
- submission and pre-check: program, on-behalf, eligibility and rule version;
- decisions: the n-th ``decision_*`` event against the n-th ``Decision`` row (outcome,
  step, reason, task);
- entitlement: the ``granted`` event's number and amount, whether it ended and why
  (``entitlement_expired``, ``recertification_ended``), each renewal
  (``entitlement_renewed``) and the period it moved the entitlement to;
- re-certifications and appeals: each row opened by its event, its outcome and
  reason those of the event that decided it;
- retention: ``purged_at`` set exactly when ``personal_data_purged`` is in the history.

Only what the retention purge keeps is compared (``casework.privacy.retention``): never the
statement, the facts or the criteria's details. A field an older event does not carry
is not compared.

``load_rows`` reads the rows of one case or streams those of every case in case order,
one statement per table, so ``verify_all``'s memory stays flat.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from django.core.exceptions import FieldDoesNotExist

from ..models import Case, Decision, Entitlement, EntitlementRenewal
from .chain import Event

CHUNK = 5000


class Disagreement(NamedTuple):
    """A row that does not say what the (verified) history says."""

    seq: int | None  # the event the row contradicts; None: no event accounts for the row
    what: str
    expected: str  # what the history says
    found: str  # what the row holds

    def as_dict(self) -> dict[str, Any]:
        return self._asdict()

    def __str__(self) -> str:
        where = f"event {self.seq}" if self.seq is not None else "no event"
        return f"{self.what} ({where}): history says {self.expected!r}, row has {self.found!r}"


class DecisionRow(NamedTuple):
    id: int
    step: str
    outcome: str
    reason: str
    task_id: int | None


class EntitlementRow(NamedTuple):
    number: str
    amount_yuan: Decimal
    state: str
    end_reason: str
    valid_to: date


class RenewalRow(NamedTuple):
    year: int
    valid_from: date
    valid_to: date
    amount_yuan: Decimal


class OutcomeRow(NamedTuple):
    """A re-certification's or an appeal's row: what decided it and why."""

    id: int
    outcome: str
    reason: str


@dataclass
class CaseRows:
    """What the case's rows say, as plain values."""

    case_id: int
    version: int
    audit_head: str
    status: str
    program: str
    on_behalf: bool
    eligible: bool | None
    rule_version: str
    purged_at: datetime | None
    decisions: list[DecisionRow] = field(default_factory=list)
    entitlement: EntitlementRow | None = None
    renewals: list[RenewalRow] = field(default_factory=list)
    recertifications: list[OutcomeRow] = field(default_factory=list)
    appeals: list[OutcomeRow] = field(default_factory=list)


CASE_COLUMNS = ("pk", "version", "audit_head", "status", "program__code", "on_behalf",
                "eligible", "rule_version", "purged_at")


# --- reading the rows ----------------------------------------------------------------
def _related_model(name: str):
    """A workflows model with rows about a case (``appeals``: ``workflows.Appeal``,
    ``recertifications``: ``workflows.Recertification``), through the case's reverse
    relation: casework does not import workflows. None where that app is not installed."""
    try:
        return Case._meta.get_field(name).related_model
    except FieldDoesNotExist:
        return None


class ByCase:
    """A stream of ``(case_id, ...)`` rows in case order, handed out one case at a time;
    ``passed`` keeps the case ids of rows no case asked for (their case row is gone)."""

    def __init__(self, rows: Iterable[tuple]):
        self._rows = iter(rows)
        self._next = next(self._rows, None)
        self.passed: list[int] = []

    def take(self, case_id: float) -> list:
        found = []
        while self._next is not None and self._next[0] <= case_id:
            if self._next[0] == case_id:
                found.append(self._next[1:])
            elif not self.passed or self.passed[-1] != self._next[0]:
                self.passed.append(self._next[0])
            self._next = next(self._rows, None)
        return found


def load_rows(case_id: int | None = None) -> Iterator[CaseRows]:
    """The rows of case ``case_id``, or of every case in case order (streamed)."""
    only = {} if case_id is None else {"case_id": case_id}

    decisions = ByCase(Decision.objects.filter(**only).order_by("case_id", "id").values_list(
        "case_id", "id", "step", "outcome", "reason", "task_id").iterator(chunk_size=CHUNK))
    entitlements = ByCase(Entitlement.objects.filter(**only).order_by("case_id").values_list(
        "case_id", "number", "amount_yuan", "state", "end_reason", "valid_to"
    ).iterator(chunk_size=CHUNK))
    renewals = ByCase(
        EntitlementRenewal.objects.filter(**{f"entitlement__{k}": v for k, v in only.items()})
        .order_by("entitlement__case_id", "valid_from", "id")
        .values_list("entitlement__case_id", "year", "valid_from", "valid_to", "amount_yuan")
        .iterator(chunk_size=CHUNK))
    recertifications, appeals = (ByCase(() if model is None else (
        model.objects.filter(**only).order_by("case_id", "id")
        .values_list("case_id", "id", "outcome", "reason").iterator(chunk_size=CHUNK)))
        for model in (_related_model("recertifications"), _related_model("appeals")))
    cases = Case.objects.order_by("pk")
    if case_id is not None:
        cases = cases.filter(pk=case_id)
    for pk, *columns in cases.values_list(*CASE_COLUMNS).iterator(chunk_size=CHUNK):
        entitlement = entitlements.take(pk)
        yield CaseRows(
            pk, *columns,
            decisions=[DecisionRow(*row) for row in decisions.take(pk)],
            entitlement=EntitlementRow(*entitlement[0]) if entitlement else None,
            renewals=[RenewalRow(*row) for row in renewals.take(pk)],
            recertifications=[OutcomeRow(*row) for row in recertifications.take(pk)],
            appeals=[OutcomeRow(*row) for row in appeals.take(pk)])


# --- comparing -----------------------------------------------------------------------
def reconcile(rows: CaseRows, events: Sequence[Event]) -> list[Disagreement]:
    """Every place where ``rows`` contradict ``events`` (the case's verified history)."""
    found: list[Disagreement] = []
    _case(rows, events, found)
    _decisions(rows.decisions, events, found)
    _entitlement(rows, events, found)
    _outcomes("re-certification", "recertification", rows.recertifications, events, found,
              opened="recertification_flagged",
              decided={"recertification_ended": "ended",
                       "recertification_continued": "continued"})
    _outcomes("appeal", "appeal", rows.appeals, events, found, opened="appeal_lodged",
              decided={"appeal_dismissed": "dismissed", "appeal_upheld": "upheld"})
    return found


def _text(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _compare(found: list[Disagreement], seq: int | None, what: str, expected: Any,
             actual: Any) -> None:
    if expected != actual:
        found.append(Disagreement(seq, what, _text(expected), _text(actual)))


def _last(events: Sequence[Event], *actions: str) -> Event | None:
    return next((e for e in reversed(events) if e.action in actions), None)


def _case(rows: CaseRows, events: Sequence[Event], found: list[Disagreement]) -> None:
    moved = next((e for e in reversed(events) if e.to_status), None)
    if moved is not None:
        _compare(found, moved.seq, "case status", moved.to_status, rows.status)
    submitted = _last(events, "submitted")
    if submitted is not None:
        if "program" in submitted.detail:
            _compare(found, submitted.seq, "program", submitted.detail["program"], rows.program)
        if "on_behalf" in submitted.detail:
            _compare(found, submitted.seq, "filed on the family's behalf",
                     submitted.detail["on_behalf"], rows.on_behalf)
    precheck = _last(events, "eligibility_precheck")
    if precheck is not None:
        if "eligible" in precheck.detail:
            _compare(found, precheck.seq, "pre-check eligible", precheck.detail["eligible"],
                     rows.eligible)
        if "rule_version" in precheck.detail:
            _compare(found, precheck.seq, "pre-check rule version",
                     precheck.detail["rule_version"], rows.rule_version)
    purged = _last(events, "personal_data_purged")
    if (purged is not None) != (rows.purged_at is not None):
        found.append(Disagreement(
            purged.seq if purged else None, "personal data purged",
            "yes" if purged else "no", _text(rows.purged_at) if rows.purged_at else "no"))


def _decisions(rows: list[DecisionRow], events: Sequence[Event],
               found: list[Disagreement]) -> None:
    made = [e for e in events if e.action.startswith("decision_")]
    for n in range(max(len(made), len(rows))):
        label = f"decision {n + 1}"
        event = made[n] if n < len(made) else None
        row = rows[n] if n < len(rows) else None
        if row is None:
            found.append(Disagreement(event.seq, label, _decision_text(
                event.action.removeprefix("decision_"), event.detail.get("step")),
                "no decision row"))
            continue
        if event is None:
            found.append(Disagreement(None, label, "no decision event",
                                      _decision_text(row.outcome, row.step)))
            continue
        detail = event.detail
        _compare(found, event.seq, f"{label}: outcome", event.action.removeprefix("decision_"),
                 row.outcome)
        if "step" in detail:
            _compare(found, event.seq, f"{label}: step", detail["step"], row.step)
        if "reason" in detail:
            _compare(found, event.seq, f"{label}: reason", detail["reason"], row.reason)
        if detail.get("task") is not None and row.task_id is not None:
            _compare(found, event.seq, f"{label}: task", detail["task"], row.task_id)


def _decision_text(outcome: str, step: str | None) -> str:
    return f"{outcome} at {step}" if step else outcome


def _amount(value: Any) -> Decimal | Any:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return value


def _entitlement(rows: CaseRows, events: Sequence[Event], found: list[Disagreement]) -> None:
    granted = _last(events, "granted")
    row = rows.entitlement
    if granted is None:
        if row is not None:
            found.append(Disagreement(None, "entitlement", "none (nothing granted)", row.number))
        return
    number = granted.detail.get("entitlement")
    if row is None:
        found.append(Disagreement(granted.seq, "entitlement", _text(number), "none"))
        return
    if number is not None:
        _compare(found, granted.seq, "entitlement number", number, row.number)
    if "amount_yuan" in granted.detail:
        _compare(found, granted.seq, "entitlement amount (yuan)",
                 _amount(granted.detail["amount_yuan"]), row.amount_yuan)
    mine = [e for e in events if e.seq > granted.seq
            and e.detail.get("entitlement") == row.number]
    ended = _last(mine, "entitlement_expired", "recertification_ended")
    if ended is None:
        _compare(found, None, f"entitlement {row.number}: state", Entitlement.State.LIVE,
                 row.state)
    else:
        _compare(found, ended.seq, f"entitlement {row.number}: state",
                 Entitlement.State.ENDED, row.state)
        why = (ended.detail.get("reason") if ended.action == "entitlement_expired"
               else Entitlement.EndReason.RECERTIFICATION)
        _compare(found, ended.seq, f"entitlement {row.number}: why it ended", why,
                 row.end_reason)
    renewed = [e for e in mine if e.action == "entitlement_renewed"]
    for n in range(max(len(renewed), len(rows.renewals))):
        label = f"entitlement {row.number}: renewal {n + 1}"
        event = renewed[n] if n < len(renewed) else None
        renewal = rows.renewals[n] if n < len(rows.renewals) else None
        if renewal is None:
            found.append(Disagreement(event.seq, label, f"year {event.detail.get('year')}",
                                      "no renewal row"))
            continue
        if event is None:
            found.append(Disagreement(None, label, "no renewal event", f"year {renewal.year}"))
            continue
        detail = event.detail
        for key, value in (("year", renewal.year), ("valid_from", _text(renewal.valid_from)),
                           ("valid_to", _text(renewal.valid_to)),
                           ("amount_yuan", renewal.amount_yuan)):
            if key in detail:
                expected = _amount(detail[key]) if key == "amount_yuan" else detail[key]
                _compare(found, event.seq, f"{label}: {key}", expected, value)
    if renewed and ended is None and "valid_to" in renewed[-1].detail:
        _compare(found, renewed[-1].seq, f"entitlement {row.number}: valid to",
                 renewed[-1].detail["valid_to"], _text(row.valid_to))


def _outcomes(kind: str, key: str, rows: list[OutcomeRow], events: Sequence[Event],
              found: list[Disagreement], *, opened: str, decided: dict[str, str]) -> None:
    """Rows opened by an ``opened`` event naming them (``detail[key]``) and decided by
    one of ``decided`` (action -> the row's outcome) with the decision's reason."""
    opening: dict[Any, Event] = {}
    deciding: dict[Any, Event] = {}
    for event in events:
        if event.action == opened:
            opening[event.detail.get(key)] = event
        elif event.action in decided:
            deciding[event.detail.get(key)] = event
    by_id = {row.id: row for row in rows}
    for pk, event in opening.items():
        if pk not in by_id:
            found.append(Disagreement(event.seq, f"{kind} {pk}", "opened", "no row"))
    for row in rows:
        if row.id not in opening:
            found.append(Disagreement(None, f"{kind} {row.id}", "no event", row.outcome))
            continue
        decision = deciding.get(row.id)
        if decision is None:
            _compare(found, opening[row.id].seq, f"{kind} {row.id}: outcome", "pending",
                     row.outcome)
            continue
        _compare(found, decision.seq, f"{kind} {row.id}: outcome", decided[decision.action],
                 row.outcome)
        if "reason" in decision.detail:
            _compare(found, decision.seq, f"{kind} {row.id}: reason", decision.detail["reason"],
                     row.reason)
