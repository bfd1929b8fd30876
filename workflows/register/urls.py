"""The member roster (会员花名册) in the staff site: its URLs and its place in the site's
menu. (Its URLs and names keep the old word "register" so links elsewhere keep working;
the pages say roster: 户籍 is the police's household registration.)

``RegisterApp`` is an ``Application`` of the staff site (``workflows.frontend.site``), like
the auditor's workspace: its URLs live under /workflow/register/ and go through the
site's guard (anonymous users to the login page, families to /family/, other non-staff
404), which then asks ``has_view_permission``: staff with an area. The views check the
household's scope (404) and, for the pages that write, that the user keeps the register
(403): ``workflows.register.views``.

URL names (namespace ``register``): ``index`` (households), ``household``, ``dues``,
``membership``, ``apply`` (on the family's behalf), ``arrears``, ``drive`` and
``drive_village`` (the membership drive), ``import``, ``import_confirm``,
``import_errors``, ``import_template``, ``export``; the dues campaigns
(``workflows.duescampaigns.urls``): ``duescampaigns-list``, ``duescampaigns-new``,
``duescampaigns-edit``, ``duescampaigns-rates``.
"""

from django.urls import path
from django.utils.translation import gettext_lazy
from viewflow.urls import Application

from .. import frontend_access as scope
from ..duescampaigns import urls as campaigns
from . import views

app_name = "register"

urlpatterns = [
    path("", views.household_list, name="index"),
    path("households/<int:pk>/", views.household_detail, name="household"),
    path("households/<int:pk>/dues/", views.dues_record, name="dues"),
    path("households/<int:pk>/membership/", views.membership, name="membership"),
    path("households/<int:pk>/apply/", views.apply_on_behalf, name="apply"),
    path("arrears/", views.arrears_list, name="arrears"),
    path("drive/", views.drive_start, name="drive"),
    path("drive/<str:village>/", views.drive, name="drive_village"),
    *campaigns.urlpatterns,  # the dues campaigns (workflows.duescampaigns.urls)
    path("import/", views.import_upload, name="import"),
    path("import/confirm/", views.import_confirm, name="import_confirm"),
    path("import/problems.csv", views.import_errors, name="import_errors"),
    path("import/template.xlsx", views.import_template, name="import_template"),
    path("export.xlsx", views.export, name="export"),
]


class RegisterApp(Application):
    """The site's "Member roster" (会员花名册) entry."""

    title = gettext_lazy("Member roster")
    icon = "groups"
    app_name = app_name
    base_template_name = "workflows/staff/base_page.html"
    menu_template_name = "workflows/register/menu.html"
    urlpatterns = urlpatterns
    index_path = None  # "index" is the household list, in ``urlpatterns``

    def has_view_permission(self, user, obj=None):
        return scope.is_staff(user) and bool(getattr(user, "area_id", None))
