"""The case file a staff page shows (``workflows/staff/_case_file.html``): the task pages
of every flow, the case page and the printed letters read it here, so no page module
imports another's."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from casework import selectors
from casework.privacy.access_log import case_file_purpose, record_health_view, record_reveal

from .documents import access_purpose, document_rows


def case_file_context(user, case_id, *, path: str = "") -> dict:
    """The case file a staff page shows (``workflows/staff/_case_file.html``):
    ``casework.selectors.case_context``, with the documents as labelled download links.
    An annual health check's file shows health data (its pre-check counts the checks the
    applicant had this year): each showing is recorded (kind ``health``), as is the
    applicant's full identity number where the rule shows it (kind ``resident_id``), each
    record with the page's ``path`` (what the auditor opens to see what was shown)."""
    case = selectors.case_detail(user=user, case_id=case_id)
    record_health_view(user, case, purpose=access_purpose(user, case.pk), path=path)
    ctx = selectors.case_context(case, user)
    record_reveal(user, ctx.pop("revealed"), case=case, purpose=case_file_purpose(case),
                  path=path)
    ctx["documents"] = document_rows(ctx["documents"])
    ctx["facts_rows"] = facts_rows(case)
    return ctx


def _yes_no(value) -> str:
    return gettext("yes") if value else gettext("no")


def facts_rows(case) -> list[tuple[str, str]]:
    """The facts the pre-check decided on (``case.facts``, the snapshot taken when the
    application was filed), as (label, value) in the active language: what the rule saw,
    which the household's current record below may no longer show. No query."""
    from casework.models import Household

    facts = case.facts or {}
    if not facts:
        return []
    registration = dict(Household.Registration.choices)
    special = dict(Household.SpecialFamily.choices)
    members = facts.get("members") or []
    applicant = facts.get("applicant") or {}
    rows = [
        (_("Household registration"),
         registration.get(facts.get("registration"), facts.get("registration") or "—")),
        (_("Household members"), str(max(1, len(members)))),
        (_("Annual household income (yuan)"), str(facts.get("annual_income_yuan", "0"))),
        (_("One-child parents' certificate date"),
         facts.get("one_child_certificate_date") or "—"),
        (_("Two-daughter household"), _yes_no(facts.get("two_daughter_household"))),
        (_("Second birth renounced on"), facts.get("second_birth_renounced_date") or "—"),
        (_("Hardship household"), _yes_no(facts.get("hardship"))),
        (_("Special family"), special.get(facts.get("special_family") or "", "—") or "—"),
        (_("Already paired for assistance"), _yes_no(facts.get("already_paired"))),
        (_("Applicant's birth date"), applicant.get("birth_date") or "—"),
        (_("Applicant enrolled in resident pension insurance"),
         _yes_no(applicant.get("pension_insured"))),
        (_("Village enrolled in the annual health check"),
         _yes_no(facts.get("village_health_check_enrolled"))),
        (_("Health checks this year"), str(facts.get("health_checks_this_year", 0))),
        (_("Open applications (programs)"),
         ", ".join(facts.get("open_programs") or ()) or "—"),
        (_("Live entitlements (programs)"),
         ", ".join(facts.get("live_entitlement_programs") or ()) or "—"),
    ]
    return [(str(label), str(value)) for label, value in rows]
