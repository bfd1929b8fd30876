"""The access control matrix: every URL of the site, for every role, inside the role's area
and outside it, read and written, against one table of who may do what.

How it works
------------
- ``routes()`` walks ``get_resolver()`` and lists every URL pattern with its full name
  (namespaces joined by ":") and its path parameters. Nothing is listed by hand.
- Every pattern needs a rule (``rule_for``): ``RULES`` by name; for the staff UI's flows,
  ``FLOW_VIEWS`` (a flow's own pages) and ``TASK_ACTIONS`` for the pages of each node's
  tasks, whose fixture task ``NODE_TASKS`` names. ``NOT_IN_MATRIX`` lists, with the reason,
  the only URLs left out: public or infrastructure ones, and the admin (its own
  superuser check, ``test_the_admin_is_for_superusers_only``). A new pattern without a
  rule, a new node without a fixture task, or a path parameter the rule's target does not
  fill (``TARGET_PARAMS``) fails ``test_every_url_has_a_rule`` with what to add: a new
  endpoint cannot ship without a stated rule.
- The world (``world``): the same objects in four places: village v11 and village v12
  (township t1), village v21 (township t2), all in district 330703, and a village of
  another district (330704). In each: a household with a case at every step (village,
  objection, township and district review, returned to the family, in public notice,
  closed) with its viewflow tasks, a document, entitlements with a re-certification
  review open and one decided, a spare member to apply for, and an in-app message for
  its family. Built once for the module, in a transaction rolled back at its end.
- The roles (``ROLES``): anonymous; the family of the v11 household (``family``); the
  family of another v11 household (``neighbour``); the village reviewer of v11, the
  township approver of t1; the district approver, the auditor and the administrator
  (superuser) of district 330703. ``VISIBLE`` says which places each may see: v11 is
  inside for every role but the neighbour and the anonymous, v12 only for the township
  and the district-wide roles, v21 only for the district-wide roles, the other district
  for nobody.
- Each role requests every pattern with its path filled from each place (GET where the
  rule reads, POST with a minimal body where it writes; where a task is the target, each
  step's task, and the rule says who acts on which step); PUT and DELETE go to every
  pattern too. Each request runs in a savepoint rolled back after it, so every request
  sees the same world.
- Allowed is 2xx, or a redirect within the same app; refused is 401, 403, 404, a redirect
  to the login page, or to another app (a family sent from /workflow/ to /family/).
  Anything else (400, 405, 409, 500, an exception) fails: the probe did not reach the
  rule it was meant to test. Rules may accept a "silent" refusal (2xx/3xx that changes
  nothing: viewflow's bulk actions skip tasks outside the user's queue) or a 400 that
  names the field (a create whose body names a household outside the scope).

Whatever the table says, and checked on every request:
- a refused request changes nothing (``fingerprint``: cases, tasks, processes,
  decisions, history, documents, objections, households, people, entitlements, reviews,
  messages read), and a GET changes nothing but the caller's own messages' read marks;
- the auditor changes nothing with any request: every pattern is also POSTed as the
  auditor, whatever its rule; PUT and DELETE change nothing a POST may not;
- no answer, allowed or not, shows a resident of a place outside the role's area: every
  resident's name carries its place's marker (``marker``).
"""

import json
import logging
import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from itertools import count
from types import SimpleNamespace
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.authtoken.models import Token
from viewflow.workflow.models import Process, Task

from casework.identity import make_resident_id
from casework.models import (
    Area,
    AuditEvent,
    Case,
    CaseStatus,
    Decision,
    Document,
    Entitlement,
    Household,
    Message,
    Objection,
    OutboxMessage,
    Person,
    Recertification,
)
from eligibility.defaults import install_programs
from tests import factories as f
from tests.workflows.test_recertification import YEAR, change_parameter
from workflows import services
from workflows.appeals import decide_appeal, lodge_appeal
from workflows.recertification import decide_review, recertify
from workflows.tasks import fire_due_timers

# --- roles and places ------------------------------------------------------------------

ANON, FAMILY, NEIGHBOUR = "anonymous", "family", "neighbour"
VILLAGE, TOWNSHIP, DISTRICT = "village_reviewer", "township_approver", "district_approver"
AUDITOR, ADMIN = "auditor", "admin"
ROLES = (ANON, FAMILY, NEIGHBOUR, VILLAGE, TOWNSHIP, DISTRICT, AUDITOR, ADMIN)

HOME, OTHER_VILLAGE, OTHER_TOWNSHIP, OTHER_DISTRICT = "v11", "v12", "v21", "far"
PLACES = (HOME, OTHER_VILLAGE, OTHER_TOWNSHIP, OTHER_DISTRICT)
NEIGHBOURS = "nb"  # the neighbour's household, in v11 (its residents' marker)

_DISTRICT_WIDE = frozenset({HOME, NEIGHBOURS, OTHER_VILLAGE, OTHER_TOWNSHIP})
# the places whose rows each role may see (and the neighbour household's residents)
VISIBLE = {
    ANON: frozenset(),
    FAMILY: frozenset({HOME}),
    NEIGHBOUR: frozenset({NEIGHBOURS}),
    VILLAGE: frozenset({HOME, NEIGHBOURS}),
    TOWNSHIP: frozenset({HOME, NEIGHBOURS, OTHER_VILLAGE}),
    DISTRICT: _DISTRICT_WIDE,
    AUDITOR: _DISTRICT_WIDE,
    ADMIN: _DISTRICT_WIDE,
}


def marker(place: str) -> str:
    """In the name of every resident of ``place``: seen in an answer, the place leaked."""
    return f"ZQ{place}ZQ"


AUTH = frozenset(ROLES) - {ANON}
FAMILIES = frozenset({FAMILY, NEIGHBOUR})
STAFF = frozenset({VILLAGE, TOWNSHIP, DISTRICT, AUDITOR, ADMIN})
WRITERS = AUTH - {AUDITOR}  # every role that may change a case it sees
NOBODY = frozenset()
AUDITORS = frozenset({DISTRICT, AUDITOR})  # who may use the auditor's workspace
KEEPERS = frozenset({VILLAGE, ADMIN})  # who keep a village's household register
REPORTERS = frozenset({TOWNSHIP, DISTRICT, AUDITOR, ADMIN})  # who may read the reports
ACTORS = "actors"  # the roles that act on the target task's step: STEP_ACTORS
BULK_APPROVERS = "bulk_approvers"  # who may approve the target task in bulk: BULK_ACTORS

