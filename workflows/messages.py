"""Message texts (zh-hans by default; translated with the rest of the UI)."""

from django.utils.translation import gettext as _

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
}


def render(template: str, payload: dict) -> str:
    return TEMPLATES[template](payload)
