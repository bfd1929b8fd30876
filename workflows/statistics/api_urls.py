"""The statistics report: the REST API's URL (included under /api/v1/)."""

from django.urls import path

from . import api

urlpatterns = [
    path("statistics/<str:area>/", api.StatisticsView.as_view(), name="statistics"),
]
