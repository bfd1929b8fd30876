"""Family pages: see your household's cases, apply, withdraw, resubmit, add documents,
appeal a rejection, read your messages.

Plain HTML forms and POST-redirect-GET, no JavaScript: they must work on any
phone. Views translate HTTP into a selector or service call and back; every
case is read through ``casework.selectors`` (scoped to the user's household),
so another household's case is a 404, never a 403 that confirms it exists.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, pgettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from casework import selectors
from casework.errors import DomainError
from casework.models import CaseStatus, Decision, Household, User
from casework.services import card_benefit_lines, precheck
from workflows.appeals import flow as appeals
from workflows.applications import services
from workflows.documents import document_rows
from workflows.family_access import STAFF_HOME, family_required
from workflows.notifications import notify

from .forms import AppealForm, ApplyForm, DocumentForm, ResubmitForm, WithdrawForm

# the audit log's action names, said the way a family would say them
ACTION_LABELS = {
    "submitted": gettext_lazy("Application submitted"),
    "eligibility_precheck": gettext_lazy("Eligibility pre-check recorded"),
    "enter_village_review": gettext_lazy("Village review started"),
    "enter_objection_review": gettext_lazy("Objection being reviewed by the village"),
    "enter_township_review": gettext_lazy("Township review started"),
    "enter_district_review": gettext_lazy("District review started"),
    "enter_family_revision": gettext_lazy("Waiting for you to add information"),
    "decision_approve": gettext_lazy("Approved at this level"),
    "decision_return": gettext_lazy("Returned to you for more information"),
    "decision_reject": gettext_lazy("Not approved"),
    "public_notice_started": gettext_lazy("Public notice started"),
    "public_notice_ended": gettext_lazy("Public notice ended"),
    "objection_lodged": gettext_lazy("Objection lodged during the public notice"),
    "resubmitted": gettext_lazy("Resubmitted with more information"),
    "document_added": gettext_lazy("Document added"),
    "granted": gettext_lazy("Benefit granted"),
    "rejected": gettext_lazy("Application not approved"),
    "withdrawn": gettext_lazy("Application withdrawn"),
    "appeal_lodged": gettext_lazy("Appeal lodged"),
    "appeal_dismissed": gettext_lazy("Appeal dismissed: the decision stands"),
    "appeal_upheld": gettext_lazy("Appeal upheld: the rejection is overturned"),
}
STEP_LABELS = {
    "village_review": gettext_lazy("village review"),
    "objection_review": gettext_lazy("objection review"),
    "township_review": gettext_lazy("township review"),
    "district_review": gettext_lazy("district review"),
    "family_revision": gettext_lazy("your revision"),
    "appeal_review": gettext_lazy("appeal review"),
}
# which actions carry a reason the family should read in the timeline
REASON_ACTIONS = ("decision_return", "decision_reject", "withdrawn", "appeal_dismissed",
                  "appeal_upheld")
SYSTEM_ACTIONS = ("enter_", "public_notice_", "eligibility_precheck")
STATUS_LABELS = dict(CaseStatus.choices)
ROLE_LABELS = dict(User.Role.choices)
FAMILY_ACTOR = pgettext_lazy("who acted", "your family")
SYSTEM_ACTOR = pgettext_lazy("who acted", "system")


# --- access ----------------------------------------------------------------

# ``family_required`` (families only) is in ``workflows.family_access``: every feature's
# family page uses it


def home_redirect(request):
    """The site root: families to their pages, staff to the workflow UI."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
    if user.role == User.Role.FAMILY:
        return redirect("family:home")
    return HttpResponseRedirect(STAFF_HOME)


def _household(user) -> Household | None:
    if user.household_id is None:
        return None
    try:
        return selectors.household_detail(user=user, household_id=user.household_id)
    except Http404:
        return None


def _lang() -> str:
    return get_language() or settings.LANGUAGE_CODE


# --- presentation helpers --------------------------------------------------

def _criteria(criteria) -> list[dict]:
    """Criteria (objects or their stored JSON) as {passed, reason} in the active language."""
    english = _lang().startswith("en")
    rows = []
    for c in criteria:
        if isinstance(c, dict):
            passed = c.get("passed")
            reason = c.get("reason_en" if english else "reason_zh") or c.get("code", "")
        else:
            passed, reason = c.passed, c.reason(_lang())
        rows.append({"passed": bool(passed), "reason": reason})
    return rows


def _actor_label(actor) -> str:
    if actor is None:
        return str(SYSTEM_ACTOR)
    if actor.role == User.Role.FAMILY:
        return str(FAMILY_ACTOR)
    return str(ROLE_LABELS.get(actor.role, actor.role))


