"""Message texts (zh-hans by default; translated with the rest of the UI).

``render(template, payload)`` gives the text in the active language. The payload is
what the outbox row carries plus ``case`` (the case id); ``step`` is shown by its
label and ``due_at`` (an ISO date or date-time) as a local date. A key the payload
lacks shows as "—" instead of failing the delivery.
"""

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

TEMPLATES = {
    "case_submitted": lambda p: _("Your application #%(case)s has been received.") % p,
    "case_returned": lambda p: _("Application #%(case)s was returned: please add the missing "
                                 "information and resubmit.") % p,
    "case_public_notice": lambda p: _("Application #%(case)s is in its public notice "
                                      "period.") % p,
    "case_approved": lambda p: _("Application #%(case)s has been approved.") % p,
    "case_rejected": lambda p: _("Application #%(case)s was not approved; the reason is on "
                                 "the case page.") % p,
    "case_withdrawn": lambda p: _("Application #%(case)s has been withdrawn.") % p,
    "task_waiting": lambda p: _("Case #%(case)s is waiting for your review.") % p,
    # deadlines (workflows.deadlines.services): payload step, due_at (ISO date)
    "task_reminder": lambda p: _("Reminder: case #%(case)s (%(step)s) is due on "
                                 "%(due_at)s.") % p,
    "task_overdue": lambda p: _("Case #%(case)s (%(step)s) is overdue: it was due on "
                                "%(due_at)s.") % p,
    "task_escalated": lambda p: _("Case #%(case)s (%(step)s) passed its deadline of "
                                  "%(due_at)s and has been escalated; please follow it "
                                  "up.") % p,
    # appeals (workflows.appeals)
    "appeal_lodged": lambda p: _("Your appeal against the decision on application "
                                 "#%(case)s has been received; the level above will review "
                                 "it.") % p,
    "appeal_dismissed": lambda p: _("Your appeal on application #%(case)s was dismissed: the "
                                    "decision stands. Reason: %(reason)s") % p,
    "appeal_upheld": lambda p: _("Your appeal on application #%(case)s was upheld: the "
                                 "rejection is overturned and your application goes "
                                 "on.") % p,
    "recertification_flagged": lambda p: _(
        "The %(year)s annual review found that entitlement %(entitlement)s may no longer "
        "qualify. Your village will review it with you; nothing changes until it "
        "decides.") % p,
    "recertification_continued": lambda p: _(
        "The %(year)s annual review of entitlement %(entitlement)s is complete: it "
        "continues.") % p,
    "recertification_ended": lambda p: _(
        "The %(year)s annual review of entitlement %(entitlement)s is complete: it has "
        "ended. Reason: %(reason)s") % p,
    # entitlement periods (workflows.entitlements): payload entitlement, valid_to, year
    "entitlement_renewed": lambda p: _(
        "The %(year)s annual review renewed entitlement %(entitlement)s: it now runs until "
        "%(valid_to)s.") % p,
    "entitlement_expired": lambda p: _(
        "Entitlement %(entitlement)s ended on %(valid_to)s, at the end of its period. You "
        "may apply again if you still qualify.") % p,
}

# a step as a message names it
STEP_NAMES = {
    "village_review": gettext_lazy("village review"),
    "objection_review": gettext_lazy("objection review"),
    "township_review": gettext_lazy("township review"),
    "district_review": gettext_lazy("district review"),
    "family_revision": gettext_lazy("adding the missing information"),
    "recertification_review": gettext_lazy("re-certification review"),
    "appeal_review": gettext_lazy("appeal review"),
}

# what the case pages and the API call a template (the text itself is ``render``)
TEMPLATE_LABELS = {
    "case_submitted": gettext_lazy("application received"),
    "case_returned": gettext_lazy("application returned"),
    "case_public_notice": gettext_lazy("public notice"),
    "case_approved": gettext_lazy("application approved"),
    "case_rejected": gettext_lazy("application not approved"),
    "case_withdrawn": gettext_lazy("application withdrawn"),
    "task_waiting": gettext_lazy("task waiting"),
    "task_reminder": gettext_lazy("deadline reminder"),
    "task_overdue": gettext_lazy("deadline passed"),
    "task_escalated": gettext_lazy("escalated"),
    "appeal_lodged": gettext_lazy("appeal received"),
    "appeal_dismissed": gettext_lazy("appeal dismissed"),
    "appeal_upheld": gettext_lazy("appeal upheld"),
    "recertification_flagged": gettext_lazy("annual review opened"),
    "recertification_continued": gettext_lazy("annual review: continues"),
    "recertification_ended": gettext_lazy("annual review: ended"),
    "entitlement_renewed": gettext_lazy("entitlement renewed"),
    "entitlement_expired": gettext_lazy("entitlement period ended"),
}


class _Payload(dict):
    def __missing__(self, key):
        return "—"


def _local_date(value) -> str:
    """An ISO date or date-time as the local date (YYYY-MM-DD); anything else as is."""
    if not isinstance(value, str):
        return "—" if value is None else str(value)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return value
    if timezone.is_aware(parsed):
        parsed = timezone.localtime(parsed)
    return parsed.date().isoformat()


def render(template: str, payload: dict) -> str:
    """The text of ``template`` in the active language (KeyError: unknown template)."""
    values = _Payload(payload)
    if "step" in values:
        values["step"] = str(STEP_NAMES.get(values["step"], values["step"]))
    if "due_at" in values:
        values["due_at"] = _local_date(values["due_at"])
    return TEMPLATES[template](values)


def template_label(template: str) -> str:
    return str(TEMPLATE_LABELS.get(template, template))
