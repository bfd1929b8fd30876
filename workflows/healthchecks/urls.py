"""Health checks in the staff site (/workflow/healthchecks/): its URLs and its place in the menu.

URL names (namespace ``healthchecks``): ``index`` (the campaigns), ``open``, ``campaign``
(its list and the results form), ``edit``, ``refresh``, ``export`` (the list as CSV),
``coverage`` (per village, township subtotals). The views: ``workflows.healthchecks.views``.
"""

from django.urls import path
from django.utils.translation import gettext_lazy
from viewflow.urls import Application

from .. import frontend_access as scope
from . import views

app_name = "healthchecks"

urlpatterns = [
    path("", views.campaign_list, name="index"),
    path("open/", views.campaign_open, name="open"),
    path("coverage/", views.coverage, name="coverage"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign"),
    path("campaigns/<int:pk>/edit/", views.campaign_edit, name="edit"),
    path("campaigns/<int:pk>/refresh/", views.campaign_refresh, name="refresh"),
    path("campaigns/<int:pk>/members.csv", views.campaign_export, name="export"),
]


class HealthChecksApp(Application):
    """The site's "Health checks" entry."""

    title = gettext_lazy("Health checks")
    icon = "medical_services"
    app_name = app_name
    base_template_name = "workflows/staff/base_page.html"
    menu_template_name = "workflows/healthchecks/menu.html"
    urlpatterns = urlpatterns
    index_path = None  # "index" is the campaign list, in ``urlpatterns``

    def has_view_permission(self, user, obj=None):
        return scope.is_staff(user) and bool(getattr(user, "area_id", None))
