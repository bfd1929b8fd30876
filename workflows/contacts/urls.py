"""Contact households in the staff site (/workflow/contacts/): its URLs and its place in the menu."""

from django.utils.translation import gettext_lazy
from viewflow.urls import Application

from .. import frontend_access as scope

app_name = "contacts"

urlpatterns: list = []


class ContactsApp(Application):
    """The site's "Contact households" entry."""

    title = gettext_lazy("Contact households")
    icon = "diversity_3"
    app_name = app_name
    base_template_name = "workflows/staff/base_page.html"
    urlpatterns = urlpatterns

    def has_view_permission(self, user, obj=None):
        return scope.is_staff(user) and bool(getattr(user, "area_id", None))
