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
  endpoint cannot ship without a stated rule. A URL whose objects come at several
  levels may have a tuple of rules, one per target (a village's reporting round and a
  township's).
- The world (``world``): the same objects in four places: village v11 and village v12
  (township t1), village v21 (township t2), all in district 330703, and a village of
  another district (330704). In each: a household with a case at every step (village,
  objection, township and district review, returned to the family, in public notice,
  closed) with its viewflow tasks, a document, entitlements with a re-certification
  review open and one decided, a spare member to apply for, and an in-app message for
  its family; and the association's records of the year (``_association``, made by the
  place's own keepers through the apps' services): the village's health-check campaign,
  a contact member looking after the family's household with reports in the village's
  round and in the township's, a partner and a running pairing contract with its scan
  and a visit, the township's income project with the household in it, the village's
  association unit and an office holder, a training session with its attendance, an
  activity day, last year's assessment, a welfare-fund grant to one of the household's
  cases, a dues campaign of the township, and a spare household and a non-member for
  the probes that create. Built once for the module, in a transaction rolled back at
  its end.
- The roles (``ROLES``): anonymous; the family of the v11 household (``family``); the
  family of another v11 household (``neighbour``); the village reviewer of v11, the
  township approver of t1; the district approver, the auditor and the administrator
  (superuser) of district 330703. ``VISIBLE`` says which places each may see: v11 is
  inside for every role but the neighbour and the anonymous, v12 only for the township
  and the district-wide roles, v21 only for the district-wide roles, the other district
  for nobody. That is for a village's records; a township's (a project, a dues
  campaign, a township's round) are read by the staff of the township and the district
  (``AT_TOWNSHIP``), some of them by its villages' reviewers too (``TOWNSHIP_WIDE``): a
  rule's ``reach`` names the table for its GET, its ``level`` the one for its write.
- Each role requests every pattern with its path filled from each place (GET where the
  rule reads, with the rule's ``query``; its write, a POST or an API detail's PATCH, with
  a body the keeper's write accepts, or a minimal one, where it writes; where a task is
  the target, each step's task, and the rule says who acts on which step); the other
  write methods (POST, PUT, PATCH, DELETE) go to every pattern too. Each request runs in
  a savepoint rolled back after it, so every request sees the same world.
- Allowed is 2xx, or a redirect within the same app; refused is 401, 403, 404, a redirect
  to the login page, or to another app (a family sent from /workflow/ to /family/).
  Anything else (400, 405, 409, 500, an exception) fails: the probe did not reach the
  rule it was meant to test. Rules may accept a "silent" refusal (2xx/3xx that changes
  nothing: viewflow's bulk actions skip tasks outside the user's queue) or a 400 that
  names the field (a create whose body names a household outside the scope).

Whatever the table says, and checked on every request:
- a refused request changes nothing (``fingerprint``: cases, tasks, processes,
  decisions, history, documents, objections, households, people, memberships, dues,
  entitlements, reviews, messages read, the record events and every table of the
  association's records), and a GET changes nothing but the caller's own messages' read
  marks;
- the auditor changes nothing with any request: every pattern is also POSTed as the
  auditor, whatever its rule; the other methods change nothing the URL's write may not;
- no answer, allowed or not, shows a resident of a place outside the role's area: every
  resident's name carries its place's marker (``marker``).
"""

import json
import logging
import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
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

from casework.contacts import services as contacts
from casework.contacts.models import ContactAssignment, ContactReport, ReportingRound
from casework.duescampaigns import services as duescampaigns
from casework.duescampaigns.models import DuesCampaign
from casework.fund import services as fund
from casework.fund.models import FundEntry, FundYear
from casework.healthchecks import services as healthchecks
from casework.healthchecks.models import HealthCheckCampaign, HealthCheckRecord
from casework.models import (
    Area,
    AuditEvent,
    Case,
    CaseStatus,
    Decision,
    Document,
    DuesPayment,
    Entitlement,
    Household,
    Membership,
    Message,
    Objection,
    OutboxMessage,
    Person,
    RecordEvent,
)
from casework.organisation import services as organisation
from casework.organisation.models import (
    ActivityDay,
    Assessment,
    AssessmentCriterion,
    AssessmentScore,
    OfficeHolder,
    OrgUnit,
    TrainingAttendance,
    TrainingSession,
)
from casework.pairings import services as pairings
from casework.pairings.models import PairingContract, PairingVisit, Partner
from casework.personal.identity import make_resident_id
from casework.projects import services as projects
from casework.projects.models import IncomeProject, ProjectApplication, ProjectHousehold
from eligibility.defaults import install_programs
from tests import factories as f
from tests.support.journey import open_task
from tests.workflows.test_recertification import YEAR, change_parameter
from workflows.appeals.flow import decide_appeal, lodge_appeal
from workflows.applications import services
from workflows.models import Recertification
from workflows.recertification.flow import decide_review, recertify
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
# who may approve each step's fixture task in bulk (workflows.bulk.services): never an objection
# review, and the district review's case is a cash program's (pension subsidy)
BULK_ACTORS = {"village_review": frozenset({VILLAGE}), "township_review": frozenset({TOWNSHIP})}

# the association's own records (issue 11): each belongs to a village, a township or the
# district, and is kept by the keeper role of that level (casework.access.may_keep) or an
# administrator in scope; every staff role whose area holds the record reads it
TOWNSHIP_KEEPERS = frozenset({TOWNSHIP, ADMIN})  # a township's projects
DISTRICT_KEEPERS = frozenset({DISTRICT, ADMIN})  # the welfare fund, the dues campaigns
# a village's pairings and its association unit: its own reviewer or its township's
# approver (casework.pairings.services.may_keep_pairings, organisation.may_keep_unit)
VILLAGE_OR_TOWNSHIP = frozenset({VILLAGE, TOWNSHIP, ADMIN})
ASSESSORS = frozenset({TOWNSHIP, DISTRICT, ADMIN})  # a village's model-association score
ROUND_OPENERS = frozenset({VILLAGE, TOWNSHIP, ADMIN})  # a village's or a township's round
ORGANISERS = STAFF - {AUDITOR}  # keep some level's records: units, training, activity days

# which places' records each role reads, for records that are not a village's (a rule's
# ``reach`` for its GET, ``level`` for its write; "village" is ``VISIBLE``)
_T1 = frozenset({HOME, OTHER_VILLAGE})  # the places of township t1
_IN_DISTRICT = frozenset({HOME, OTHER_VILLAGE, OTHER_TOWNSHIP})
_NONE = {role: frozenset() for role in ROLES}
# a township's own records: its staff and the district's
AT_TOWNSHIP = {**_NONE, TOWNSHIP: _T1, DISTRICT: _IN_DISTRICT, AUDITOR: _IN_DISTRICT,
               ADMIN: _IN_DISTRICT}
# a township's records that the staff of its villages read too (its projects, its
# partners, its dues campaign: what their families may join or owe)
TOWNSHIP_WIDE = {**AT_TOWNSHIP, VILLAGE: _T1}
# what is no place's (policy data, the caller's own district's fund), probed at HOME
ANY_PLACE = {role: frozenset(PLACES) for role in ROLES}
REACH = {"village": VISIBLE, "township": AT_TOWNSHIP, "township_wide": TOWNSHIP_WIDE,
         "any": ANY_PLACE}


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
    write: str = "POST"  # the method of the write (an API detail endpoint's is PATCH)
    reach: str = "village"  # whose records the target is, for the GET (REACH)
    level: str = "village"  # the same for the write: who may keep it (REACH)
    query: str = ""  # appended to the URL ("{year}": the current year)


CASE_READ = Rule(get=AUTH, target="case")

RULES = {
    "home": Rule(get=AUTH, anywhere=True),  # families to /family/, staff to /workflow/
    # REST API (token)
    "api:me": Rule(get=AUTH),
    "api:programs": Rule(get=AUTH),
    "api:program-parameters": Rule(get=AUTH, target="program", reach="any"),  # policy data
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
    # a granted case's card and its decision letter, as PDF (workflows.printing.views)
    "printing:card": Rule(get=AUTH, target="closed"),
    "printing:letter": Rule(get=AUTH, target="closed"),
    # staff UI (families are sent to /family/)
    "index": Rule(get=STAFF),
    "messages:index": Rule(get=STAFF, personal=True),
    "messages:read_all": Rule(post=STAFF, personal=True),
    # the auditor's workspace (workflows.auditor.views): read-only, for auditors and district
    # approvers inside their area; an export without its purpose is the form asking for it
    "auditor:index": Rule(get=AUDITORS, post=NOBODY),
    "auditor:case": Rule(get=AUDITORS, post=NOBODY, target="case"),
    "auditor:export_csv": Rule(get=AUDITORS, post=NOBODY),
    "auditor:export_xlsx": Rule(get=AUDITORS, post=NOBODY),
    "auditor:records": Rule(get=AUDITORS, post=NOBODY),
    # the reports (workflows.reports.views): aggregate numbers of the caller's own area,
    # read-only, for township and district staff, auditors and administrators
    "reports:index": Rule(get=REPORTERS, post=NOBODY),
    "reports:export_xlsx": Rule(get=REPORTERS, post=NOBODY),
    # the household register (workflows.register.views): staff read their area's
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
    # the membership drive (register_views.drive): the village's roster keepers
    "register:drive": Rule(get=KEEPERS),
    "register:drive_village": Rule(get=KEEPERS, post=KEEPERS, target="village_code",
                                   body="drive_form", must_change=True),
    # dues campaigns (workflows.duescampaigns): a township's or the district's, read by
    # the staff of the area and of the areas under it, opened and changed by the
    # district's keepers
    "register:duescampaigns-list": Rule(get=STAFF),
    "register:duescampaigns-new": Rule(get=DISTRICT_KEEPERS, post=DISTRICT_KEEPERS),
    "register:duescampaigns-edit": Rule(get=DISTRICT_KEEPERS, post=DISTRICT_KEEPERS,
                                        target="dues_campaign", reach="township",
                                        level="township"),
    "register:duescampaigns-rates": Rule(get=STAFF),
    "api:duescampaigns-list": Rule(get=AUTH, post=DISTRICT_KEEPERS, target="township",
                                   body="dues_campaign", level="township"),
    "api:duescampaigns-rates": Rule(get=STAFF),  # a family has no area: 404
    "api:duescampaigns-membership-drive": Rule(post=KEEPERS, target="village", body="drive",
                                               must_change=True),
    # the statistics report to the city association (workflows.statistics): a township's
    # or the district's figures, for those who read the reports
    "reports:statistics": Rule(get=REPORTERS, post=NOBODY),
    "reports:statistics_xlsx": Rule(get=REPORTERS, post=NOBODY),
    "reports:statistics_pdf": Rule(get=REPORTERS, post=NOBODY),
    "api:statistics": Rule(get=REPORTERS, target="township", reach="township",
                           query="?year={year}"),
    # health checks (workflows.healthchecks): a village's campaign, kept by its reviewer
    "healthchecks:index": Rule(get=STAFF),
    "healthchecks:open": Rule(get=KEEPERS, post=KEEPERS),
    "healthchecks:coverage": Rule(get=STAFF),
    "healthchecks:campaign": Rule(get=STAFF, post=KEEPERS, target="hc_campaign",
                                  body="hc_results_form", must_change=True),
    "healthchecks:edit": Rule(get=KEEPERS, post=KEEPERS, target="hc_campaign"),
    "healthchecks:refresh": Rule(post=KEEPERS, target="hc_campaign"),
    "healthchecks:export": Rule(get=STAFF, target="hc_campaign"),
    "api:healthchecks-campaigns": Rule(get=AUTH, post=KEEPERS, target="village",
                                       body="hc_open", must_change=True),
    "api:healthchecks-campaign": Rule(get=STAFF, post=KEEPERS, target="hc_campaign",
                                      body="hc_change", write="PATCH", must_change=True),
    "api:healthchecks-records": Rule(get=STAFF, post=KEEPERS, target="hc_campaign",
                                     body="hc_results", must_change=True),
    "api:healthchecks-refresh": Rule(post=KEEPERS, target="hc_campaign"),
    "api:healthchecks-coverage": Rule(get=AUTH),  # a family's: empty
    "family:healthchecks_mine": Rule(get=FAMILIES),
    # contact households (workflows.contacts): a village's assignments and reports, kept
    # by its reviewer; its rounds (a township's rounds: its approver's)
    "contacts:index": Rule(get=STAFF),
    "contacts:village": Rule(get=STAFF, target="village_code"),
    "contacts:assign": Rule(get=KEEPERS, post=KEEPERS, target="village_code"),
    "contacts:end": Rule(get=KEEPERS, post=KEEPERS, target="assignment"),
    "contacts:rounds": Rule(get=STAFF),
    "contacts:round_new": Rule(get=ROUND_OPENERS, post=ROUND_OPENERS),
    # a township's round is read by its villages' staff too (each of its own villages'
    # part), closed by the township's approver; each village files its own reports
    "contacts:round": (Rule(get=STAFF, target="round"),
                       Rule(get=STAFF, target="township_round", reach="township_wide")),
    "contacts:round_close": (Rule(post=KEEPERS, target="round", must_change=True),
                             Rule(post=TOWNSHIP_KEEPERS, target="township_round",
                                  level="township", must_change=True)),
    "contacts:round_report": (Rule(get=KEEPERS, post=KEEPERS, target="round_village",
                                   body="report_form", must_change=True),
                              Rule(get=KEEPERS, post=KEEPERS, target="township_round_village",
                                   body="report_form", must_change=True)),
    # a contact or household the caller may not see is a 400 naming it
    "api:contacts-assignments": Rule(get=AUTH, post=KEEPERS, target="village", body="assign",
                                     field_errors=True, must_change=True),
    "api:contacts-assignment-end": Rule(post=KEEPERS, target="assignment", body="until",
                                        must_change=True),
    "api:contacts-rounds": Rule(get=AUTH, post=KEEPERS, target="village", body="round",
                                field_errors=True, must_change=True),
    "api:contacts-round-close": (Rule(post=KEEPERS, target="round", must_change=True),
                                 Rule(post=TOWNSHIP_KEEPERS, target="township_round",
                                      level="township", must_change=True)),
    # the contact named in the body, of another village, is a 400 naming it
    "api:contacts-round-reports": (Rule(get=STAFF, post=KEEPERS, target="round",
                                        body="report", must_change=True),
                                   Rule(get=STAFF, post=KEEPERS, target="township_round",
                                        body="report", reach="township_wide",
                                        field_errors=True, must_change=True)),
    "api:contacts-round-missing": (Rule(get=STAFF, target="round"),
                                   Rule(get=STAFF, target="township_round",
                                        reach="township_wide")),
    "api:contacts-round-rollup": (Rule(get=STAFF, target="round"),
                                  Rule(get=STAFF, target="township_round",
                                       reach="township_wide")),
    "family:contacts_mine": Rule(get=FAMILIES),
    # assistance pairings (workflows.pairings): a village's contracts, kept by its
    # reviewer and its township's approver; a family reads its own contracts; the
    # partners (enterprises here) are read by the staff of their township
    "pairings:index": Rule(get=STAFF),
    "pairings:contract": Rule(get=STAFF, post=VILLAGE_OR_TOWNSHIP, target="contract"),
    "pairings:contract_end": Rule(get=VILLAGE_OR_TOWNSHIP, post=VILLAGE_OR_TOWNSHIP,
                                  target="contract"),
    "pairings:contract_document": Rule(get=STAFF, target="contract"),
    "pairings:households": Rule(get=STAFF),
    "pairings:contract_new": Rule(get=VILLAGE_OR_TOWNSHIP, post=VILLAGE_OR_TOWNSHIP,
                                  target="household"),
    "pairings:partners": Rule(get=STAFF),
    "pairings:partner_add": Rule(get=VILLAGE_OR_TOWNSHIP, post=VILLAGE_OR_TOWNSHIP),
    "pairings:partner_active": Rule(post=VILLAGE_OR_TOWNSHIP, target="partner",
                                    must_change=True),
    "api:pairings-partners": Rule(get=AUTH, post=VILLAGE_OR_TOWNSHIP, target="village",
                                  body="partner", must_change=True),
    "api:pairings-contracts": Rule(get=AUTH, post=VILLAGE_OR_TOWNSHIP, target="village",
                                   body="contract", must_change=True),
    "api:pairings-contract": Rule(get=AUTH, target="contract"),
    "api:pairings-contract-end": Rule(post=VILLAGE_OR_TOWNSHIP, target="contract",
                                      body="contract_end", must_change=True),
    "api:pairings-contract-visits": Rule(get=AUTH, post=VILLAGE_OR_TOWNSHIP,
                                         target="contract", body="visit", must_change=True),
    "family:pairings_mine": Rule(get=FAMILIES),
    "family:pairings_document": Rule(get=FAMILIES, target="contract"),
    # income projects (workflows.projects): a township's, kept by its approver, read by
    # its villages' reviewers too (of its households, only their own village's)
    "projects:index": Rule(get=STAFF),
    "projects:create": Rule(get=TOWNSHIP_KEEPERS, post=TOWNSHIP_KEEPERS),
    "projects:project": Rule(get=STAFF, target="project", reach="township_wide"),
    "projects:edit": Rule(get=TOWNSHIP_KEEPERS, post=TOWNSHIP_KEEPERS, target="project",
                          reach="township", level="township"),
    "projects:household_add": Rule(get=TOWNSHIP_KEEPERS, post=TOWNSHIP_KEEPERS,
                                   target="project", reach="township", level="township"),
    "projects:household_support": Rule(get=TOWNSHIP_KEEPERS, post=TOWNSHIP_KEEPERS,
                                       target="project_household"),
    "projects:household_leave": Rule(get=TOWNSHIP_KEEPERS, post=TOWNSHIP_KEEPERS,
                                     target="project_household"),
    "api:projects-list": Rule(get=AUTH, post=TOWNSHIP_KEEPERS, target="township",
                              body="project", level="township", must_change=True),
    "api:projects-detail": Rule(get=STAFF, post=TOWNSHIP_KEEPERS, target="project",
                                body="project_change", write="PATCH", reach="township_wide",
                                level="township", must_change=True),
    "api:projects-households": Rule(get=STAFF, post=TOWNSHIP_KEEPERS, target="project",
                                    body="project_join", reach="township_wide",
                                    level="township", must_change=True),
    "api:projects-household": Rule(get=STAFF, post=TOWNSHIP_KEEPERS,
                                   target="project_household", body="support", write="PATCH",
                                   must_change=True),
    "api:projects-household-leave": Rule(post=TOWNSHIP_KEEPERS, target="project_household",
                                         body="leave", must_change=True),
    "family:projects_mine": Rule(get=FAMILIES),
    # the association's organisation (workflows.organisation): a village's unit and its
    # office holders (its reviewer or its township's approver), a migrant group (the
    # township's), training sessions and activity days (the organiser's keeper),
    # assessments (the township or the district); the criteria are policy data
    "organisation:index": Rule(get=STAFF),
    "organisation:unit_new": Rule(get=ORGANISERS, post=ORGANISERS),
    "organisation:unit": Rule(get=STAFF, target="unit"),
    "organisation:unit_edit": Rule(get=VILLAGE_OR_TOWNSHIP, post=VILLAGE_OR_TOWNSHIP,
                                   target="unit"),
    "organisation:unit_end": Rule(get=VILLAGE_OR_TOWNSHIP, post=VILLAGE_OR_TOWNSHIP,
                                  target="unit"),
    "organisation:holder_new": Rule(get=VILLAGE_OR_TOWNSHIP, post=VILLAGE_OR_TOWNSHIP,
                                    target="unit"),
    "organisation:holders": Rule(get=STAFF),
    "organisation:holder_end": Rule(get=VILLAGE_OR_TOWNSHIP, post=VILLAGE_OR_TOWNSHIP,
                                    target="holder"),
    "organisation:volunteers": Rule(get=STAFF),
    "organisation:trainings": Rule(get=STAFF),
    "organisation:training_new": Rule(get=ORGANISERS, post=ORGANISERS),
    "organisation:training": Rule(get=STAFF, target="training"),
    "organisation:training_edit": Rule(get=KEEPERS, post=KEEPERS, target="training"),
    "organisation:attendance": Rule(get=KEEPERS, post=KEEPERS, target="training"),
    "organisation:activities": Rule(get=STAFF),
    "organisation:activity_new": Rule(get=ORGANISERS, post=ORGANISERS),
    "organisation:activity_edit": Rule(get=KEEPERS, post=KEEPERS, target="activity"),
    "organisation:assessments": Rule(get=STAFF),
    "organisation:criteria": Rule(get=STAFF),
    # the village to assess is in the body: out of the caller's area a 404
    "organisation:assess": Rule(get=ASSESSORS, post=ASSESSORS, target="village",
                                body="assess_form"),
    "api:organisation-org-units": Rule(get=AUTH, post=TOWNSHIP_KEEPERS, target="village",
                                       body="migrant_group", must_change=True),
    "api:organisation-org-unit": Rule(get=STAFF, post=VILLAGE_OR_TOWNSHIP, target="unit",
                                      body="unit_change", write="PATCH", must_change=True),
    "api:organisation-org-unit-end": Rule(post=VILLAGE_OR_TOWNSHIP, target="unit",
                                          body="dissolve", must_change=True),
    "api:organisation-office-holders": Rule(get=STAFF, post=VILLAGE_OR_TOWNSHIP,
                                            target="unit", body="appoint", must_change=True),
    "api:organisation-office-holder-end": Rule(post=VILLAGE_OR_TOWNSHIP, target="holder",
                                               body="until", must_change=True),
    "api:organisation-training-sessions": Rule(get=AUTH, post=KEEPERS, target="village",
                                               body="training", must_change=True),
    "api:organisation-training-session": Rule(get=STAFF, target="training"),
    "api:organisation-training-attendance": Rule(get=STAFF, post=KEEPERS, target="training",
                                                 body="attendance", must_change=True),
    "api:organisation-activity-days": Rule(get=AUTH, post=KEEPERS, target="village",
                                           body="activity", must_change=True),
    "api:organisation-assessment-criteria": Rule(get=AUTH),  # policy data, no one's
    "api:organisation-assessments": Rule(get=AUTH, post=ASSESSORS, target="village",
                                         body="assessment", must_change=True),
    # the welfare fund (workflows.fund): the district's, kept by its approver; township
    # and village staff read the grants paid to their area's cases
    "fund:index": Rule(get=STAFF),
    "fund:book": Rule(get=DISTRICT_KEEPERS, post=DISTRICT_KEEPERS),
    "fund:reverse": Rule(get=DISTRICT_KEEPERS, post=DISTRICT_KEEPERS, target="fund_entry"),
    "api:fund-entries": Rule(get=AUTH, post=DISTRICT_KEEPERS, target="once", body="booking",
                             level="any", must_change=True),
    "api:fund-entry-reverse": Rule(post=DISTRICT_KEEPERS, target="fund_entry",
                                   body="reversal", must_change=True),
    "api:fund-year": Rule(get=STAFF, target="fund_year", reach="any"),
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
    # the association's records
    "program": frozenset({"code"}),  # not a place's (HOME only)
    "once": frozenset(),  # the caller's own district (HOME only)
    "township": frozenset({"area"}),
    "village_code": frozenset({"code", "village"}),
    "hc_campaign": frozenset({"pk"}),
    "assignment": frozenset({"pk"}),
    "round": frozenset({"pk"}),
    "round_village": frozenset({"pk", "code"}),
    "township_round": frozenset({"pk"}),
    "township_round_village": frozenset({"pk", "code"}),
    "partner": frozenset({"pk"}),
    "contract": frozenset({"pk"}),
    "project": frozenset({"pk"}),
    "project_household": frozenset({"pk", "hid"}),
    "unit": frozenset({"pk"}),
    "holder": frozenset({"pk"}),
    "training": frozenset({"pk"}),
    "activity": frozenset({"pk"}),
    "fund_entry": frozenset({"pk"}),
    "fund_year": frozenset({"year"}),
    "dues_campaign": frozenset({"pk"}),
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
    return rules_for(route)[0]


def rules_for(route: Route) -> tuple[Rule, ...]:
    """The route's rule and, where ``RULES`` gives a tuple, the same URL's further rules
    for other targets (a township's reporting round besides a village's), or ``NoRule``
    saying what to add."""
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
    rules = rule if isinstance(rule, tuple) else (rule,)
    for rule in rules:
        missing = route.params - TARGET_PARAMS.get(rule.target, frozenset())
        if missing:
            raise NoRule(f"{where}: path parameter(s) {sorted(missing)} are not filled by "
                         f"its rule's target {rule.target!r}; give the rule a target that "
                         "fills them, or add the parameter to TARGET_PARAMS and targets()")
    return rules


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


def process_id(row) -> int:
    """The process of a case (which its process names), a review or an appeal (whose row
    names its process)."""
    return row.process.pk if isinstance(row, Case) else row.process_id


def task_of(process_id, node) -> Task:
    """The newest task of ``node`` in the process."""
    return next(t for t in Task.objects.filter(process_id=process_id).order_by("-id")
                if t.flow_task.name == node)


def _end_notice(case):
    timer = Task.objects.get(process_id=case.process.pk, flow_task_type="TIMER",
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

    def home():
        return f.household(village, second_birth_renounced_date=date(1985, 3, 1),
                           hardship=True, annual_income_yuan=20000)

    def submit(code, *, own_home=False):
        """The family's application for one of its people; with ``own_home``, the
        village staff's for a pensioner of another household of the place (the pension
        subsidy's unit is the couple: one open application per household)."""
        if not own_home:
            return services.submit_application(actor=family, household=Household.objects.get(
                pk=hh.pk), program=programs[code], applicant=next(people))
        other = home()
        applicant = f.person(other, name=f"{mark} pensioner", birth=_birth())
        return services.submit_application(actor=vil, household=other, program=programs[code],
                                           applicant=applicant)

    def decide(user, case, outcome="approve", reason=""):
        services.decide(actor=user, task_id=open_task(case).pk, decision=outcome,
                        reason=reason)
        case.refresh_from_db()
        return case

    cases = {"village": submit("medical_discount")}
    cases["returned"] = decide(vil, submit("medical_discount"), "return", "请补充材料")
    cases["in_notice"] = decide(vil, submit("pension_subsidy", own_home=True))
    case = decide(vil, submit("pension_subsidy", own_home=True))
    services.lodge_objection(actor=vil, case=case, lodged_by_name="邻居", text="收入不实")
    cases["objection"] = _end_notice(case)
    cases["township"] = decide(vil, submit("medical_discount"))
    cases["district"] = decide(town, _end_notice(decide(vil, submit("pension_subsidy",
                                                                    own_home=True))))
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
    # two pensioners whose entitlements fail the year's re-check (the minimum age rises),
    # each of a household of their own (one live pension entitlement per couple)
    for _ in range(2):
        person = f.person(home(), name=f"{mark} pensioner", birth=_birth(YEAR - 64))
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


def _association(programs, p, today):
    """One place's records of the association's year (issue 11), made through the apps'
    services by the place's own keepers: the village's health-check campaign, a contact
    member looking after the family's household in a reporting round, a partner and a
    running pairing contract with its scanned copy and a visit, the township's income
    project with the household in it, the village's association unit with an office
    holder, a training session with its attendance, an activity day, an assessment of
    last year, a welfare-fund grant paid to one of the household's cases, and a spare
    household and a non-member for the probes that create."""
    mark = marker(p.name)
    village, township = p.village, p.village.parent
    vil, town, dist = (p.reviewers["village"], p.reviewers["township"],
                       p.reviewers["district"])
    helper = f.household(village)  # the contact member's own household
    contact = f.person(helper, name=f"{mark} contact", birth=_birth(1970))
    Membership.objects.filter(person=contact).update(role=Membership.Role.VOLUNTEER)
    newcomer = f.person(helper, name=f"{mark} newcomer", birth=_birth(1980), member=False,
                        relationship="child")
    spare = f.household(village, hardship=True)  # not looked after, paired or in a project
    f.person(spare, name=f"{mark} spare head", birth=_birth())
    campaign = healthchecks.open_campaign(
        actor=vil, village_code=village.code, year=today.year,
        first_day=date(today.year, 1, 1), last_day=date(today.year, 12, 31), venue="村委会")
    assignment, = contacts.assign_contact(actor=vil, contact=contact, households=[p.household],
                                          since=today - timedelta(days=30))
    round_ = contacts.open_round(actor=vil, area=village, title=f"每日一报 {p.name}",
                                 first_day=today - timedelta(days=5),
                                 last_day=today + timedelta(days=5))
    township_round = contacts.open_round(actor=town, area=township,
                                         title=f"逢4、7、10报 {p.name}",
                                         first_day=today - timedelta(days=5),
                                         last_day=today + timedelta(days=5))
    for reporting in (round_, township_round):
        contacts.file_report(actor=vil, round=reporting, contact=contact,
                             report_date=today - timedelta(days=1),
                             entries=[contacts.ReportEntry(p.household, "all_well")])
    partner = pairings.add_partner(actor=vil, kind="enterprise", name=f"养鸡合作社 {p.name}",
                                   trade="广东山黄鸡", area=village)
    contract = pairings.sign_contract(actor=vil, household=p.household, data=pairings.ContractInput(
        partner=partner, signed_on=today - timedelta(days=60),
        starts_on=today - timedelta(days=60), ends_on=today + timedelta(days=300),
        terms="一帮一", document=SimpleUploadedFile("contract.pdf", PDF)))
    pairings.record_visit(actor=vil, contract=contract, visited_on=today - timedelta(days=10),
                          visited_by="village", visitor_name="村协会")
    project = projects.create_project(actor=town, area_code=township.code,
                                      name=f"白桃基地 {p.name}", started_on=date(2020, 1, 1),
                                      support="技术培训")
    in_project = projects.add_household(actor=town, project=project, household=p.household,
                                        joined_on=today - timedelta(days=30),
                                        support_given="桃苗", support_yuan=Decimal("100"))
    unit = organisation.create_unit(actor=vil, kind=OrgUnit.Kind.VILLAGE, area=village,
                                    name=f"{village.name}计生协会", founded_on=date(2010, 1, 1))
    holder = organisation.appoint_office_holder(
        actor=vil, unit=unit, office=OfficeHolder.Office.FULLTIME_VICE_PRESIDENT,
        since=date(2020, 1, 1), person=contact)
    training = organisation.create_training_session(
        actor=vil, area=village, title="服务员培训", first_day=today - timedelta(days=20),
        last_day=today - timedelta(days=20))
    organisation.record_attendance(actor=vil, session=training, other_attendees=3,
                                   attendees=[organisation.AttendeeInput(person=contact)])
    activity = organisation.record_activity_day(actor=vil, area=village, title="5·29",
                                                held_on=today - timedelta(days=15))
    last_year = today.year - 1
    organisation.record_assessment(
        actor=town, village=village, year=last_year, assessed_on=today,
        scores={c.code: 10 for c in organisation.criteria_for(last_year)})
    grantee = f.person(p.household, name=f"{mark} grantee", birth=_birth())
    grant = fund.reserve_grant(case=f.case(grantee, programs["welfare_grant"], filed_by=vil),
                               amount=Decimal("500.00"), on=today, actor=dist)
    return SimpleNamespace(
        contact=contact, newcomer=newcomer, spare=spare, campaign=campaign,
        assignment=assignment, round=round_, township_round=township_round, partner=partner,
        contract=contract,
        project=project, in_project=in_project, unit=unit, holder=holder, training=training,
        activity=activity, grant=grant)


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
                place.tasks[flow, node] = task_of(process_id(row), node)
        place.processes = {flow: process_id(place.cases.get(source)
                                            or place.reviews.get(source)
                                            or place.appeals[source])
                           for flow, source in FLOW_PROCESS.items()}
    # the association's year: the welfare fund's income of each district, each place's
    # records, the dues campaigns (t1 this year and last, t2, the far township)
    today = timezone.localdate()
    for approver in districts.values():
        fund.book_entry(actor=approver, kind=FundEntry.Kind.ALLOCATION,
                        amount_yuan=Decimal("100000.00"), booked_on=today,
                        counterparty="区财政")
    for place in places.values():
        place.assoc = _association(programs, place, today)
    # t1's round of the HOME place holds v12's report too: v11's staff see only v11's
    other = places[OTHER_VILLAGE]
    contacts.file_report(actor=other.reviewers["village"], round=places[HOME].assoc.township_round,
                         contact=other.assoc.contact, report_date=today - timedelta(days=1),
                         entries=[contacts.ReportEntry(other.household, "to_report", "返乡")])
    for place, year in ((HOME, today.year), (OTHER_VILLAGE, today.year - 1),
                        (OTHER_TOWNSHIP, today.year), (OTHER_DISTRICT, today.year)):
        p = places[place]
        p.assoc.dues_campaign = duescampaigns.open_campaign(
            actor=p.reviewers["district"], area=p.village.parent, year=year,
            starts_on=date(year, 1, 1), ends_on=date(year, 12, 31), target_percent=80)
    messages = {role: _own_message(user, now) for role, user in users.items()
                if role != FAMILY}
    messages[FAMILY] = places[HOME].message
    tokens = {role: Token.objects.create(user=user).key for role, user in users.items()}
    return SimpleNamespace(programs=programs, users=users, places=places, messages=messages,
                           tokens=tokens, today=today)


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
    a = p.assoc
    if kind == "program":
        return [(None, {"code": "medical_discount"}, None)] if place == HOME else []
    if kind == "once":  # not a place's: the caller's own (probed once)
        return [(None, {}, p.village)] if place == HOME else []
    if kind == "fund_year":
        return [(None, {"year": world.today.year}, None)] if place == HOME else []
    if kind == "township":
        return [(None, {"area": p.village.parent_id}, p.village.parent)]
    if kind == "village_code":
        return [(None, dict.fromkeys(("code", "village"), p.village.code), p.village)]
    if kind in ("round_village", "township_round_village"):
        round_ = a.round if kind == "round_village" else a.township_round
        return [(None, {"pk": round_.pk, "code": p.village.code}, round_)]
    if kind == "project_household":
        return [(None, {"pk": a.project.pk, "hid": a.in_project.pk}, a.in_project)]
    rows = {"hc_campaign": a.campaign, "assignment": a.assignment, "round": a.round,
            "township_round": a.township_round,
            "partner": a.partner, "contract": a.contract, "project": a.project,
            "unit": a.unit, "holder": a.holder, "training": a.training,
            "activity": a.activity, "fund_entry": a.grant,
            "dues_campaign": getattr(a, "dues_campaign", None)}
    if rows.get(kind) is not None:
        return [(None, _ids(rows[kind], "pk"), rows[kind])]
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


# methods a URL does not take for its write: sent to every URL, inside the area, they
# may change nothing that the URL's write (its rule's ``write``: a POST, or an API
# endpoint's PATCH) could not
SIDE_DOORS = ("POST", "PUT", "PATCH", "DELETE")


def side_doors(rule: Rule) -> tuple[str, ...]:
    return tuple(method for method in SIDE_DOORS if method != rule.write)


def probes(world, role, route) -> list[Probe]:
    flow_route = route.name.split(":")[0] in NODE_TASKS
    found = []
    for index, rule in enumerate(rules_for(route)):
        methods = [("GET", rule.get), (rule.write, rule.post)]
        if index == 0:  # the side doors (and the auditor's POST) once per URL
            methods += [(m, NOBODY) for m in side_doors(rule)]
        for method, roles in methods:
            if roles is None and not (method == "POST" and role == AUDITOR and index == 0):
                continue  # the auditor POSTs everything: nothing may change
            if not route.params and (method == "GET" or rule.target is None):
                found.append(Probe(route, rule, method))
                continue
            for place in (PLACES if method in ("GET", rule.write) else (HOME,)):
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
    # the association's records: a body each keeper's write accepts (another year's
    # campaign, a spare household, today's report...), so the rule decides, not the input
    "hc_open": lambda w, p, obj: _json({
        "area": obj.code, "year": w.today.year + 1, "first_day": f"{w.today.year + 1}-03-01",
        "last_day": f"{w.today.year + 1}-03-31"}),
    "hc_change": lambda w, p, obj: _json({"venue": "matrix"}),
    "hc_results": lambda w, p, obj: _json({"results": [{
        "person": w.places[p].assoc.contact.pk, "result": "done",
        "checked_on": _day(w)}]}),
    "hc_results_form": lambda w, p, obj: ("form", {
        "persons": str(w.places[p].assoc.contact.pk),
        f"result_{w.places[p].assoc.contact.pk}": "done",
        f"day_{w.places[p].assoc.contact.pk}": _day(w)}),
    "assign": lambda w, p, obj: _json({"contact": w.places[p].assoc.contact.pk,
                                       "households": [w.places[p].assoc.spare.pk]}),
    "until": lambda w, p, obj: _json({"until": _day(w)}),
    "round": lambda w, p, obj: _json({"area": obj.code, "title": "matrix",
                                      "first_day": _day(w), "last_day": _day(w, 3)}),
    "report": lambda w, p, obj: _json({
        "report_date": _day(w), "contact": w.places[p].assoc.contact.pk,
        "entries": [{"household": w.places[p].household.pk, "status": "to_report",
                     "note": "matrix"}]}),
    "report_form": lambda w, p, obj: ("form", {
        "date": _day(w), "contact": w.places[p].assoc.contact.pk,
        f"c{w.places[p].assoc.contact.pk}-status_{w.places[p].household.pk}": "to_report"}),
    "partner": lambda w, p, obj: _json({"kind": "enterprise", "name": "matrix",
                                        "trade": "matrix", "area": obj.code}),
    "contract": lambda w, p, obj: _json({
        "household": w.places[p].assoc.spare.pk, "partner": w.places[p].assoc.partner.pk,
        "signed_on": _day(w), "starts_on": _day(w), "ends_on": _day(w, 365),
        "terms": "matrix"}),
    "contract_end": lambda w, p, obj: _json({"ended_on": _day(w), "end_reason": "matrix"}),
    "visit": lambda w, p, obj: _json({"visited_on": _day(w), "visited_by": "village",
                                      "visitor_name": "matrix"}),
    "project": lambda w, p, obj: _json({"area": obj.code, "name": "matrix",
                                        "started_on": _day(w), "support": "matrix"}),
    "project_change": lambda w, p, obj: _json({"lead": "matrix"}),
    "project_join": lambda w, p, obj: _json({"household": w.places[p].assoc.spare.pk,
                                             "joined_on": _day(w)}),
    "support": lambda w, p, obj: _json({"support_given": "matrix", "support_yuan": "12.50"}),
    "leave": lambda w, p, obj: _json({"left_on": _day(w)}),
    "migrant_group": lambda w, p, obj: _json({
        "kind": "migrant_group", "basis": "trade", "area": obj.code, "name": "matrix",
        "founded_on": _day(w)}),
    "unit_change": lambda w, p, obj: _json({"note": "matrix"}),
    "dissolve": lambda w, p, obj: _json({"dissolved_on": _day(w)}),
    "appoint": lambda w, p, obj: _json({"office": "council_member", "name": "matrix",
                                        "sex": "F", "since": _day(w)}),
    "training": lambda w, p, obj: _json({"area": obj.code, "title": "matrix",
                                         "first_day": _day(w), "last_day": _day(w)}),
    "attendance": lambda w, p, obj: _json({"attendees": [{"name": "matrix"}],
                                           "other_attendees": 1}),
    "activity": lambda w, p, obj: _json({"area": obj.code, "held_on": _day(w),
                                         "title": "matrix"}),
    "assessment": lambda w, p, obj: _json({
        "area": obj.code, "year": w.today.year, "assessed_on": _day(w),
        "scores": [{"criterion": c.code, "score": 10}
                   for c in organisation.criteria_for(w.today.year)]}),
    "assess_form": lambda w, p, obj: ("form", {"village": obj.code, "year": w.today.year}),
    "booking": lambda w, p, obj: _json({"kind": "donation", "amount_yuan": "10.00",
                                        "booked_on": _day(w), "counterparty": "matrix"}),
    "reversal": lambda w, p, obj: _json({"note": "matrix"}),
    "dues_campaign": lambda w, p, obj: _json({
        "area": obj.code, "year": w.today.year + 1, "starts_on": f"{w.today.year + 1}-01-01",
        "ends_on": f"{w.today.year + 1}-03-31"}),
    "drive": lambda w, p, obj: _json({"village": obj.code, "joined": _day(w), "entries": [
        {"person": w.places[p].assoc.newcomer.pk}]}),
    "drive_form": lambda w, p, obj: ("form", {
        "person": w.places[p].assoc.newcomer.pk, "joined": _day(w), "role": "member",
        "scheme": "generate"}),
}


def _day(world, days: int = 0) -> str:
    return (world.today + timedelta(days=days)).isoformat()


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
    return probe.place in REACH[rule.reach if probe.method == "GET" else rule.level][role]


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

    def text(model, name):
        return f"CAST({q(model._meta.get_field(name).column)} AS TEXT)"

    def rows(model, first, *more):
        """Each row: its id, ``first`` and the ``more`` fields joined (as text)."""
        rest = " || '|' || ".join(f"COALESCE({text(model, name)}, '')" for name in more)
        return (f"SELECT '{model.__name__}', {q(model._meta.pk.column)}, "
                f"{text(model, first)}, {rest or 'NULL'} FROM {q(model._meta.db_table)}")

    def total(model, where=""):
        return (f"SELECT '{model.__name__}{where and ' unread'}', COUNT(*), NULL, NULL "
                f"FROM {q(model._meta.db_table)}{where}")

    return " UNION ALL ".join([
        rows(Case, "status", "version"), rows(Task, "status", "owner"),
        rows(Process, "status"), rows(Recertification, "outcome"),
        rows(Entitlement, "state"),
        *(total(model) for model in (AuditEvent, Decision, Document, Objection, Person,
                                     OutboxMessage, Message)),
        total(Message, f" WHERE {q(Message._meta.get_field('read_at').column)} IS NULL"),
        # the register, and the association's records (issue 11); every change to one
        # of these also leaves a RecordEvent
        rows(Household, "paired"), rows(Membership, "joined", "left", "role", "number"),
        total(DuesPayment), total(RecordEvent),
        rows(HealthCheckCampaign, "first_day", "last_day", "venue", "provider",
             "funding_yuan", "note"),
        rows(HealthCheckRecord, "result", "checked_on"),
        rows(ContactAssignment, "until"), rows(ReportingRound, "closed_at"),
        rows(ContactReport, "status", "note"),
        rows(Partner, "active"), rows(PairingContract, "state", "ended_on"),
        total(PairingVisit),
        rows(IncomeProject, "name", "lead", "active", "ended_on", "budget_yuan", "support"),
        rows(ProjectHousehold, "left_on", "support_yuan", "support_given"),
        total(ProjectApplication),
        rows(OrgUnit, "name", "dissolved_on", "note", "member_count"),
        rows(OfficeHolder, "until"), rows(TrainingSession, "title", "other_attendees"),
        total(TrainingAttendance), rows(ActivityDay, "title", "held_on"),
        total(AssessmentCriterion), rows(Assessment, "total", "rating"),
        total(AssessmentScore),
        total(FundEntry), rows(FundYear, "last_booked_at"),
        rows(DuesCampaign, "starts_on", "ends_on", "pilot", "target_percent", "note"),
    ])


def fingerprint():
    """What a request may have changed, in one statement: (the casework rows, the number
    of unread messages). Cases, tasks, processes, reviews and entitlements row by row
    (a case's version moves with every change and history event), the association's
    records row by row on the fields their services change, the other tables by their
    size (the record events: every service of the association's records leaves one)."""
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
    url = route.url(probe.params) + rule.query.format(year=world.today.year)
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
                else:  # a PATCH write, or a side door, with the write's body if JSON
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
    if probe.method in side_doors(rule):
        if changed and (role == AUDITOR or not expected_allowed(
                replace(probe, method=rule.write), role)):
            problems.append(f"{where}: changed data that a {rule.write} may not (answered "
                            f"{shown})")
        return problems
    if allowed:
        if got != "allowed":
            problems.append(f"{where}: expected allowed, got {shown}")
        elif rule.must_change and probe.method == rule.write and not changed:
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
