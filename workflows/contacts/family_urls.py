"""Contact households: the family pages' URLs (included under /family/)."""

urlpatterns: list = []
