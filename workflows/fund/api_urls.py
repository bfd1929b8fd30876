"""Welfare fund: the REST API's URLs (included under /api/v1/, names prefixed ``fund-``)."""

from django.urls import path

from . import api

urlpatterns: list = [
    path("fund-entries/", api.FundEntryList.as_view(), name="fund-entries"),
    path("fund-entries/<int:pk>/reverse/", api.FundEntryReverse.as_view(),
         name="fund-entry-reverse"),
    path("fund-years/<int:year>/", api.FundYearDetail.as_view(), name="fund-year"),
]
