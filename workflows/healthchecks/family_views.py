"""The family's health-check page (/family/health-check/): this year's check of the
family's village (its days and place) and each member of the household's status, in
plain words. Only the family's own household is read (the account's household); the
village is the household's.
"""

from __future__ import annotations

from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from casework.healthchecks import selectors
from casework.healthchecks.models import HealthCheckRecord
from casework.models import Household, Person
from workflows.family_access import family_required

Result = HealthCheckRecord.Result


def _status(person: Person, record: HealthCheckRecord | None, campaign, today) -> str:
    """What a member's line says, the way the family would say it."""
    if record is None:
        membership = getattr(person, "membership", None)
        if membership is None or membership.left is not None:
            return _("Not on the list: the free check is for association members.")
        return _("Not on the list yet: please ask your village association to add you.")
    day = record.checked_on.isoformat() if record.checked_on else ""
    if record.result == Result.DONE:
        return _("Checked on %(day)s.") % {"day": day}
    if record.result == Result.REFERRED:
        return _("Checked on %(day)s. The doctors asked for a further look: please follow "
                 "the hospital's advice.") % {"day": day}
    if record.result == Result.NOT_DONE:
        return _("Did not take the check this year.")
    if campaign.last_day < today:
        return _("No result has been recorded yet.")
    return _("Waiting: please come on the day of the check.")


@family_required
@require_http_methods(["GET", "HEAD"])
def mine(request):
    """This year's check of the family's village and each member's status."""
    user = request.user
    today = timezone.localdate()
    household = (Household.objects.filter(pk=user.household_id).select_related("area").first()
                 if user.household_id else None)
    context = {"household": household, "year": today.year, "campaign": None, "members": []}
    if household is not None:
        campaign = selectors.this_years_campaign(household.area_id, today.year)
        people = list(Person.objects.filter(household_id=household.pk)
                      .select_related("membership").order_by("id"))
        records = {}
        if campaign is not None:
            records = {r.person_id: r for r in HealthCheckRecord.objects.filter(
                campaign_id=campaign.pk, person_id__in=[p.pk for p in people])}
        context.update({
            "campaign": campaign,
            "members": [{"person": p, "record": records.get(p.pk),
                         "status": (_status(p, records.get(p.pk), campaign, today)
                                    if campaign else "")}
                        for p in people],
        })
    return TemplateResponse(request, "workflows/healthchecks/family.html", context)
