"""Contact households: the REST API's URLs (included under /api/v1/, names ``contacts-...``)."""

from django.urls import path

from . import api

urlpatterns: list = [
    path("contact-assignments/", api.AssignmentList.as_view(), name="contacts-assignments"),
    path("contact-assignments/<int:pk>/end/", api.AssignmentEnd.as_view(),
         name="contacts-assignment-end"),
    path("reporting-rounds/", api.RoundList.as_view(), name="contacts-rounds"),
    path("reporting-rounds/<int:pk>/close/", api.RoundClose.as_view(),
         name="contacts-round-close"),
    path("reporting-rounds/<int:pk>/reports/", api.RoundReports.as_view(),
         name="contacts-round-reports"),
    path("reporting-rounds/<int:pk>/missing/", api.RoundMissing.as_view(),
         name="contacts-round-missing"),
    path("reporting-rounds/<int:pk>/rollup/", api.RoundRollup.as_view(),
         name="contacts-round-rollup"),
]
