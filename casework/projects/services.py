"""Income projects (少生快富项目): changing them. One transaction per function; each change
writes its ``RecordEvent`` (``casework.history.record_events``) in the same transaction.

Who: a project is the township's record, kept by the township approver of that township
or an administrator (``access.require_keeper``: ``NotPermitted``, 403, for anyone else).
The household side follows the project: the same keepers add a household, record the
support it got and record that it left.

Applications: an ``income_project`` application names the project it is for
(``link_application``, called inside the submission's transaction); when the township
grants it, the household joins that project (``join_on_grant``, inside the grant's
transaction). Both are called by the application flow, which has already checked who
acts; they check the project and the household, not the actor's role.

Refusals: ``InvalidInput`` (400) naming the field for bad input (a household outside
the project's township: ``household``; dates out of order: the later date's field;
negative amounts: the amount's field); ``CaseConflict`` (409) for a state conflict (the
household is already in the project, has already left, the project has ended).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from casework import access
from casework.errors import CaseConflict, InvalidInput
from casework.field_rules import check_values, normalize_text
from casework.history.record_events import record
from casework.models import Area, Case, Household, User

from .models import IncomeProject, ProjectApplication, ProjectHousehold
from .selectors import projects_open_to, township_code_of

__all__ = ["PROGRAM", "add_household", "create_project", "join_on_grant", "leave_project",
           "link_application", "projects_open_to", "record_support", "update_project"]

PROGRAM = "income_project"
NAME_MAX = 100
LEAD_MAX = 200
TEXT_MAX = 2000
PROJECT_FIELDS = ("name", "kind", "started_on", "ended_on", "support", "lead", "budget_yuan",
                  "active")


# --- helpers ------------------------------------------------------------------------------

def _text(value: Any) -> str:
    return normalize_text(value)


def _amount(value: Any, field: str, *, model: type = ProjectHousehold,
            allow_none: bool = False) -> Decimal | None:
    """An amount in yuan with at most two decimals in the range of ``model``'s field
    (``casework.field_rules``), else ``InvalidInput``."""
    if value is None or value == "":
        if allow_none:
            return None
        raise InvalidInput(_("Enter an amount in yuan."), field=field)
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise InvalidInput(_("Enter an amount in yuan."), field=field) from None
    if not amount.is_finite():
        raise InvalidInput(_("Enter an amount in yuan."), field=field)
    check_values(model, **{field: amount})
    if amount != amount.quantize(Decimal("0.01")):
        raise InvalidInput(_("Enter an amount in yuan with at most two decimals."),
                           field=field)
    return amount.quantize(Decimal("0.01"))


def _shown(value: Any) -> Any:
    """A value as the event's JSON detail holds it."""
    if isinstance(value, (date, Decimal)):
        return str(value)
    return value


def _locked(model, pk: int, *related: str):
    rows = model.objects.select_related(*related)
    if connection.features.has_select_for_update:
        rows = rows.select_for_update(of=("self",))
    return rows.get(pk=pk)


def _check_project(values: dict[str, Any]) -> dict[str, Any]:
    """The project's fields cleaned, or ``InvalidInput`` naming the first bad one."""
    name = _text(values.get("name"))
    if not name:
        raise InvalidInput(_("Enter the project's name."), field="name")
    if len(name) > NAME_MAX:
        raise InvalidInput(_("The name is too long (at most %(n)s characters).") % {
            "n": NAME_MAX}, field="name")
    kind = values.get("kind") or IncomeProject.Kind.OTHER
    if kind not in IncomeProject.Kind.values:
        raise InvalidInput(_("Choose a kind of project from the list."), field="kind")
    started_on = values.get("started_on")
    if not isinstance(started_on, date):
        raise InvalidInput(_("Enter the date the project started."), field="started_on")
    ended_on = values.get("ended_on")
    if ended_on is not None and not isinstance(ended_on, date):
        raise InvalidInput(_("Enter a date."), field="ended_on")
    check_values(IncomeProject, started_on=started_on, ended_on=ended_on)
    if ended_on is not None and ended_on <= started_on:
        raise InvalidInput(_("The end date must be after the start date."), field="ended_on")
    support = str(values.get("support") or "").strip()
    if not support:
        raise InvalidInput(_("Say what support the project gives."), field="support")
    if len(support) > TEXT_MAX:
        raise InvalidInput(_("The text is too long (at most %(n)s characters).") % {
            "n": TEXT_MAX}, field="support")
    lead = _text(values.get("lead"))
    if len(lead) > LEAD_MAX:
        raise InvalidInput(_("The text is too long (at most %(n)s characters).") % {
            "n": LEAD_MAX}, field="lead")
    return {"name": name, "kind": kind, "started_on": started_on, "ended_on": ended_on,
            "support": support, "lead": lead,
            "budget_yuan": _amount(values.get("budget_yuan"), "budget_yuan",
                                   model=IncomeProject, allow_none=True),
            "active": bool(values.get("active", True))}