# who acts on each human step; the family acts on its revision through /family/ and the
# API, its village staff on its behalf in the staff UI
STEP_ACTORS = {
    "village_review": frozenset({VILLAGE}),
    "objection_review": frozenset({VILLAGE}),
    "family_revision": frozenset({VILLAGE}),
    "township_review": frozenset({TOWNSHIP}),
    "district_review": frozenset({DISTRICT}),
    "recertification_review": frozenset({VILLAGE}),
    # the fixture appeal is against a village rejection: the township reviews it
    "appeal_review": frozenset({TOWNSHIP}),
}
# who may approve each step's fixture task in bulk (workflows.bulk): never an objection
# review, and the district review's case is a cash program's (pension subsidy)
BULK_ACTORS = {"village_review": frozenset({VILLAGE}), "township_review": frozenset({TOWNSHIP})}


# --- the rules ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    """Who may read (GET) and write (POST) a URL; ``None``: that method is not probed."""

    get: frozenset | str | None = None
    post: frozenset | str | None = None
    target: str | None = None  # what fills the path, or the body, from each place (targets)
    body: str | None = None  # the POST body (BODIES); None: empty
    scope: str = "area"  # "area": the place must be in the role's area; "own": the
    # caller's own row (its messages)
    personal: bool = False  # a POST or GET changes the caller's own messages' read marks
    silent: bool = False  # refused may be a 2xx/3xx that changed nothing
    field_errors: bool = False  # refused may be a 400 naming the field (body out of scope)
    must_change: bool = False  # allowed must change something (its status tells nothing)
    prepare: str | None = None  # "assign": the task assigned first, to the caller if the
    # caller may act on it, else to the place's reviewer of that step
    anywhere: bool = False  # allowed may redirect to another app (the site's root)


CASE_READ = Rule(get=AUTH, target="case")

RULES = {
    "home": Rule(get=AUTH, anywhere=True),  # families to /family/, staff to /workflow/
    # REST API (token)
    "api:me": Rule(get=AUTH),
    "api:programs": Rule(get=AUTH),
    "api:households": Rule(get=AUTH, post=frozenset({VILLAGE, ADMIN}), target="village",
                           body="household"),
    "api:household": Rule(get=AUTH, target="household"),
    "api:cases": Rule(get=AUTH, post=FAMILIES | {VILLAGE, ADMIN}, target="spare",
                      body="case", field_errors=True),
    "api:case": CASE_READ,
    "api:case-history": CASE_READ,
    "api:case-verify": CASE_READ,  # whether the case's history is intact
    "api:case-messages": CASE_READ,
    "api:case-withdraw": Rule(post=FAMILIES | {VILLAGE, ADMIN}, target="case",
                              body="withdraw"),
    "api:case-resubmit": Rule(post=FAMILIES | {VILLAGE}, target="returned", body="resubmit"),
    # objections are recorded by the staff who receive them (services.OBJECTION_RECORDERS)
    "api:case-objections": Rule(post=WRITERS - FAMILIES, target="in_notice", body="objection"),
    "api:case-documents": Rule(post=WRITERS, target="case", body="document"),
    "api:messages": Rule(get=AUTH),
    "api:messages-unread-count": Rule(get=AUTH),
    "api:messages-read-all": Rule(post=AUTH, personal=True),
    "api:message-read": Rule(post=AUTH, target="message", scope="own", personal=True),
    "api:tasks": Rule(get=AUTH),
    "api:task-decision": Rule(post=ACTORS, target="decision_tasks", body="decision"),
    # several tasks approved at once: a task that is not the caller's to approve in bulk
    # is reported as such (200) and nothing is decided
    "api:task-bulk-approve": Rule(post=BULK_APPROVERS, target="decision_tasks",
                                  body="bulk_approve", silent=True, must_change=True),
    "api:task-recertification": Rule(post=ACTORS, target="review_task", body="review"),
    # appeals (workflows.appeals): the family or its village staff lodge one against a
    # rejection; the level above decides it
    "api:case-appeals": Rule(get=AUTH, post=FAMILIES | {VILLAGE, ADMIN}, target="rejected",
                             body="appeal"),
    "api:task-appeal": Rule(post=ACTORS, target="appeal_task", body="appeal_decision"),
    # family pages (staff are sent to /workflow/)
    "family:home": Rule(get=FAMILIES),
    # applying for another household's member: the form's error (200), nothing written
    "family:apply": Rule(get=FAMILIES, post=FAMILIES, target="spare", body="apply",
                         silent=True, must_change=True),
    "family:case": Rule(get=FAMILIES, target="case"),
    "family:withdraw": Rule(get=FAMILIES, post=FAMILIES, target="case", body="withdraw_form"),
    "family:resubmit": Rule(post=FAMILIES, target="returned", body="resubmit_form"),
    "family:upload": Rule(post=FAMILIES, target="case", body="document_form"),
    "family:appeal": Rule(post=FAMILIES, target="rejected", body="appeal_form"),
    "family:messages": Rule(get=FAMILIES, personal=True),  # opening it reads them
    "family:messages_read_all": Rule(post=FAMILIES, personal=True),
    # documents of the cases one may see
    "documents:download": Rule(get=AUTH, target="document"),
    # a granted case's card and its decision letter, as PDF (workflows.printing_views)
    "printing:card": Rule(get=AUTH, target="closed"),
    "printing:letter": Rule(get=AUTH, target="closed"),
    # staff UI (families are sent to /family/)
    "index": Rule(get=STAFF),
    "messages:index": Rule(get=STAFF, personal=True),
    "messages:read_all": Rule(post=STAFF, personal=True),
    # the auditor's workspace (workflows.auditor): read-only, for auditors and district
    # approvers inside their area; an export without its purpose is the form asking for it
    "auditor:index": Rule(get=AUDITORS, post=NOBODY),
    "auditor:case": Rule(get=AUDITORS, post=NOBODY, target="case"),
    "auditor:export_csv": Rule(get=AUDITORS, post=NOBODY),
    "auditor:export_xlsx": Rule(get=AUDITORS, post=NOBODY),
    # the reports (workflows.report_views): aggregate numbers of the caller's own area,
    # read-only, for township and district staff, auditors and administrators
    "reports:index": Rule(get=REPORTERS, post=NOBODY),
    "reports:export_xlsx": Rule(get=REPORTERS, post=NOBODY),
    # the household register (workflows.register_views): staff read their area's
    # households; the village's own staff and the administrators keep it (dues,
    # membership, applying on the family's behalf, the Excel import). An empty form
    # posted is the form again with its errors (200); a confirmation or problem list
    # without its dry run goes back to the import page
    "register:index": Rule(get=STAFF),
    "register:household": Rule(get=STAFF, target="household"),
    "register:dues": Rule(get=KEEPERS, post=KEEPERS, target="household"),
    "register:membership": Rule(get=KEEPERS, post=KEEPERS, target="household"),
    "register:apply": Rule(get=KEEPERS, post=KEEPERS, target="household",
                           body="register_apply", must_change=True),
    "register:arrears": Rule(get=STAFF),
    "register:import": Rule(get=KEEPERS, post=KEEPERS),
    "register:import_confirm": Rule(post=KEEPERS),
    "register:import_errors": Rule(get=KEEPERS),
    "register:import_template": Rule(get=KEEPERS),
    "register:export": Rule(get=STAFF),
}

