"""Assistance pairings in the staff site (/workflow/pairings/): its URLs and its place in
the menu.

URL names (namespace ``pairings``): ``index`` (the contracts), ``contract`` (a contract,
its visits and the visit form), ``contract_end``, ``contract_document`` (the scanned
contract), ``households`` (hardship households to pair), ``contract_new`` (a contract for
a household), ``partners``, ``partner_add``, ``partner_active``. The views check scope
(404) and, for writes, that the user keeps the area's pairings (403):
``workflows.pairings.views``.
"""

from django.urls import path
from django.utils.translation import gettext_lazy
from viewflow.urls import Application

from .. import frontend_access as scope
from . import views

app_name = "pairings"

urlpatterns = [
    path("", views.contract_list, name="index"),
    path("contracts/<int:pk>/", views.contract_detail, name="contract"),
    path("contracts/<int:pk>/end/", views.contract_end, name="contract_end"),
    path("contracts/<int:pk>/document/", views.contract_document, name="contract_document"),
    path("households/", views.household_list, name="households"),
    path("households/<int:pk>/contract/", views.contract_new, name="contract_new"),
    path("partners/", views.partner_list, name="partners"),
    path("partners/new/", views.partner_add, name="partner_add"),
    path("partners/<int:pk>/active/", views.partner_active, name="partner_active"),
]


class PairingsApp(Application):
    """The site's "Assistance pairings" entry."""

    title = gettext_lazy("Assistance pairings")
    icon = "handshake"
    app_name = app_name
    base_template_name = "workflows/staff/base_page.html"
    menu_template_name = "workflows/pairings/menu.html"
    urlpatterns = urlpatterns
    index_path = None  # "index" is the contract list, in ``urlpatterns``

    def has_view_permission(self, user, obj=None):
        return scope.is_staff(user) and bool(getattr(user, "area_id", None))
