"""Assistance pairings: the family pages' URLs (included under /family/)."""

urlpatterns: list = []
