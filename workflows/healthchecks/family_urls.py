"""Health checks: the family pages' URLs (included under /family/)."""

urlpatterns: list = []