# the staff UI's flows (namespaces) and their own pages
FLOW_VIEWS = {
    "index": Rule(get=STAFF),  # the board
    "process_list": Rule(get=STAFF),
    "task_list": Rule(get=STAFF),
    "chart": Rule(get=STAFF),
    "inbox": Rule(get=STAFF),
    "queue": Rule(get=STAFF),
    "archive": Rule(get=STAFF),
    "tasks_assign": Rule(post=ACTORS, target="bulk", body="bulk", silent=True,
                         must_change=True),
    "tasks_unassign": Rule(post=ACTORS, target="bulk", body="bulk", prepare="assign",
                           silent=True, must_change=True),
    # bulk approval (workflows.bulk): refused tasks are reported on the list, nothing decided
    "tasks_approve": Rule(post=BULK_APPROVERS, target="bulk", body="bulk", silent=True,
                          must_change=True),
    "process_detail": Rule(get=STAFF, target="process"),
    "process_chart": Rule(get=STAFF, target="process"),
    # only the services change a case (the flows' has_manage_permission is False)
    "process_cancel": Rule(get=NOBODY, post=NOBODY, target="process"),
}
# the pages of a node's task (``<flow>:<node>:<action>``)
TASK_ACTIONS = {
    "index": Rule(get=STAFF, target="task"),
    "detail": Rule(get=STAFF, target="task"),
    "assign": Rule(get=ACTORS, post=ACTORS, target="task"),
    "unassign": Rule(get=ACTORS, post=ACTORS, target="task", prepare="assign"),
    "execute": Rule(get=ACTORS, post=ACTORS, target="task", prepare="assign"),
    "cancel": Rule(get=NOBODY, post=NOBODY, target="task"),  # as process_cancel
    "undo": Rule(get=NOBODY, post=NOBODY, target="task"),
    "revive": Rule(get=NOBODY, post=NOBODY, target="task"),
}
# each node's fixture task: (the case or review of the place it is on, the node)
NODE_TASKS = {
    "benefitapplication": {
        "start": "village", "village_review": "village", "family_revision": "returned",
        "public_notice": "in_notice", "after_notice": "objection",
        "objection_review": "objection", "township_review": "township",
        "district_review": "district", "end": "closed",
        "resume": "resumed",  # the second start: a case resumed by an upheld appeal
    },
    "recertification": {"start": "review", "recertification_review": "review",
                        "end": "review_done"},
    "appeal": {"start": "appeal", "appeal_review": "appeal", "end": "appeal_done"},
}
FLOW_PROCESS = {"benefitapplication": "village", "recertification": "review",
                "appeal": "appeal"}

# left out of the matrix, with the reason
NOT_IN_MATRIX = {
    "login": "the login page: public",
    "logout": "ends the caller's own session",
    "set_language": "i18n: sets the language cookie, public",
    "javascript-catalog": "i18n for scripts, public",
    "healthz": "liveness probe (ops): public, no data",
    "readyz": "readiness probe (ops): public, no data",
    "schema": "the OpenAPI schema (DRF's own permissions)",
    "api-docs": "Swagger UI over the schema",
    "auth-token": "the token endpoint (with lockout and the second factor): public",
    "two_factor_verify": "the login's second step (the code): the caller's own session",
    "two_factor_enroll": "the login's second step (a new device): the caller's own session",
    "printing:verify": "the page a printed card's QR code opens: public by design, shows "
                       "the card's state and the holder's name masked (its own tests)",
}
NOT_IN_MATRIX_NAMESPACES = {
    "admin": "Django admin: its own is_staff/superuser checks, "
             "see test_the_admin_is_for_superusers_only",
}
# unnamed patterns served outside the application's views
NOT_IN_MATRIX_PREFIXES = ("static/", "media/", "__debug__/")

# the path parameters each target fills
TARGET_PARAMS = {
    None: frozenset(),
    "village": frozenset(),
    "spare": frozenset(),
    "bulk": frozenset(),
    "household": frozenset({"pk"}),
    "case": frozenset({"pk", "case_id"}),
    "returned": frozenset({"pk", "case_id"}),
    "in_notice": frozenset({"pk", "case_id"}),
    "closed": frozenset({"pk", "case_id"}),
    "rejected": frozenset({"pk", "case_id"}),
    "document": frozenset({"pk", "document_id"}),
    "message": frozenset({"pk"}),
    "decision_tasks": frozenset({"pk", "task_pk"}),
    "review_task": frozenset({"pk", "task_pk"}),
    "appeal_task": frozenset({"pk", "task_pk"}),
    "process": frozenset({"process_pk"}),
    "task": frozenset({"process_pk", "task_pk"}),
}


