"""The family's page about income projects (/family/projects/, ``family:projects_mine``):
the projects the household takes part in, and the projects open in its township that it
could join (by applying for 少生快富项目扶持). Families only (``family_required``); the
page shows the family's own household and nothing of anyone else's."""

from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from casework.models import Household
from casework.projects.selectors import memberships_of_household, projects_open_to
from workflows.family_access import family_required


@family_required
@require_http_methods(["GET", "HEAD"])
def projects_mine(request):
    household = (Household.objects.filter(pk=request.user.household_id)
                 .select_related("area__parent").first())
    mine, open_projects = [], []
    if household is not None:
        mine = list(memberships_of_household(household.pk))
        taken = {m.project_id for m in mine if m.left_on is None}
        open_projects = [p for p in projects_open_to(household) if p.pk not in taken]
    return render(request, "workflows/projects/family.html", {
        "household": household,
        "township": household.area.parent if household is not None else None,
        "mine": mine,
        "open_projects": open_projects,
    })
