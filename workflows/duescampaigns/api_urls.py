"""Dues collection campaigns: the REST API's URLs (included under /api/v1/)."""

from django.urls import path

from . import api

urlpatterns = [
    path("dues-campaigns/", api.DuesCampaignList.as_view(), name="duescampaigns-list"),
    path("dues-rates/", api.DuesRates.as_view(), name="duescampaigns-rates"),
    path("membership-drive/", api.MembershipDrive.as_view(),
         name="duescampaigns-membership-drive"),
]
