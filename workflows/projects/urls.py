"""Income projects in the staff site (/workflow/projects/): its URLs and its place in the menu.

URL names (namespace ``projects``): ``index`` (the project list), ``create``, ``project``,
``edit``, ``household_add``, ``household_support``, ``household_leave``. Who may do what:
``workflows.projects.views``.
"""

from django.urls import path
from django.utils.translation import gettext_lazy
from viewflow.urls import Application

from .. import frontend_access as scope
from . import views

app_name = "projects"

urlpatterns = [
    path("", views.project_list, name="index"),
    path("new/", views.project_create, name="create"),
    path("<int:pk>/", views.project_detail, name="project"),
    path("<int:pk>/edit/", views.project_edit, name="edit"),
    path("<int:pk>/households/add/", views.household_add, name="household_add"),
    path("<int:pk>/households/<int:hid>/support/", views.household_support,
         name="household_support"),
    path("<int:pk>/households/<int:hid>/leave/", views.household_leave,
         name="household_leave"),
]


class ProjectsApp(Application):
    """The site's "Income projects" entry."""

    title = gettext_lazy("Income projects")
    icon = "agriculture"
    app_name = app_name
    base_template_name = "workflows/staff/base_page.html"
    menu_template_name = "workflows/projects/menu.html"
    urlpatterns = urlpatterns
    index_path = None  # "index" is the project list, in ``urlpatterns``

    def has_view_permission(self, user, obj=None):
        return scope.is_staff(user) and bool(getattr(user, "area_id", None))
