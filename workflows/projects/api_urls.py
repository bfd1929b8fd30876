"""Income projects: the REST API's URLs (included under /api/v1/, namespace ``api``)."""

from django.urls import path

from . import api

urlpatterns = [
    path("income-projects/", api.ProjectList.as_view(), name="projects-list"),
    path("income-projects/<int:pk>/", api.ProjectDetail.as_view(), name="projects-detail"),
    path("income-projects/<int:pk>/households/", api.ProjectHouseholds.as_view(),
         name="projects-households"),
    path("income-projects/<int:pk>/households/<int:hid>/", api.ProjectHouseholdDetail.as_view(),
         name="projects-household"),
    path("income-projects/<int:pk>/households/<int:hid>/leave/",
         api.ProjectHouseholdLeave.as_view(), name="projects-household-leave"),
]
