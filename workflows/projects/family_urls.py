"""Income projects: the family pages' URLs (included under /family/)."""

urlpatterns: list = []