def _timeline(events) -> list[dict]:
    rows = []
    for e in events:
        label = str(ACTION_LABELS.get(e.action, e.action.replace("_", " ")))
        detail = e.detail or {}
        step = STEP_LABELS.get(detail.get("step", ""))
        if step and e.action.startswith("decision_"):
            label = _("%(action)s (%(step)s)") % {"action": label, "step": step}
        status_changed = bool(e.from_status) and e.from_status != e.to_status
        rows.append({
            "label": label,
            "at": e.at,
            # steps the process enters are not somebody's act
            "actor": "" if e.action.startswith(SYSTEM_ACTIONS) else _actor_label(e.actor),
            "from_status": STATUS_LABELS.get(e.from_status, e.from_status)
            if status_changed else "",
            "to_status": STATUS_LABELS.get(e.to_status, e.to_status)
            if status_changed or e.action == "submitted" else "",
            "reason": (detail.get("reason") or "") if e.action in REASON_ACTIONS else "",
        })
    return rows


def _message_timeline(rows) -> list[dict]:
    """The case's messages to the family (``notify.outbox_rows``) as timeline rows."""
    return [{
        "kind": "message",
        "label": _("%(channel)s: %(what)s") % {"channel": m["channel_label"],
                                               "what": m["template_label"]},
        "at": m["at"],
        "text": m["text"],
        "recipient": m["recipient"],
        "status": m["status"],
        "status_label": m["status_label"],
    } for m in rows]


def _with_messages(timeline: list[dict], case) -> list[dict]:
    """The history and the messages sent about the case, in time order."""
    messages_sent = _message_timeline(notify.outbox_rows(notify.case_outbox(case, family=True),
                                                         case))
    return sorted(timeline + messages_sent, key=lambda row: row["at"])


def _decisions(decisions) -> list[dict]:
    return [{
        "step": STEP_LABELS.get(d.step, d.step),
        "outcome": d.outcome,
        "outcome_label": d.get_outcome_display(),
        "reason": d.reason,
        "at": d.decided_at,
    } for d in decisions]


def _entitlement(case):
    try:
        return case.entitlement
    except ObjectDoesNotExist:
        return None


def _program_name(program) -> str:
    return program.display_name(_lang())


def _appeal_rows(case) -> list[dict]:
    return [{
        "appeal": a,
        "step": STEP_LABELS.get(a.appealed_step, a.appealed_step),
        "outcome_label": a.get_outcome_display(),
    } for a in appeals.appeals_of(case)]


def _case_page(request, case, *, document_form=None, resubmit_form=None, appeal_form=None):
    decisions = list(case.decisions.all())
    latest = decisions[-1] if decisions else None
    # the reason the family most needs: why it came back, or why it was refused
    notice_reason = None
    if latest is not None and latest.reason and (
        (case.status == CaseStatus.RETURNED and latest.outcome == Decision.Outcome.RETURN)
        or (case.status == CaseStatus.REJECTED and latest.outcome == Decision.Outcome.REJECT)
    ):
        notice_reason = latest.reason
    documents = document_rows(case.documents.all())
    entitlement = _entitlement(case)
    context = {
        "case": case,
        "program_name": _program_name(case.program),
        "status_label": case.get_status_display(),
        "eligible": case.eligible,
        "criteria": _criteria(case.eligibility.get("criteria", [])),
        "timeline": _with_messages(_timeline(selectors.case_history(case)), case),
        "decisions": _decisions(decisions),
        "notice_reason": notice_reason,
        "entitlement": entitlement,
        "card_benefits": card_benefit_lines(case, _lang()) if entitlement else [],
        "documents": documents,
        "can_withdraw": case.is_open and case.status != CaseStatus.APPEAL,
        "can_upload": case.is_open,
        "can_resubmit": case.status == CaseStatus.RETURNED,
        "document_form": document_form or DocumentForm(),
        "resubmit_form": resubmit_form or ResubmitForm(),
        "appeal_window": appeals.appeal_window(case),
        "appeals": _appeal_rows(case),
        "appeal_form": appeal_form or AppealForm(),
    }
    return render(request, "family/case_detail.html", context)


def _case_url(case) -> str:
    return reverse("family:case", args=[case.pk])


