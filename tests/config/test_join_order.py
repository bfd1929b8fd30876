"""PostgreSQL keeps the ORM's join order past three relations (``join_collapse_limit``,
``PG_JOIN_COLLAPSE_LIMIT`` in ``config/settings.py``): a case file's eight-table read
planned in ~8 ms with the server's default. Set per connection at its start."""

import pytest
from django.db import connection

pytestmark = pytest.mark.requires_postgres("a PostgreSQL planner setting")


@pytest.mark.django_db
def test_each_connection_plans_with_the_services_join_limit():
    with connection.cursor() as cursor:
        cursor.execute("SHOW join_collapse_limit")
        assert cursor.fetchone()[0] == "3"
