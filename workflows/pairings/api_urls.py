"""Assistance pairings: the REST API's URLs (included under /api/v1/, namespace ``api``)."""

from django.urls import path

from . import api

urlpatterns = [
    path("pairing-partners/", api.PartnerList.as_view(), name="pairings-partners"),
    path("pairing-contracts/", api.ContractList.as_view(), name="pairings-contracts"),
    path("pairing-contracts/<int:pk>/", api.ContractDetail.as_view(), name="pairings-contract"),
    path("pairing-contracts/<int:pk>/end/", api.ContractEnd.as_view(),
         name="pairings-contract-end"),
    path("pairing-contracts/<int:pk>/visits/", api.ContractVisits.as_view(),
         name="pairings-contract-visits"),
]
