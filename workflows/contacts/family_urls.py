"""Contact households: the family pages' URLs (included under /family/, namespace ``family``)."""

from django.urls import path

from . import family_views

urlpatterns: list = [
    path("contact/", family_views.mine, name="contacts_mine"),
]