# --- the URL configuration -----------------------------------------------------------------

@dataclass(frozen=True)
class Route:
    name: str | None  # with its namespaces, e.g. "api:case"
    path: str  # the route, e.g. "api/v1/cases/<int:pk>/"
    params: frozenset = field(default_factory=frozenset)
    namespaces: str = ""  # of the includes it is in, also for an unnamed pattern

    @property
    def namespace(self) -> str:
        return self.namespaces.split(":", 1)[0]

    def url(self, params: dict) -> str:
        return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(params[m.group(1)]), self.path)


def _params(pattern) -> set:
    converters = getattr(pattern, "converters", None)
    if converters is not None:  # path()
        return set(converters)
    return set(getattr(pattern, "regex", re.compile("")).groupindex)  # re_path()


def routes(patterns=None, prefix="", namespace="", params=frozenset()) -> list[Route]:
    """Every URL pattern of the site, recursively through every include."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    found = []
    for entry in patterns:
        here = params | _params(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = ":".join(n for n in (namespace, entry.namespace) if n)
            found += routes(entry.url_patterns, prefix + str(entry.pattern), inner, here)
        elif isinstance(entry, URLPattern):
            name = ":".join(n for n in (namespace, entry.name) if n) if entry.name else None
            found.append(Route(name, prefix + str(entry.pattern), frozenset(here), namespace))
    return found


class NoRule(Exception):
    """A URL pattern the table says nothing about."""


def skipped(route: Route) -> bool:
    return (route.namespace in NOT_IN_MATRIX_NAMESPACES or route.name in NOT_IN_MATRIX
            or (route.name is None and route.path.startswith(NOT_IN_MATRIX_PREFIXES)))


def rule_for(route: Route) -> Rule:
    """The route's rule, or ``NoRule`` saying what to add."""
    where = f"/{route.path} (url name {route.name!r})"
    if route.name is None:
        raise NoRule(f"{where} has no name: name it, then add its rule to RULES")
    parts = route.name.split(":")
    if parts[0] in NODE_TASKS and len(parts) == 2:
        rule = FLOW_VIEWS.get(parts[1])
        if rule is None:
            raise NoRule(f"{where}: the flow page {parts[1]!r} has no rule; add it to "
                         "FLOW_VIEWS in tests/test_access_matrix.py (who may read, who may "
                         "write, and what fills its path)")
    elif parts[0] in NODE_TASKS and len(parts) == 3:
        flow, node, action = parts
        if node not in NODE_TASKS[flow]:
            raise NoRule(f"{where}: node {node!r} of flow {flow!r} has no fixture task; "
                         "add it to NODE_TASKS (and the world) in tests/test_access_matrix.py"
                         " and, if people act on it, to STEP_ACTORS")
        rule = TASK_ACTIONS.get(action)
        if rule is None:
            raise NoRule(f"{where}: the task page {action!r} has no rule; add it to "
                         "TASK_ACTIONS in tests/test_access_matrix.py")
        if ACTORS in (rule.get, rule.post) and node not in STEP_ACTORS:
            raise NoRule(f"{where}: node {node!r} has a page for the people who act on it "
                         "but STEP_ACTORS does not say who they are; add it")
    else:
        rule = RULES.get(route.name)
        if rule is None:
            raise NoRule(f"{where} has no access rule: add it to RULES in "
                         "tests/test_access_matrix.py (which roles may read it, which may "
                         "write, and what fills its path: a case, a task...), or if it is "
                         "public or infrastructure, to NOT_IN_MATRIX with the reason")
    missing = route.params - TARGET_PARAMS.get(rule.target, frozenset())
    if missing:
        raise NoRule(f"{where}: path parameter(s) {sorted(missing)} are not filled by its "
                     f"rule's target {rule.target!r}; give the rule a target that fills "
                     "them, or add the parameter to TARGET_PARAMS and targets()")
    return rule


def matrix_routes() -> list[Route]:
    return [route for route in routes() if not skipped(route)]


def test_every_url_has_a_rule():
    """A new URL pattern fails here until its access rule is written down."""
    problems = []
    for route in matrix_routes():
        try:
            rule_for(route)
        except NoRule as exc:
            problems.append(str(exc))
    assert not problems, "URL patterns without an access rule:\n" + "\n".join(problems)


def test_the_table_has_no_stale_rules():
    names = {route.name for route in routes()}
    stale = sorted(set(RULES) - names)
    flows = {name.split(":")[0] for name in names if name and name.count(":") >= 1}
    stale += sorted(f"NODE_TASKS[{flow!r}]" for flow in NODE_TASKS if flow not in flows)
    stale += sorted(f"NODE_TASKS[{flow!r}][{node!r}]" for flow, nodes in NODE_TASKS.items()
                    for node in nodes if not any(n and n.startswith(f"{flow}:{node}:")
                                                 for n in names))
    assert not stale, f"rules for URLs that no longer exist, remove them: {stale}"


# --- the world -------------------------------------------------------------------------------

PDF = b"%PDF-1.4 access matrix"
OPEN = ("NEW", "ASSIGNED", "STARTED")
# each flow's steps people act on (the bulk actions' targets)
HUMAN_STEPS = {flow: tuple(node for node in nodes if node in STEP_ACTORS)
               for flow, nodes in NODE_TASKS.items()}
DECISION_STEPS = ("village_review", "objection_review", "township_review", "district_review")
_births = count()


def _birth(year=1950) -> date:
    return date(year, 1, 1) + timedelta(days=next(_births))


def open_task(case) -> Task:
    return Task.objects.get(process_id=case.process_id, flow_task_type="HUMAN",
                            status__in=OPEN)


def task_of(process_id, node) -> Task:
    """The newest task of ``node`` in the process."""
    return next(t for t in Task.objects.filter(process_id=process_id).order_by("-id")
                if t.flow_task.name == node)


