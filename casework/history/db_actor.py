"""Who changes the register, as PostgreSQL's change-log trigger sees it.

The trigger (migration ``casework 0007``) reads the session setting
``casework.actor``. It is set for the requests that may write (unsafe methods):
session users by ``DbActorMiddleware`` before the view, token users by the API's
permission check once DRF has authenticated them; the middleware clears it when the
request ends, so a pooled connection never carries one request's user into the next.
Celery tasks and commands leave it empty: the change is the system's.
"""

from django.db import connection

SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")


def set_db_actor(user) -> None:
    """Name ``user`` to the change log for this connection (nothing for anonymous)."""
    if connection.vendor != "postgresql":
        return  # the change log is PostgreSQL's (docs/architecture.md)
    if user is None or not user.is_authenticated:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('casework.actor', %s, false)", [str(user.pk)])
    connection.casework_actor_set = True


def clear_db_actor() -> None:
    """Forget the user, if one was named on this connection."""
    if getattr(connection, "casework_actor_set", False):
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('casework.actor', '', false)")
        connection.casework_actor_set = False


class DbActorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in SAFE_METHODS or connection.vendor != "postgresql":
            return self.get_response(request)
        set_db_actor(getattr(request, "user", None))
        try:
            return self.get_response(request)
        finally:
            clear_db_actor()
