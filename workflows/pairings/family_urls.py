"""Assistance pairings: the family pages' URLs (included under /family/, namespace
``family``): ``pairings_mine`` (the family's pairing) and ``pairings_document`` (its
scanned contract)."""

from django.urls import path

from . import family_views

urlpatterns = [
    path("pairing/", family_views.mine, name="pairings_mine"),
    path("pairing/<int:pk>/document/", family_views.document, name="pairings_document"),
]