def _end_notice(case):
    timer = Task.objects.get(process_id=case.process_id, flow_task_type="TIMER",
                             status="SCHEDULED")
    Task.objects.filter(pk=timer.pk).update(scheduled=timezone.now() - timedelta(seconds=1))
    fire_due_timers()
    case.refresh_from_db()
    return case


def _own_message(user, now):
    outbox = OutboxMessage.objects.create(channel=OutboxMessage.Channel.INAPP,
                                          recipient=f"user:{user.pk}", template="case_approved",
                                          payload={"case": 0}, created_at=now)
    return Message.objects.create(recipient=user, outbox=outbox, template="case_approved",
                                  payload={"case": 0}, text="Application #0 approved.",
                                  created_at=now)


def _place(programs, place, village, family, vil, town, now):
    """One place's household, cases at every step, document and re-check candidates."""
    mark = marker(place)
    hh = family.household
    people = iter([f.person(hh, name=f"{mark} {i}", birth=_birth()) for i in range(12)])

    def submit(code):
        return services.submit_application(actor=family, household=Household.objects.get(
            pk=hh.pk), program=programs[code], applicant=next(people))

    def decide(user, case, outcome="approve", reason=""):
        services.decide(actor=user, task_id=open_task(case).pk, decision=outcome,
                        reason=reason)
        case.refresh_from_db()
        return case

    cases = {"village": submit("medical_discount")}
    cases["returned"] = decide(vil, submit("medical_discount"), "return", "请补充材料")
    cases["in_notice"] = decide(vil, submit("pension_subsidy"))
    case = decide(vil, submit("pension_subsidy"))
    services.lodge_objection(actor=vil, case=case, lodged_by_name="邻居", text="收入不实")
    cases["objection"] = _end_notice(case)
    cases["township"] = decide(vil, submit("medical_discount"))
    cases["district"] = decide(town, _end_notice(decide(vil, submit("pension_subsidy"))))
    cases["closed"] = decide(vil, submit("health_check"))
    cases["rejected"] = decide(vil, submit("medical_discount"), "reject", "不符合条件")
    assert {k: c.status for k, c in cases.items()} == {
        "village": CaseStatus.VILLAGE_REVIEW, "returned": CaseStatus.RETURNED,
        "in_notice": CaseStatus.PUBLIC_NOTICE, "objection": CaseStatus.PUBLIC_NOTICE,
        "township": CaseStatus.TOWNSHIP_REVIEW, "district": CaseStatus.DISTRICT_REVIEW,
        "closed": CaseStatus.APPROVED, "rejected": CaseStatus.REJECTED}, place
    assert open_task(cases["objection"]).flow_task.name == "objection_review"
    document = services.add_document(actor=family, case=cases["village"], kind="id_card",
                                     file=SimpleUploadedFile("id.pdf", PDF))
    # two pensioners whose entitlements fail the year's re-check (the minimum age rises)
    for _ in range(2):
        person = f.person(hh, name=f"{mark} pensioner", birth=_birth(YEAR - 64))
        f.entitlement(person, programs["pension_subsidy"], valid_from=date(YEAR - 1, 3, 1),
                      valid_to=date(YEAR + 1, 2, 28), amount_yuan=600, filed_by=vil)
    # appeals against village rejections: one under review, one dismissed
    # and one upheld, its case resumed at township review in a new process
    appealed = {}
    for key in ("appeal", "appeal_done", "upheld"):
        rejected = decide(vil, submit("medical_discount"), "reject", "不符合条件")
        appealed[key] = lodge_appeal(actor=family, case=rejected, grounds="请复核")
    # decided by a colleague of the township's reviewer: who upheld an appeal may not
    # also review the resumed case (services.decide), which the matrix probes
    appeal_reviewer = f.user("township_approver", town.area)
    for key, outcome in (("appeal_done", "dismiss"), ("upheld", "uphold")):
        decide_appeal(actor=appeal_reviewer, task_id=task_of(appealed[key].process_id,
                                                             "appeal_review").pk,
                      outcome=outcome, reason="复核意见")
    cases["resumed"] = Case.objects.get(pk=appealed.pop("upheld").case_id)
    assert cases["resumed"].status == CaseStatus.TOWNSHIP_REVIEW, place
    return SimpleNamespace(
        name=place, village=village, household=hh, cases=cases, document=document,
        spare=next(people), family=family, message=_own_message(family, now),
        reviewers={"village": vil, "township": town}, appeals=appealed)