def _name_taken(area_code: str, name: str, *, exclude: int | None = None) -> None:
    rows = IncomeProject.objects.filter(area_id=area_code, name=name)
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    if rows.exists():
        raise InvalidInput(_("The township already has a project named %(name)s.") % {
            "name": name}, field="name")


# --- projects -----------------------------------------------------------------------------

def create_project(*, actor: User, area_code: str, name: str, started_on: date,
                   support: str, kind: str = IncomeProject.Kind.OTHER, lead: str = "",
                   ended_on: date | None = None, budget_yuan: Decimal | None = None,
                   active: bool = True) -> IncomeProject:
    """A new project of township ``area_code``, kept by that township's keepers."""
    area_code = str(area_code or "")
    if access.level_of(area_code) != "township":
        raise InvalidInput(_("Choose a township."), field="area")
    with transaction.atomic():
        access.require_keeper(actor, area_code)
        if not Area.objects.filter(code=area_code, level=Area.Level.TOWNSHIP).exists():
            raise InvalidInput(_("Choose a township."), field="area")
        values = _check_project({"name": name, "kind": kind, "started_on": started_on,
                                 "ended_on": ended_on, "support": support, "lead": lead,
                                 "budget_yuan": budget_yuan, "active": active})
        _name_taken(area_code, values["name"])
        try:
            with transaction.atomic():
                project = IncomeProject.objects.create(
                    area_id=area_code, created_by=actor if actor.pk else None,
                    created_at=timezone.now(), **values)
        except IntegrityError:  # the same name, created a moment ago
            raise InvalidInput(_("The township already has a project named %(name)s.") % {
                "name": values["name"]}, field="name") from None
        record(actor=actor, action="project_created", area_id=area_code, obj=project,
               detail={k: _shown(v) for k, v in values.items()})
    return project


def update_project(*, actor: User, project: IncomeProject, **changes: Any) -> IncomeProject:
    """Change some of a project's fields (``PROJECT_FIELDS``; its township stays).

    Ending it (``ended_on``) ends the time in it of every household still there on that
    day; a household that joined on or after that day refuses the date. Moving the start
    after a household joined is refused too."""
    unknown = set(changes) - set(PROJECT_FIELDS)
    if unknown:
        field = sorted(unknown)[0]
        raise InvalidInput(_("This field cannot be changed."), field=field)
    with transaction.atomic():
        access.require_keeper(actor, project.area_id)
        locked = _locked(IncomeProject, project.pk)
        before = {f: getattr(locked, f) for f in PROJECT_FIELDS}
        values = _check_project({**before, **changes})
        if values["name"] != before["name"]:
            _name_taken(locked.area_id, values["name"], exclude=locked.pk)
        members = ProjectHousehold.objects.filter(project_id=locked.pk)
        if values["started_on"] != before["started_on"] and members.filter(
                joined_on__lt=values["started_on"]).exists():
            raise InvalidInput(_("Households joined before this date: the start cannot be "
                                 "later than they joined."), field="started_on")
        closed = 0
        if values["ended_on"] is not None and values["ended_on"] != before["ended_on"]:
            end = values["ended_on"]
            if members.filter(joined_on__gte=end).exists():
                raise InvalidInput(_("Households joined on or after this date: the project "
                                     "cannot end before they joined."), field="ended_on")
            leaving = list(members.filter(Q(left_on__isnull=True) | Q(left_on__gt=end))
                           .values_list("pk", "area_id"))
            ProjectHousehold.objects.filter(pk__in=[pk for pk, _area in leaving]).update(
                left_on=end)
            for pk, village in leaving:
                record(actor=actor, action="project_household_left", area_id=village,
                       subject="projects.projecthousehold", subject_id=pk,
                       detail={"project": locked.pk, "left_on": end.isoformat(),
                               "reason": "project_ended"})
            closed = len(leaving)
        changed = {f: [_shown(before[f]), _shown(values[f])] for f in PROJECT_FIELDS
                   if values[f] != before[f]}
        if not changed:
            return locked
        for field, value in values.items():
            setattr(locked, field, value)
        try:
            with transaction.atomic():
                locked.save(update_fields=list(changed))
        except IntegrityError:
            raise InvalidInput(_("The township already has a project named %(name)s.") % {
                "name": values["name"]}, field="name") from None
        detail: dict[str, Any] = {"changed": changed}
        if closed:
            detail["households_left"] = closed
        record(actor=actor, action="project_updated", area_id=locked.area_id, obj=locked,
               detail=detail)
    return locked


# --- households ---------------------------------------------------------------------------

