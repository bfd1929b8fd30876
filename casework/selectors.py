"""Reads, already scoped to what the user may see, with their joins decided here once.

Reads only: nothing here writes. Whose full numbers a page may show is read here
(``identities_shown``); the view that shows them records it (``casework.privacy.access_log``)."""

from dataclasses import dataclass

from django.http import Http404
from django.utils.translation import gettext as _

from . import access
from .models import AuditEvent, Case, Household, Person, User
from .personal.identity import mask_resident_id

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
    case = (cases_for(user).select_related("entitlement", "filed_by")
            .filter(pk=case_id).first())
    if case is None:
        raise Http404(_("No such case among those you may see."))
    return case


def case_file(*, user: User, case_id: int) -> Case:
    """A case ``user`` may see (404 otherwise, as ``case_detail``) with what its file
    (the API's case detail) shows, in one scoped read: its program, area, applicant and
    entitlement, and its decisions (with their actors), documents and objections. Nothing
    it does not show: not the household, process or filer rows, not the case's facts nor
    the applicant's encrypted numbers (a decryption each)."""
    case = (access.scope(Case.objects.all(), user)
            .select_related("program", "area", "applicant", "entitlement")
            .defer("facts", "applicant__id_number", "applicant__phone")
            .prefetch_related("decisions__actor", "documents", "objections")
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
    hand; pages that show a person's number use ``identities_shown``, which also checks
    the area (and whose caller records the view)."""
    return number if access.sees_full_id(user) else mask_resident_id(number)


@dataclass(frozen=True)
class Revealed:
    """Whose full numbers a page shows (``identities_shown``): ``people``, whose resident
    identity numbers it shows, and ``phones``, those of them whose phone numbers it shows.
    Whoever shows them records it: ``casework.privacy.access_log.record_reveal``."""

    people: tuple[Person, ...] = ()
    phones: tuple[Person, ...] = ()

    @property
    def ids(self) -> set[int]:
        """The ids of ``people``: what a serializer's ``full_identity`` context takes."""
        return {p.pk for p in self.people}

    def __bool__(self) -> bool:
        return bool(self.people)


def identities_shown(user: User, people, *, phones: bool = True,
                     area_code: str | None = None) -> Revealed:
    """Those of ``people`` whose full identity numbers (and with ``phones`` their phone
    numbers, where they have one) ``user`` is shown, by the rule of
    ``access.may_see_full_identity``.

    Reads only: the view that shows them records each such view, with its purpose, in the
    same request (``casework.privacy.access_log.record_reveal``). Call it for a detail view only:
    lists are always masked.
    """
    shown = tuple(p for p in people
                  if access.may_see_full_identity(user, p, area_code=area_code))
    return Revealed(people=shown,
                    phones=tuple(p for p in shown if p.phone) if phones else ())


def case_context(case: Case, user: User) -> dict:
    """What a case page shows: facts, documents, reasons, decisions, history.

    The applicant's identity number in full when the rule allows, masked otherwise;
    ``revealed`` (``identities_shown``) says whose numbers the page shows in full: the
    view records it (``casework.privacy.access_log.record_reveal``, with
    ``access_log.case_file_purpose``)."""
    applicant = case.applicant
    revealed = identities_shown(user, [applicant], phones=False, area_code=case.area_id)
    return {
        "case": case,
        "applicant_id_number": (applicant.id_number if revealed
                                else mask_resident_id(applicant.id_number)),
        "criteria": case.eligibility.get("criteria", []),
        "documents": list(case.documents.all()),
        "decisions": list(case.decisions.select_related("actor")),
        "history": list(case_history(case)),
        "objections": list(case.objections.all()),
        "revealed": revealed,
    }