def build_world():
    programs = install_programs()
    areas = f.area_tree()
    far_district = Area.objects.create(code="330704", name="远区", level=Area.Level.DISTRICT)
    far_township = Area.objects.create(code="330704001", name="远镇",
                                       level=Area.Level.TOWNSHIP, parent=far_district)
    far_village = Area.objects.create(code="330704001001", name="远村",
                                      level=Area.Level.VILLAGE, parent=far_township,
                                      health_check_enrolled_years=list(range(2020, 2031)))
    villages = {HOME: areas["v11"], OTHER_VILLAGE: areas["v12"],
                OTHER_TOWNSHIP: areas["v21"], OTHER_DISTRICT: far_village}

    def home(village):
        return f.household(village, second_birth_renounced_date=date(1985, 3, 1),
                           hardship=True, annual_income_yuan=20000)

    neighbours = home(areas["v11"])
    f.person(neighbours, name=f"{marker(NEIGHBOURS)} 邻居", birth=_birth())
    users = {
        FAMILY: f.user("family", areas["v11"], household=home(areas["v11"])),
        NEIGHBOUR: f.user("family", areas["v11"], household=neighbours),
        VILLAGE: f.user("village_reviewer", areas["v11"]),
        TOWNSHIP: f.user("township_approver", areas["t1"]),
        DISTRICT: f.user("district_approver", areas["district"]),
        AUDITOR: f.user("auditor", areas["district"]),
        ADMIN: f.user("admin", areas["district"]),
    }
    users[ADMIN].is_staff = users[ADMIN].is_superuser = True
    users[ADMIN].save(update_fields=["is_staff", "is_superuser"])
    # the reviewers of the other places' steps (the roles' own users where they are the
    # place's: the township approver of t1 also reviews v12)
    townships = {areas["t1"]: users[TOWNSHIP], areas["t2"]: f.user("township_approver",
                                                                   areas["t2"]),
                 far_township: f.user("township_approver", far_township)}
    districts = {areas["district"]: users[DISTRICT],
                 far_district: f.user("district_approver", far_district)}
    change_parameter(programs["pension_subsidy"], "min_age", 65, date(YEAR, 1, 1))
    now = timezone.now()
    places = {}
    for place, village in villages.items():
        if place == HOME:
            family, vil = users[FAMILY], users[VILLAGE]
        else:
            family = f.user("family", village, household=home(village))
            vil = f.user("village_reviewer", village)
        township = village.parent
        places[place] = _place(programs, place, village, family, vil, townships[township], now)
        places[place].reviewers["district"] = districts[township.parent]
    recertify(year=YEAR)
    for place in places.values():
        review, done = Recertification.objects.filter(
            area=place.village).order_by("id")[:2]
        decide_review(actor=place.reviewers["village"],
                      task_id=task_of(done.process_id, "recertification_review").pk,
                      decision="continue")
        place.reviews = {"review": review, "review_done": done}
        place.tasks = {}
        for flow, nodes in NODE_TASKS.items():
            for node, source in nodes.items():
                row = (place.cases.get(source) or place.reviews.get(source)
                       or place.appeals[source])
                place.tasks[flow, node] = task_of(row.process_id, node)
        place.processes = {flow: (place.cases.get(source) or place.reviews.get(source)
                                  or place.appeals[source]).process_id
                           for flow, source in FLOW_PROCESS.items()}
    messages = {role: _own_message(user, now) for role, user in users.items()
                if role != FAMILY}
    messages[FAMILY] = places[HOME].message
    tokens = {role: Token.objects.create(user=user).key for role, user in users.items()}
    return SimpleNamespace(programs=programs, users=users, places=places, messages=messages,
                           tokens=tokens)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once for the module, in a transaction rolled back at its end."""
    media = tmp_path_factory.mktemp("access-matrix-media")
    with django_db_blocker.unblock(), override_settings(
            MEDIA_ROOT=str(media),
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        with transaction.atomic():
            yield build_world()
            transaction.set_rollback(True)


# --- what fills the path and the body ------------------------------------------------------

@dataclass
class Probe:
    route: Route
    rule: Rule
    method: str
    place: str | None = None
    label: str | None = None  # the step of a task target
    params: dict = field(default_factory=dict)
    obj: object = None


def _ids(obj, *names):
    return dict.fromkeys(names, obj.pk)


def targets(world, role, rule, place) -> list[tuple[str | None, dict, object]]:
    """(label, path parameters, object) for ``rule.target`` in ``place``."""
    p = world.places[place]
    kind = rule.target
    if kind == "village":
        return [(None, {}, p.village)]
    if kind == "spare":
        return [(None, {}, p.spare)]
    if kind == "household":
        return [(None, _ids(p.household, "pk"), p.household)]
    if kind in ("case", "returned", "in_notice", "closed", "rejected"):
        case = p.cases["village" if kind == "case" else kind]
        return [(None, _ids(case, "pk", "case_id"), case)]
    if kind == "document":
        return [(None, _ids(p.document, "pk", "document_id"), p.document)]
    if kind == "message":  # the caller's own (inside), another user's (outside)
        message = world.messages.get(role, world.messages[FAMILY]) if place == HOME else (
            p.message)
        return [(None, _ids(message, "pk"), message)]
    if kind == "decision_tasks":
        return [(step, _ids(p.tasks["benefitapplication", step], "pk", "task_pk"),
                 p.tasks["benefitapplication", step]) for step in DECISION_STEPS]
    if kind == "review_task":
        task = p.tasks["recertification", "recertification_review"]
        return [("recertification_review", _ids(task, "pk", "task_pk"), task)]
    if kind == "appeal_task":
        task = p.tasks["appeal", "appeal_review"]
        return [("appeal_review", _ids(task, "pk", "task_pk"), task)]
    raise AssertionError(f"unknown target {kind!r}: add it here and to TARGET_PARAMS")


def flow_targets(world, route, rule, place):
    """The same for a staff UI flow's page: its process, its tasks for the bulk actions,
    or the task of the route's node."""
    p = world.places[place]
    flow = route.name.split(":")[0]
    if rule.target == "process":
        return [(None, {"process_pk": p.processes[flow]}, None)]
    if rule.target == "bulk":
        return [(step, {}, p.tasks[flow, step]) for step in HUMAN_STEPS[flow]]
    node = route.name.split(":")[1]
    task = p.tasks[flow, node]
    return [(node, {"process_pk": task.process_id, "task_pk": task.pk}, task)]


# methods no page or endpoint takes for a write: sent to every URL, inside the area, they
# may change nothing that the same POST could not
SIDE_DOORS = ("PUT", "DELETE")


def probes(world, role, route) -> list[Probe]:
    rule = rule_for(route)
    flow_route = route.name.split(":")[0] in NODE_TASKS
    found = []
    methods = (("GET", rule.get), ("POST", rule.post), *((m, NOBODY) for m in SIDE_DOORS))
    for method, roles in methods:
        if roles is None and not (method == "POST" and role == AUDITOR):
            continue  # the auditor POSTs everything: nothing may change
        if not route.params and (method == "GET" or rule.target is None):
            found.append(Probe(route, rule, method))
            continue
        for place in (PLACES if method in ("GET", "POST") else (HOME,)):
            items = (flow_targets(world, route, rule, place) if flow_route
                     else targets(world, role, rule, place))
            for label, params, obj in items:
                found.append(Probe(route, rule, method, place, label, params, obj))
    return found


def _json(data):
    return "json", data