def _check_household(project: IncomeProject, household: Household) -> None:
    if township_code_of(household.area_id) != project.area_id:
        raise InvalidInput(_("Household %(number)s is not in the project's township.") % {
            "number": household.number}, field="household")


def _check_joined(project: IncomeProject, joined_on: Any, *, today: date) -> date:
    if not isinstance(joined_on, date):
        raise InvalidInput(_("Enter the date the household joined."), field="joined_on")
    if joined_on > today:
        raise InvalidInput(_("The joining date is in the future."), field="joined_on")
    if joined_on < project.started_on:
        raise InvalidInput(_("The project started on %(date)s: the household cannot join "
                             "before.") % {"date": project.started_on.isoformat()},
                           field="joined_on")
    if project.ended_on is not None and joined_on >= project.ended_on:
        raise InvalidInput(_("The project ended on %(date)s.") % {
            "date": project.ended_on.isoformat()}, field="joined_on")
    return joined_on


def _check_support_text(text: Any) -> str:
    text = str(text or "").strip()
    if len(text) > TEXT_MAX:
        raise InvalidInput(_("The text is too long (at most %(n)s characters).") % {
            "n": TEXT_MAX}, field="support_given")
    return text


def _join(*, actor: User | None, project: IncomeProject, household: Household,
          joined_on: date, support_given: str, support_yuan: Decimal, case: Case | None,
          action: str) -> ProjectHousehold:
    """The household joins (in the caller's transaction, the project row locked)."""
    mine = ProjectHousehold.objects.filter(project_id=project.pk, household_id=household.pk)
    if mine.filter(left_on__isnull=True).exists():
        raise CaseConflict(_("Household %(number)s is already in this project.") % {
            "number": household.number}, field="household", code="already_in_project")
    if mine.filter(left_on__gt=joined_on).exists():
        raise InvalidInput(_("The household was in the project on that date: it joins "
                             "again only after it left."), field="joined_on")
    try:
        with transaction.atomic():
            row = ProjectHousehold.objects.create(
                project=project, household=household, area_id=household.area_id,
                joined_on=joined_on, support_given=support_given, support_yuan=support_yuan,
                case=case, recorded_by=actor if actor is not None and actor.pk else None,
                recorded_at=timezone.now())
    except IntegrityError:  # joined a moment ago by another request
        raise CaseConflict(_("Household %(number)s is already in this project.") % {
            "number": household.number}, field="household", code="already_in_project"
        ) from None
    detail = {"project": project.pk, "project_name": project.name,
              "household": household.number, "joined_on": joined_on.isoformat(),
              "support_yuan": str(support_yuan)}
    if case is not None:
        detail["case"] = case.pk
    record(actor=actor, action=action, area_id=household.area_id, obj=row, detail=detail)
    return row


def add_household(*, actor: User, project: IncomeProject, household: Household,
                  joined_on: date, support_given: str = "",
                  support_yuan: Decimal | str | int = Decimal("0"),
                  case: Case | None = None) -> ProjectHousehold:
    """A household of the project's township joins it on ``joined_on`` (no earlier than
    the project's start, not in the future), with the support given so far."""
    today = timezone.localdate()
    with transaction.atomic():
        access.require_keeper(actor, project.area_id)
        locked = _locked(IncomeProject, project.pk)
        _check_household(locked, household)
        joined_on = _check_joined(locked, joined_on, today=today)
        support_given = _check_support_text(support_given)
        amount = _amount(support_yuan, "support_yuan")
        if case is not None and (case.household_id != household.pk
                                 or case.program.code != PROGRAM):
            raise InvalidInput(_("That application is not this household's income-project "
                                 "application."), field="case")
        return _join(actor=actor, project=locked, household=household, joined_on=joined_on,
                     support_given=support_given, support_yuan=amount, case=case,
                     action="project_household_added")


def record_support(*, actor: User, membership: ProjectHousehold, support_given: str,
                   support_yuan: Decimal | str | int) -> ProjectHousehold:
    """What the household has been given so far (the text and its worth in yuan)."""
    with transaction.atomic():
        access.require_keeper(actor, membership.project.area_id)
        support_given = _check_support_text(support_given)
        amount = _amount(support_yuan, "support_yuan")
        locked = _locked(ProjectHousehold, membership.pk)
        before = (locked.support_given, locked.support_yuan)
        if before == (support_given, amount):
            return locked
        locked.support_given, locked.support_yuan = support_given, amount
        locked.save(update_fields=["support_given", "support_yuan"])
        record(actor=actor, action="project_support_recorded", area_id=locked.area_id,
               obj=locked, detail={"project": locked.project_id,
                                   "support_yuan": [str(before[1]), str(amount)],
                                   "support_given_changed": before[0] != support_given})
    return locked


