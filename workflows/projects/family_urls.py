"""Income projects: the family pages' URLs (included under /family/, namespace ``family``)."""

from django.urls import path

from . import family

urlpatterns = [
    path("projects/", family.projects_mine, name="projects_mine"),
]