BODIES = {
    "household": lambda w, p, obj: _json({
        "number": f"H-ACL-{p}", "area": obj.code, "registration": "local",
        "members": [{"name": f"{marker(p)} new", "relationship": "head",
                     "id_number": make_resident_id("330703", date(1951, 2, 3), 907, "M")}]}),
    "case": lambda w, p, obj: _json({"household": obj.household_id, "applicant": obj.pk,
                                     "program": "medical_discount", "consent": True}),
    "apply": lambda w, p, obj: ("form", {"program": w.programs["medical_discount"].pk,
                                         "applicant": obj.pk, "statement": "",
                                         "confirm": "1", "consent": "on"}),
    "withdraw": lambda w, p, obj: _json({"reason": "matrix"}),
    "withdraw_form": lambda w, p, obj: ("form", {"reason": "matrix"}),
    "resubmit": lambda w, p, obj: _json({"statement": "matrix"}),
    "resubmit_form": lambda w, p, obj: ("form", {"statement": "matrix"}),
    "objection": lambda w, p, obj: _json({"lodged_by_name": "邻居", "text": "matrix"}),
    "document": lambda w, p, obj: ("form", {"kind": "id_card",
                                            "file": SimpleUploadedFile("m.pdf", PDF)}),
    "document_form": lambda w, p, obj: ("form", {"kind": "id_card",
                                                 "file": SimpleUploadedFile("m.pdf", PDF)}),
    "decision": lambda w, p, obj: _json({"decision": "approve"}),
    "review": lambda w, p, obj: _json({"decision": "continue"}),
    "appeal": lambda w, p, obj: _json({"grounds": "matrix"}),
    "appeal_form": lambda w, p, obj: ("form", {"grounds": "matrix"}),
    "appeal_decision": lambda w, p, obj: _json({"outcome": "dismiss", "reason": "matrix"}),
    "bulk": lambda w, p, obj: ("form", {"pk": obj.pk, "_confirm": "1"}),
    "register_apply": lambda w, p, obj: ("form", {
        "program": w.programs["medical_discount"].pk, "applicant": w.places[p].spare.pk,
        "statement": "", "consent": "on"}),
    "bulk_approve": lambda w, p, obj: _json({"tasks": [obj.pk]}),
}


# --- expectations and checks ---------------------------------------------------------------

def may_act(role, place, step) -> bool:
    return role in STEP_ACTORS.get(step, ()) and place in VISIBLE[role]


def expected_allowed(probe: Probe, role: str) -> bool:
    rule = probe.rule
    roles = rule.get if probe.method == "GET" else rule.post
    if roles is None:
        return False
    if roles == ACTORS:
        roles = STEP_ACTORS[probe.label]
    elif roles == BULK_APPROVERS:
        roles = BULK_ACTORS.get(probe.label, NOBODY)
    if role not in roles:
        return False
    if probe.place is None:
        return True
    if rule.scope == "own":
        return probe.place == HOME
    return probe.place in VISIBLE[role]


REDIRECTS = (301, 302, 303, 307, 308)


def _app(path: str) -> str:
    return path.strip("/").split("/", 1)[0]


def verdict(response, url: str, rule: Rule) -> str:
    """allowed | refused | field_error | unexpected"""
    code = response.status_code
    if 200 <= code < 300:
        return "allowed"
    if code in REDIRECTS:
        path = urlsplit(urljoin(f"http://testserver{url}", response["Location"])).path
        if path.startswith((settings.LOGIN_URL, "/admin/login/")):
            return "refused"
        return "allowed" if rule.anywhere or _app(path) == _app(url) else "refused"
    if code in (401, 403, 404):
        return "refused"
    if code == 400:
        return "field_error"
    return "unexpected"


def _fingerprint_sql() -> str:
    q = connection.ops.quote_name

    def rows(model, *fields):
        columns = [q(model._meta.get_field(name).column) for name in fields]
        columns += ["NULL"] * (2 - len(columns))
        return (f"SELECT '{model.__name__}', {q(model._meta.pk.column)}, {', '.join(columns)} "
                f"FROM {q(model._meta.db_table)}")

    def total(model, where=""):
        return (f"SELECT '{model.__name__}{where and ' unread'}', COUNT(*), NULL, NULL "
                f"FROM {q(model._meta.db_table)}{where}")

    return " UNION ALL ".join([
        rows(Case, "status", "version"), rows(Task, "status", "owner"),
        rows(Process, "status"), rows(Recertification, "outcome"),
        rows(Entitlement, "state"),
        *(total(model) for model in (AuditEvent, Decision, Document, Objection, Household,
                                     Person, OutboxMessage, Message)),
        total(Message, f" WHERE {q(Message._meta.get_field('read_at').column)} IS NULL"),
    ])


def fingerprint():
    """What a request may have changed, in one statement: (the casework rows, the number
    of unread messages). Cases, tasks, processes, reviews and entitlements row by row
    (a case's version moves with every change and history event), the other tables by
    their size."""
    with connection.cursor() as cursor:
        cursor.execute(_fingerprint_sql())
        found = sorted(cursor.fetchall(), key=lambda row: (row[0], row[1]))
    unread = [row for row in found if row[0] == "Message unread"]
    return [row for row in found if row[0] != "Message unread"], unread


def _prepare(world, role, probe):
    """``assign``: the task assigned to the caller if the caller may act on it, else to the
    place's reviewer of that step."""
    task = Task.objects.get(pk=probe.obj.pk)
    step = task.flow_task.name
    if may_act(role, probe.place, step):
        owner = world.users[role]
    else:
        level = {"township_review": "township", "district_review": "district",
                 "appeal_review": "township"}.get(step, "village")
        owner = world.places[probe.place].reviewers[level]
    with task.activation() as activation:
        activation.assign(owner)


def _second_factor(client, user):
    """The session verified by the user's authenticator, as after entering its code, for a
    user who owes a second factor (``casework.twofactor``: district approvers, auditors,
    administrators)."""
    try:
        from tests.auth.support import give_device, needs_second_factor, verify_session
    except ImportError:  # no two-factor
        return
    if needs_second_factor(user):
        verify_session(client, give_device(user))


def clients(world, role):
    """(pages, api): a session for the pages, the token for the API."""
    pages = Client()
    api = Client()
    if role != ANON:
        user = type(world.users[role]).objects.get(pk=world.users[role].pk)
        pages.force_login(user)
        _second_factor(pages, user)
        api = Client(HTTP_AUTHORIZATION=f"Token {world.tokens[role]}")
    return pages, api