def leave_project(*, actor: User, membership: ProjectHousehold,
                  left_on: date) -> ProjectHousehold:
    """The household leaves the project on ``left_on`` (the first day it is no longer in
    it; after it joined, not in the future)."""
    today = timezone.localdate()
    with transaction.atomic():
        access.require_keeper(actor, membership.project.area_id)
        locked = _locked(ProjectHousehold, membership.pk, "project")
        if locked.left_on is not None:
            raise CaseConflict(_("The household already left this project on %(date)s.") % {
                "date": locked.left_on.isoformat()}, field="left_on", code="already_left")
        if not isinstance(left_on, date):
            raise InvalidInput(_("Enter the date the household left."), field="left_on")
        if left_on <= locked.joined_on:
            raise InvalidInput(_("The leaving date must be after the joining date (%(date)s)."
                                 ) % {"date": locked.joined_on.isoformat()}, field="left_on")
        if left_on > today:
            raise InvalidInput(_("The leaving date is in the future."), field="left_on")
        locked.left_on = left_on
        locked.save(update_fields=["left_on"])
        record(actor=actor, action="project_household_left", area_id=locked.area_id,
               obj=locked, detail={"project": locked.project_id,
                                   "left_on": left_on.isoformat()})
    return locked


# --- applications -------------------------------------------------------------------------

def link_application(*, case: Case, project: IncomeProject | None,
                     actor: User | None = None) -> ProjectApplication:
    """Record that income-project application ``case`` is for ``project``.

    Called by the application code inside the submission's transaction (``actor``
    defaults to whoever filed the case). The project must be open to the case's
    household (``projects_open_to``: active, running, in its township), else
    ``InvalidInput(field="project")``. Calling it again for the same case while the case
    is open points it at the new project."""
    if case.program.code != PROGRAM:
        raise InvalidInput(_("Only an income-project application names a project."),
                           field="program")
    if project is None:
        raise InvalidInput(_("Choose the project you apply to join."), field="project")
    actor = actor if actor is not None else case.filed_by
    with transaction.atomic():
        if not case.is_open:
            raise CaseConflict(_("The application is closed."), field="project",
                               code="case_closed")
        household = case.household
        if not projects_open_to(household).filter(pk=project.pk).exists():
            raise InvalidInput(_("%(name)s is not a project open to your household: choose "
                                 "one of your township's open projects.") % {
                                     "name": project.name}, field="project")
        link = ProjectApplication.objects.filter(case_id=case.pk).first()
        if link is not None and link.project_id == project.pk:
            return link
        previous = link.project_id if link is not None else None
        if link is None:
            link = ProjectApplication.objects.create(case=case, project=project,
                                                     area_id=case.area_id,
                                                     linked_at=timezone.now())
        else:
            link.project, link.linked_at = project, timezone.now()
            link.save(update_fields=["project", "linked_at"])
        detail: dict[str, Any] = {"case": case.pk, "project": project.pk,
                                  "project_name": project.name}
        if previous is not None:
            detail["previous_project"] = previous
        record(actor=actor, action="project_application_linked", area_id=case.area_id,
               obj=link, detail=detail)
    return link


def join_on_grant(*, case: Case, actor: User | None,
                  on: date | None = None) -> ProjectHousehold | None:
    """The granted income-project application's household joins the project the
    application named, on ``on`` (today; no earlier than the project's start).

    Called by the flow when the case is granted, inside the grant's transaction.
    Idempotent: a second call (or a household already in the project) returns the
    existing membership. None when the case names no project (applications filed before
    projects were linked). ``CaseConflict`` (``project_ended``) when the project ended
    before ``on``: the grant should not go through silently without the household
    joining."""
    on = on or timezone.localdate()
    with transaction.atomic():
        link = ProjectApplication.objects.filter(case_id=case.pk).first()
        if link is None:
            return None
        done = ProjectHousehold.objects.filter(case_id=case.pk).first()
        if done is not None:
            return done
        project = _locked(IncomeProject, link.project_id)
        household = case.household
        current = ProjectHousehold.objects.filter(project_id=project.pk,
                                                  household_id=household.pk,
                                                  left_on__isnull=True).first()
        if current is not None:
            return current
        if project.ended_on is not None and project.ended_on <= on:
            raise CaseConflict(_("The project %(name)s ended on %(date)s: the household "
                                 "cannot join it.") % {
                                     "name": project.name,
                                     "date": project.ended_on.isoformat()},
                               field="project", code="project_ended")
        _check_household(project, household)
        joined_on = max(on, project.started_on)
        return _join(actor=actor, project=project, household=household, joined_on=joined_on,
                     support_given="", support_yuan=Decimal("0.00"), case=case,
                     action="project_household_joined_on_grant")
