"""Assistance pairings in the staff site (/workflow/pairings/): its URLs and its place in the menu."""

from django.utils.translation import gettext_lazy
from viewflow.urls import Application

from .. import frontend_access as scope

app_name = "pairings"

urlpatterns: list = []


class PairingsApp(Application):
    """The site's "Assistance pairings" entry."""

    title = gettext_lazy("Assistance pairings")
    icon = "handshake"
    app_name = app_name
    base_template_name = "workflows/staff/base_page.html"
    urlpatterns = urlpatterns

    def has_view_permission(self, user, obj=None):
        return scope.is_staff(user) and bool(getattr(user, "area_id", None))
