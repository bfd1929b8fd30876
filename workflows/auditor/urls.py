"""The auditor's workspace in the staff site: its URLs and its place in the site's menu.

``AuditorApp`` is an ``Application`` of the staff site (``workflows.frontend.site``), like
the messages page: its URLs live under /workflow/auditor/ and go through the site's guard
(anonymous users to the login page, families to /family/, other non-staff 404), which
then asks ``has_view_permission``: only auditors and district approvers
(``workflows.auditor.views.may_audit``); other staff get 403 and no menu entry. The views
themselves check the same again and refuse any method but GET and HEAD.

URL names (namespace ``auditor``): ``index`` (the event search), ``case`` (a case's
timeline as of a date), ``export_csv`` and ``export_xlsx``, ``records`` (the history of
the association's own records, ``workflows.auditor.records``).
"""

from django.urls import path
from django.utils.translation import gettext_lazy
from viewflow.urls import Application

from . import records, views

app_name = "auditor"

urlpatterns = [
    path("", views.event_search, name="index"),
    path("cases/<int:case_id>/", views.case_timeline, name="case"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("export.xlsx", views.export_xlsx, name="export_xlsx"),
    # the association's own records (campaigns, contact reports, projects, the fund...)
    path("records/", records.record_events, name="records"),
]


class AuditorApp(Application):
    """The site's "Audit" entry."""

    title = gettext_lazy("Audit")
    icon = "fact_check"
    app_name = app_name
    base_template_name = "workflows/staff/base_page.html"
    menu_template_name = "workflows/auditor/menu.html"
    urlpatterns = urlpatterns
    index_path = None  # "index" is the event search, in ``urlpatterns``

    def has_view_permission(self, user, obj=None):
        return views.may_audit(user)
