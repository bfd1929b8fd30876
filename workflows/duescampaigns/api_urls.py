"""Dues collection campaigns: the REST API's URLs (included under /api/v1/)."""

urlpatterns: list = []