def _add_domain_error(form, exc: DomainError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


# --- pages -----------------------------------------------------------------

@family_required
def home(request):
    cases = [{
        "case": case,
        "program_name": _program_name(case.program),
        "status_label": case.get_status_display(),
    } for case in selectors.cases_for(request.user)]
    unread = notify.unread_count(request.user)
    return render(request, "family/home.html", {
        "cases": cases,
        "has_household": request.user.household_id is not None,
        "unread": unread,
        "unread_label": notify.unread_label(unread),
    })


MESSAGES_PAGE = 20


@family_required
@require_http_methods(["GET"])
def messages_list(request):
    """The family's messages, newest first, a page at a time (``?after=<id>``). Opening the
    page reads what it shows: those are marked read (and shown as new this once)."""
    rows = notify.inbox_for(request.user)
    after = request.GET.get("after", "")
    if after.isdigit():
        rows = rows.filter(pk__lt=int(after))
    page = list(rows.only("id", "case_id", "template", "payload", "text", "created_at",
                          "read_at")[:MESSAGES_PAGE + 1])
    has_next, page = len(page) > MESSAGES_PAGE, page[:MESSAGES_PAGE]
    notify.mark_read(request.user, [m.pk for m in page if m.read_at is None])
    return render(request, "family/messages.html", {
        "rows": [{"message": m, "text": notify.message_text(m), "new": m.read_at is None}
                 for m in page],
        "next_after": page[-1].pk if has_next else None,
        "first_page": not after,
    })


@family_required
@require_POST
def messages_read_all(request):
    notify.mark_read(request.user)
    messages.success(request, _("All your messages are marked as read."))
    return redirect("family:messages")


@family_required
@require_http_methods(["GET", "POST"])
def apply(request):
    household = _household(request.user)
    if household is None:
        messages.error(request, _("Your account is not linked to a household yet. Please ask "
                                  "your village family-planning association."))
        return redirect("family:home")
    if request.method == "GET":
        return render(request, "family/apply.html", {"form": ApplyForm(household=household)})

    if "edit" in request.POST:  # back from the pre-check to change the choices
        form = ApplyForm(initial=request.POST.dict(), household=household)
        return render(request, "family/apply.html", {"form": form})
    form = ApplyForm(request.POST, household=household)
    if not form.is_valid():
        return render(request, "family/apply.html", {"form": form})

    program = form.cleaned_data["program"]
    applicant = form.cleaned_data["applicant"]
    if "confirm" not in request.POST or not form.cleaned_data["consent"]:
        if "confirm" in request.POST:
            form.add_error("consent", _("Please tick the box to agree before sending."))
        decision, _facts = precheck(household=household, applicant_id=applicant.pk,
                                    program=program, on=timezone.localdate())
        return render(request, "family/apply_check.html", {
            "form": form,
            "program_name": _program_name(program),
            "applicant": applicant,
            "statement": form.cleaned_data["statement"],
            "eligible": decision.eligible,
            "criteria": _criteria(decision.criteria),
        })

    try:
        case = services.submit_application(
            actor=request.user, household=household, program=program, applicant=applicant,
            statement=form.cleaned_data["statement"], consent=form.cleaned_data["consent"],
            project=form.cleaned_data.get("project"))
    except DomainError as exc:
        _add_domain_error(form, exc)
        return render(request, "family/apply.html", {"form": form})
    messages.success(request, _("Your application has been sent. Application number: "
                                "%(number)s.") % {"number": case.pk})
    return redirect(_case_url(case))


@family_required
@require_http_methods(["GET"])
def case_detail(request, case_id: int):
    case = selectors.case_detail(user=request.user, case_id=case_id)
    return _case_page(request, case)


@family_required
@require_http_methods(["GET", "POST"])
def withdraw(request, case_id: int):
    case = selectors.case_detail(user=request.user, case_id=case_id)
    if not case.is_open:
        messages.info(request, _("This application is already closed."))
        return redirect(_case_url(case))
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.withdraw(actor=request.user, case=case, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect(_case_url(case))
        messages.success(request, _("Your application has been withdrawn."))
        return redirect(_case_url(case))
    return render(request, "family/withdraw_confirm.html", {
        "case": case, "program_name": _program_name(case.program), "form": form})


@family_required
@require_POST
def resubmit(request, case_id: int):
    case = selectors.case_detail(user=request.user, case_id=case_id)
    form = ResubmitForm(request.POST)
    if form.is_valid():
        try:
            services.resubmit(actor=request.user, case=case,
                              statement=form.cleaned_data["statement"])
        except DomainError as exc:  # the case moved on: say so on the fresh page
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Your application has been sent back for review."))
        return redirect(_case_url(case))
    return _case_page(request, case, resubmit_form=form)


@family_required
@require_POST
def upload_document(request, case_id: int):
    case = selectors.case_detail(user=request.user, case_id=case_id)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_document(actor=request.user, case=case, kind=form.cleaned_data["kind"],
                                  file=form.cleaned_data["file"],
                                  description=form.cleaned_data["description"])
        except DomainError as exc:  # e.g. the case closed meanwhile
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Your document has been added."))
        return redirect(_case_url(case))
    return _case_page(request, case, document_form=form)


@family_required
@require_POST
def appeal(request, case_id: int):
    """Lodge an appeal against the case's rejection (the form is on the case page)."""
    case = selectors.case_detail(user=request.user, case_id=case_id)
    form = AppealForm(request.POST)
    if form.is_valid():
        try:
            appeals.lodge_appeal(actor=request.user, case=case,
                                 grounds=form.cleaned_data["grounds"])
        except DomainError as exc:
            if exc.field in form.fields:
                _add_domain_error(form, exc)
                return _case_page(request, case, appeal_form=form)
            messages.error(request, exc.message)  # e.g. the period is over: says its date
        else:
            messages.success(request, _("Your appeal has been sent. The level above will "
                                        "review it and you will be told the outcome."))
        return redirect(_case_url(case))
    return _case_page(request, case, appeal_form=form)
