"""Reads, already scoped to what the user may see, with their joins decided here once."""

from django.http import Http404
from django.utils.translation import gettext as _

from . import access
from .identity import mask_resident_id
from .models import AuditEvent, Case, Household, User

CASE_LIST_RELATED = ("program", "area", "applicant", "household")


def cases_for(user: User):
    """Every case the user may see, newest first (keyset on id)."""
    return (access.scope(Case.objects.all(), user).select_related(*CASE_LIST_RELATED)
            .defer("facts", "household__address").order_by("-id"))


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
    """The full number for roles whose work needs it, masked for everyone else."""
    return number if access.sees_full_id(user) else mask_resident_id(number)


def case_context(case: Case, user: User) -> dict:
    """What a case page shows: facts, documents, reasons, decisions, history."""
    return {
        "case": case,
        "applicant_id_number": shown_id_number(user, case.applicant.id_number),
        "criteria": case.eligibility.get("criteria", []),
        "documents": list(case.documents.all()),
        "decisions": list(case.decisions.select_related("actor")),
        "history": list(case_history(case)),
        "objections": list(case.objections.all()),
    }
