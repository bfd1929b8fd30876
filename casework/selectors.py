"""Reads, already scoped to what the user may see, with their joins decided here once."""

from django.http import Http404
from django.utils.translation import gettext as _

from . import access
from .access_log import Kind, record_access, record_many, site_language
from .identity import mask_resident_id
from .models import AuditEvent, Case, Household, User

CASE_LIST_RELATED = ("program", "area", "applicant", "household")


def cases_for(user: User):
    """Every case the user may see, newest first (keyset on id)."""
    return (access.scope(Case.objects.all(), user).select_related(*CASE_LIST_RELATED)
            .defer("facts", "household__address").order_by("-id"))


def case_list(user: User):
    """The cases a list shows (``cases_for``), reading only what a row shows: no household
    row (its id is on the case) and not the applicant's resident ID or phone (encrypted:
    a decryption each), which a list row never shows: about a third of the list's time."""
    return (access.scope(Case.objects.all(), user)
            .select_related("program", "area", "applicant")
            .defer("facts", "applicant__id_number", "applicant__phone").order_by("-id"))


def case_detail(*, user: User, case_id: int) -> Case:
    case = (cases_for(user).select_related("entitlement", "process", "filed_by")
            .filter(pk=case_id).first())
    if case is None:
        raise Http404(_("No such case among those you may see."))
    return case


def households_for(user: User):
    return access.scope(Household.objects.all(), user, household_field="").select_related(
        "area").order_by("-id")


def household_detail(*, user: User, household_id: int) -> Household:
    household = (households_for(user).prefetch_related("members__membership")
                 .filter(pk=household_id).first())
    if household is None:
        raise Http404(_("No such household among those you may see."))
    return household


def case_history(case: Case):
    return AuditEvent.objects.filter(case=case).select_related("actor").order_by("seq")


def shown_id_number(user: User, number: str) -> str:
    """The role half of the rule (``access.sees_full_id``), for a number with no person in
    hand; pages that show a person's number use ``reveal_identities``, which also checks
    the area and records the view."""
    return number if access.sees_full_id(user) else mask_resident_id(number)


def reveal_identities(user: User, people, *, purpose: str, phones: bool = True,
                      area_code: str | None = None, case: Case | None = None,
                      path: str = "") -> set[int]:
    """The ids of ``people`` whose full identity numbers (and with ``phones`` their phone
    numbers) ``user`` is shown here, by the rule of ``access.may_see_full_identity``.

    Each such view is recorded: one RESIDENT_ID record per person, one PHONE record per
    person with a phone (``record_many``: one INSERT each). ``purpose`` says why, for the
    auditor. Call it from a detail view only: lists are always masked.
    """
    shown = [p for p in people if access.may_see_full_identity(user, p, area_code=area_code)]
    if not shown:
        return set()
    with_phone = [p for p in shown if p.phone] if phones else []
    if case is not None and len(shown) == 1:
        person = shown[0]
        record_access(user, Kind.RESIDENT_ID, purpose=purpose, case=case, person=person,
                      object_ref=f"person:{person.pk}", path=path)
        if with_phone:
            record_access(user, Kind.PHONE, purpose=purpose, case=case, person=person,
                          object_ref=f"person:{person.pk}", path=path)
    else:
        record_many(user, Kind.RESIDENT_ID, purpose=purpose, people=shown, path=path)
        if with_phone:
            record_many(user, Kind.PHONE, purpose=purpose, people=with_phone, path=path)
    return {p.pk for p in shown}


def case_context(case: Case, user: User, *, path: str = "") -> dict:
    """What a case page shows: facts, documents, reasons, decisions, history.

    The applicant's identity number in full when the rule allows (the view recorded,
    purpose: the case's file), masked otherwise."""
    applicant = case.applicant
    full = reveal_identities(user, [applicant], phones=False, area_code=case.area_id,
                             case=case, path=path,
                             purpose=site_language(_("case file of case #%(case)s (%(status)s)"),
                                                   case=case.pk,
                                                   status=case.get_status_display()))
    return {
        "case": case,
        "applicant_id_number": (applicant.id_number if full
                                else mask_resident_id(applicant.id_number)),
        "criteria": case.eligibility.get("criteria", []),
        "documents": list(case.documents.all()),
        "decisions": list(case.decisions.select_related("actor")),
        "history": list(case_history(case)),
        "objections": list(case.objections.all()),
    }