def check(world, role, probe, pages, api, baseline, seen) -> list[str]:
    """Send the probe in a rolled-back savepoint; what is wrong with the answer. Adds the
    places whose residents the answer shows to ``seen``."""
    route, rule = probe.route, probe.rule
    url = route.url(probe.params)
    client = api if route.namespace == "api" else pages
    allowed = expected_allowed(probe, role)
    where = f"{probe.method} {url} ({route.name}"
    where += f", {probe.place}" if probe.place else ""
    where += f", {probe.label})" if probe.label else ")"
    wanted = "allowed" if allowed else "refused"
    with transaction.atomic():
        before = baseline
        if rule.prepare:
            _prepare(world, role, probe)
            before = fingerprint()
        try:
            with transaction.atomic():
                kind, body = (BODIES[rule.body](world, probe.place, probe.obj)
                              if rule.body and probe.obj is not None else ("form", {}))
                if probe.method == "GET":
                    response = client.get(url)
                elif probe.method == "POST" and kind == "json":
                    response = client.post(url, body, content_type="application/json")
                elif probe.method == "POST":
                    response = client.post(url, body)
                else:  # a side door, with the POST's body if it is JSON
                    response = client.generic(probe.method, url, **(
                        {"data": json.dumps(body), "content_type": "application/json"}
                        if kind == "json" else {}))
                after = fingerprint()
        except Exception as exc:  # every exception is a finding
            transaction.set_rollback(True)
            return [f"{where}: expected {wanted}, raised {type(exc).__name__}: {exc}"]
        transaction.set_rollback(True)
    problems = []
    changed = after[0] != before[0] or (after[1] != before[1] and not rule.personal)
    got = verdict(response, url, rule)
    shown = f"{response.status_code}" + (
        f" -> {response['Location']}" if response.status_code in REDIRECTS else "")
    if not getattr(response, "streaming", False):  # a document's bytes are not read
        shown_places = {place for place in (*PLACES, NEIGHBOURS)
                        if marker(place).encode() in response.content}
        seen |= shown_places
        leaked = sorted(shown_places - VISIBLE[role])
        if leaked:
            problems.append(f"{where}: the answer ({shown}) shows residents of {leaked}")
    if probe.method == "POST" and rule.post is None:  # the auditor's POST to any URL
        if changed:
            problems.append(f"{where}: the auditor's POST changed data (answered {shown})")
        return problems
    if probe.method in SIDE_DOORS:
        if changed and (role == AUDITOR or not expected_allowed(
                replace(probe, method="POST"), role)):
            problems.append(f"{where}: changed data that a POST may not (answered {shown})")
        return problems
    if allowed:
        if got != "allowed":
            problems.append(f"{where}: expected allowed, got {shown}")
        elif rule.must_change and probe.method == "POST" and not changed:
            problems.append(f"{where}: expected allowed, answered {shown} but did nothing")
    else:
        refused = got == "refused" or (
            rule.silent and got == "allowed" and not changed) or (
            rule.field_errors and got == "field_error")
        if not refused:
            problems.append(f"{where}: expected refused, got {shown}"
                            + (" and it changed data" if changed else ""))
        elif changed:
            problems.append(f"{where}: refused ({shown}) but it changed data")
    if changed and (probe.method == "GET" or role == AUDITOR):
        problems.append(f"{where}: a {'GET' if probe.method == 'GET' else 'POST by the auditor'}"
                        f" changed data (answered {shown})")
    return problems


# --- the matrix ------------------------------------------------------------------------------

@pytest.fixture
def _quiet_refusals():
    """Thousands of 403 and 404 are the point here: django.request logs only errors."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.usefixtures("_quiet_refusals")
def test_access_matrix(world, db, role):
    """Every URL pattern, as ``role``, inside and outside its area: the table holds."""
    problems = []
    for route in matrix_routes():
        try:
            rule_for(route)
        except NoRule as exc:
            problems.append(str(exc))
    assert not problems, "URL patterns without an access rule:\n" + "\n".join(problems)

    pages, api = clients(world, role)
    baseline = fingerprint()
    failures, sent, patterns, seen = [], 0, set(), set()
    for route in matrix_routes():
        for probe in probes(world, role, route):
            failures += check(world, role, probe, pages, api, baseline, seen)
            sent += 1
            patterns.add(route.path)
    print(f"{role}: {len(patterns)} URL patterns, {sent} requests")
    assert not failures, (f"{len(failures)} of {sent} requests as {role} broke the access "
                          "table:\n" + "\n".join(failures))
    # the markers work: the role's answers did show the residents of its places
    expected_seen = VISIBLE[role] - {NEIGHBOURS}
    assert expected_seen <= seen, f"no answer showed the residents of {expected_seen - seen}"


def test_the_admin_is_for_superusers_only(world, db):
    """The admin is outside the matrix (its own checks): only a superuser gets in. Staff
    roles are not Django staff; one made so by mistake still sees no model."""
    urls = ("/admin/", "/admin/casework/case/", "/admin/casework/household/",
            f"/admin/casework/case/{world.places[HOME].cases['village'].pk}/change/",
            "/admin/casework/user/")
    for role in ROLES:
        pages, _ = clients(world, role)
        for url in urls:
            response = pages.get(url)
            if role == ADMIN:
                assert response.status_code == 200, (role, url, response.status_code)
            else:
                assert response.status_code == 302, (role, url, response.status_code)
                assert response["Location"].startswith("/admin/login/"), (role, url)
    auditor = world.users[AUDITOR]
    with transaction.atomic():
        type(auditor).objects.filter(pk=auditor.pk).update(is_staff=True)
        pages, _ = clients(world, AUDITOR)
        for url in urls[1:]:
            assert pages.get(url).status_code == 403, url
        assert pages.post(urls[1], {"action": "delete_selected", "_selected_action": [
            world.places[HOME].cases["village"].pk]}).status_code == 403
        transaction.set_rollback(True)
