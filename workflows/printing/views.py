"""Printable documents of a case, and the public check of a printed card.

- ``card`` (``/print/cases/<id>/card.pdf``): the entitlement card of a granted case.
- ``letter`` (``/print/cases/<id>/letter.pdf``): the letter telling the final decision,
  an approval with what it granted or a rejection with its reason, the eligibility
  criteria as checked and, where the program has an ``appeal_days`` parameter, the
  appeal period.

Both are PDF in the reader's language (``casework.printing``), for whoever may see the
case: the family its own household's, staff the cases of their area, the auditor to
read. The case is read through ``casework.selectors.case_detail``, so a case outside
that scope, or one with no card or no final decision, is a 404, never a 403 that
confirms it exists. Every download is recorded (``casework.privacy.access_log``, kind
``document``, with the role's purpose); a HEAD request, which shows nothing, is not.

- ``verify`` (``/verify/<token>/``): the page a card's QR code opens. Public: no login,
  a GET that reads one row (none for a token that does not verify), sets no cookie and
  needs no CSRF token. It says genuine or not, the program, the state and the dates, the
  card's number and the holder's name masked (``casework.card_tokens``), and nothing
  else; a token that does not verify and one for no entitlement read alike: "not
  genuine".
"""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from casework import card_tokens, printing, selectors
from casework.models import AccessRecord, Case, CaseStatus, Decision
from casework.personal.identity import mask_resident_id
from casework.privacy.access_log import record_access
from casework.services import card_benefit_lines
from eligibility import appeal_period

from ..documents import access_purpose
from ..models import Appeal

FINAL_OUTCOMES = {CaseStatus.APPROVED: Decision.Outcome.APPROVE,
                  CaseStatus.REJECTED: Decision.Outcome.REJECT}
# the check page may be cached this long (seconds): a card ended a minute ago may still
# read "in force" for that minute
VERIFY_MAX_AGE = 60


def _language() -> str:
    return get_language() or settings.LANGUAGE_CODE


def _entitlement(case: Case):
    try:
        return case.entitlement
    except ObjectDoesNotExist:
        return None


def verify_url(request, number: str) -> str:
    """The absolute URL of the check page for entitlement ``number`` (the QR code's):
    on ``PUBLIC_BASE_URL`` when set (production), never on a host a request claimed."""
    path = reverse("printing:verify", args=[card_tokens.sign_card(number)])
    if settings.PUBLIC_BASE_URL:
        return settings.PUBLIC_BASE_URL + path
    return request.build_absolute_uri(path)


def card_data(request, case: Case, entitlement, language: str) -> printing.CardData:
    """The card of ``entitlement``, granted by ``case`` (whose applicant and program,
    already read, are the entitlement's)."""
    today = timezone.localdate()
    person = (case.applicant if case.applicant_id == entitlement.person_id
              else entitlement.person)
    program = case.program if case.program_id == entitlement.program_id else (
        entitlement.program)
    return printing.CardData(
        number=entitlement.number,
        program_name=program.display_name(language),
        holder_name=person.name,
        holder_id_masked=mask_resident_id(person.id_number),
        valid_from=entitlement.valid_from, valid_to=entitlement.valid_to,
        state=card_tokens.card_state(entitlement.state, entitlement.valid_from,
                                     entitlement.valid_to, today),
        verify_url=verify_url(request, entitlement.number), printed_on=today,
        amount_yuan=entitlement.amount_yuan or None,
        benefits=tuple(card_benefit_lines(case, language)))


def _criteria(case: Case, language: str) -> tuple[printing.CriterionLine, ...]:
    english = language.startswith("en")
    return tuple(printing.CriterionLine(
        passed=bool(c.get("passed")),
        reason=c.get("reason_en" if english else "reason_zh") or c.get("code", ""))
        for c in case.eligibility.get("criteria", []))


def _appealed(decision: Decision) -> bool:
    """Whether ``decision`` (a rejection) has been appealed: its letter then offers no
    second appeal."""
    return Appeal.objects.filter(decision=decision).exists()


def letter_data(request, case: Case, language: str) -> printing.LetterData:
    """The final decision of ``case`` (approved or rejected), or 404."""
    outcome = FINAL_OUTCOMES.get(case.status)
    if outcome is None:
        raise Http404("No decision letter for this case.")
    decision = case.decisions.filter(outcome=outcome).order_by("-id").first()
    entitlement = _entitlement(case) if outcome == Decision.Outcome.APPROVE else None
    if outcome == Decision.Outcome.APPROVE and entitlement is None:
        raise Http404("No decision letter for this case.")
    decided_at = (decision.decided_at if decision else case.closed_at
                  or (entitlement.issued_at if entitlement else None) or case.submitted_at)
    decided_on = timezone.localdate(decided_at)
    approved = outcome == Decision.Outcome.APPROVE
    return printing.LetterData(
        case_number=case.pk,
        program_name=case.program.display_name(language),
        applicant_name=case.applicant.name,
        application_date=case.application_date,
        decided_on=decided_on, approved=approved, printed_on=timezone.localdate(),
        reason="" if approved else (decision.reason if decision else ""),
        criteria=() if approved else _criteria(case, language),
        # no appeal to offer once this rejection has been appealed (workflows.appeals)
        appeal_days=None if approved or (decision is not None and _appealed(decision))
        else appeal_period.appeal_days(case.program_id, decided_on,
                                       case.eligibility.get("parameters")),
        card=card_data(request, case, entitlement, language) if entitlement else None)


def _pdf_response(request, pdf: bytes, filename: str, case: Case, what: str):
    if request.method != "HEAD":
        record_access(request.user, AccessRecord.Kind.DOCUMENT, case=case,
                      person=case.applicant, object_ref=what,
                      purpose=access_purpose(request.user, case.pk), path=request.path)
    response = HttpResponse(pdf, content_type="application/pdf")
    # shown in the browser (phones display PDF), saved under this name
    response["Content-Disposition"] = content_disposition_header(False, filename)
    response["X-Content-Type-Options"] = "nosniff"
    add_never_cache_headers(response)
    return response


def _scoped_case(request, case_id: int) -> Case:
    """The case if the user may see it, else 404 (``selectors.case_detail``)."""
    return selectors.case_detail(user=request.user, case_id=case_id)


@require_safe
def card(request, case_id: int):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
    case = _scoped_case(request, case_id)
    entitlement = _entitlement(case)
    if entitlement is None:
        raise Http404("No entitlement card for this case.")
    language = _language()
    pdf = printing.card_pdf(card_data(request, case, entitlement, language),
                            language=language)
    return _pdf_response(request, pdf, f"card-{entitlement.number}.pdf", case,
                         f"entitlement card {entitlement.number}")


@require_safe
def letter(request, case_id: int):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
    case = _scoped_case(request, case_id)
    language = _language()
    pdf = printing.letter_pdf(letter_data(request, case, language), language=language)
    return _pdf_response(request, pdf, f"decision-{case.pk}.pdf", case,
                         f"decision letter case:{case.pk} ({case.status})")


@require_safe
def verify(request, token: str):
    """The public check of a printed card: see the module's docstring."""
    language = request.GET.get("lang", "")
    if language not in dict(settings.LANGUAGES):
        language = _language()
    with translation.override(language):
        check = card_tokens.check_card(token)
        response = render(request, "public/verify.html", {
            "check": check,
            "program_name": check.program_name(language) if check else "",
            "language": language,
            "languages": settings.LANGUAGES,
        })
    response["Content-Language"] = language
    patch_cache_control(response, public=True, max_age=VERIFY_MAX_AGE)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"  # the token stays on this page
    return response
