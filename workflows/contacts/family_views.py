"""The family's own page about contact households (/family/contact/): who the family's
contact member is (name, and since when), in plain words. Nothing about other households,
and nothing of the reports (they are the village's working notes)."""

from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from casework.contacts.selectors import contact_of_household
from workflows.family_access import family_required


@family_required
@require_http_methods(["GET", "HEAD"])
def mine(request):
    household_id = request.user.household_id
    assignment = contact_of_household(household_id) if household_id else None
    return render(request, "workflows/contacts/family_contact.html", {
        "has_household": household_id is not None,
        "contact_name": assignment.contact.name if assignment else "",
        "since": assignment.since if assignment else None,
    })
