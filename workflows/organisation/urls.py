"""Organisation in the staff site (/workflow/organisation/): its URLs and its place in the menu."""

from django.utils.translation import gettext_lazy
from viewflow.urls import Application

from .. import frontend_access as scope

app_name = "organisation"

urlpatterns: list = []


class OrganisationApp(Application):
    """The site's "Organisation" entry."""

    title = gettext_lazy("Organisation")
    icon = "account_tree"
    app_name = app_name
    base_template_name = "workflows/staff/base_page.html"
    urlpatterns = urlpatterns

    def has_view_permission(self, user, obj=None):
        return scope.is_staff(user) and bool(getattr(user, "area_id", None))
