"""Health checks: the REST API's URLs (included under /api/v1/, namespace ``api``)."""

from django.urls import path

from . import api

urlpatterns: list = [
    path("health-check-campaigns/", api.CampaignList.as_view(),
         name="healthchecks-campaigns"),
    path("health-check-campaigns/<int:pk>/", api.CampaignDetail.as_view(),
         name="healthchecks-campaign"),
    path("health-check-campaigns/<int:pk>/records/", api.CampaignRecords.as_view(),
         name="healthchecks-records"),
    path("health-check-campaigns/<int:pk>/refresh/", api.CampaignRefresh.as_view(),
         name="healthchecks-refresh"),
    path("health-check-coverage/", api.Coverage.as_view(), name="healthchecks-coverage"),
]
