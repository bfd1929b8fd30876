"""Health checks: the family pages' URLs (included under /family/, namespace ``family``)."""

from django.urls import path

from . import family_views

urlpatterns: list = [
    path("health-check/", family_views.mine, name="healthchecks_mine"),
]
