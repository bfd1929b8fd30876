"""Contact households in the staff site (/workflow/contacts/): its URLs and its place in the menu.

URL names (namespace ``contacts``): ``index`` (the user's village, or the villages of the
area), ``village`` (a village's contact members and their households), ``assign``,
``end`` (an assignment), ``rounds``, ``round_new``, ``round`` (a round: the day, missing
reports, the roll-up), ``round_report`` (a village's form for a day), ``round_close``.
"""

from django.urls import path
from django.utils.translation import gettext_lazy
from viewflow.urls import Application

from .. import frontend_access as scope
from . import views

app_name = "contacts"

urlpatterns = [
    path("", views.index, name="index"),
    path("villages/<str:code>/", views.village, name="village"),
    path("villages/<str:code>/assign/", views.assign, name="assign"),
    path("assignments/<int:pk>/end/", views.end, name="end"),
    path("rounds/", views.rounds, name="rounds"),
    path("rounds/new/", views.round_new, name="round_new"),
    path("rounds/<int:pk>/", views.round_detail, name="round"),
    path("rounds/<int:pk>/close/", views.round_close, name="round_close"),
    path("rounds/<int:pk>/villages/<str:code>/report/", views.round_report,
         name="round_report"),
]


class ContactsApp(Application):
    """The site's "Contact households" entry."""

    title = gettext_lazy("Contact households")
    icon = "diversity_3"
    app_name = app_name
    base_template_name = "workflows/staff/base_page.html"
    menu_template_name = "workflows/contacts/menu.html"
    urlpatterns = urlpatterns
    index_path = None  # "index" is in ``urlpatterns``

    def has_view_permission(self, user, obj=None):
        return scope.is_staff(user) and bool(getattr(user, "area_id", None))
