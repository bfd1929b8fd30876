"""Welfare fund in the staff site (/workflow/fund/): its URLs and its place in the menu.

``FundApp`` is an ``Application`` of the staff site (``workflows.frontend.site``): its URLs
go through the site's guard (anonymous users to the login page, families to /family/),
which then asks ``has_view_permission``: staff with an area. The views decide the rest
(``workflows.fund.views``): the ledger for the district's staff, the area's grants for
township and village staff, booking and reversing for the district's keepers (403 for
readers), entries out of the user's sight 404.

URL names (namespace ``fund``): ``index`` (the year's ledger, ``?year=``), ``book`` (book an
entry), ``reverse`` (reverse entry ``pk``).
"""

from django.urls import path
from django.utils.translation import gettext_lazy
from viewflow.urls import Application

from .. import frontend_access as scope
from . import views

app_name = "fund"

urlpatterns: list = [
    path("", views.ledger, name="index"),
    path("book/", views.book, name="book"),
    path("entries/<int:pk>/reverse/", views.reverse_entry, name="reverse"),
]


class FundApp(Application):
    """The site's "Welfare fund" entry."""

    title = gettext_lazy("Welfare fund")
    icon = "account_balance"
    app_name = app_name
    base_template_name = "workflows/staff/base_page.html"
    menu_template_name = "workflows/fund/menu.html"
    urlpatterns = urlpatterns
    index_path = None  # "index" is the ledger, in ``urlpatterns``

    def has_view_permission(self, user, obj=None):
        return scope.is_staff(user) and bool(getattr(user, "area_id", None))
