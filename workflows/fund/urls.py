"""Welfare fund in the staff site (/workflow/fund/): its URLs and its place in the menu."""

from django.utils.translation import gettext_lazy
from viewflow.urls import Application

from .. import frontend_access as scope

app_name = "fund"

urlpatterns: list = []


class FundApp(Application):
    """The site's "Welfare fund" entry."""

    title = gettext_lazy("Welfare fund")
    icon = "account_balance"
    app_name = app_name
    base_template_name = "workflows/staff/base_page.html"
    urlpatterns = urlpatterns

    def has_view_permission(self, user, obj=None):
        return scope.is_staff(user) and bool(getattr(user, "area_id", None))
