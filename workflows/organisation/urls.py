"""Organisation in the staff site (/workflow/organisation/): its URLs and its place in the
menu.

URL names (namespace ``organisation``): ``index`` (units), ``unit``, ``unit_new``,
``unit_edit``, ``unit_end``, ``holder_new`` (appoint in a unit), ``holders``,
``holder_end``, ``volunteers``, ``trainings``, ``training``, ``training_new``,
``training_edit``, ``attendance``, ``activities``, ``activity_new``, ``activity_edit``,
``assessments`` (a year's village scores), ``criteria``, ``assess``.
"""

from django.urls import path
from django.utils.translation import gettext_lazy
from viewflow.urls import Application

from .. import frontend_access as scope
from . import views

app_name = "organisation"

urlpatterns = [
    path("", views.unit_list, name="index"),
    path("units/new/", views.unit_create, name="unit_new"),
    path("units/<int:pk>/", views.unit_detail, name="unit"),
    path("units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("units/<int:pk>/end/", views.unit_end, name="unit_end"),
    path("units/<int:pk>/office-holders/new/", views.holder_create, name="holder_new"),
    path("office-holders/", views.holder_list, name="holders"),
    path("office-holders/<int:pk>/end/", views.holder_end, name="holder_end"),
    path("volunteers/", views.volunteer_list, name="volunteers"),
    path("training/", views.training_list, name="trainings"),
    path("training/new/", views.training_create, name="training_new"),
    path("training/<int:pk>/", views.training_detail, name="training"),
    path("training/<int:pk>/edit/", views.training_edit, name="training_edit"),
    path("training/<int:pk>/attendance/", views.attendance, name="attendance"),
    path("activities/", views.activity_list, name="activities"),
    path("activities/new/", views.activity_create, name="activity_new"),
    path("activities/<int:pk>/edit/", views.activity_edit, name="activity_edit"),
    path("assessments/", views.assessment_table, name="assessments"),
    path("assessments/criteria/", views.criteria_list, name="criteria"),
    path("assessments/assess/", views.assess, name="assess"),
]


class OrganisationApp(Application):
    """The site's "Organisation" entry."""

    title = gettext_lazy("Organisation")
    icon = "account_tree"
    app_name = app_name
    base_template_name = "workflows/staff/base_page.html"
    menu_template_name = "workflows/organisation/menu.html"
    urlpatterns = urlpatterns
    index_path = None  # "index" is the unit list, in ``urlpatterns``

    def has_view_permission(self, user, obj=None):
        return scope.is_staff(user) and bool(getattr(user, "area_id", None))
