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
    if connection.vendor != "postgresql":
        return  # the change log is PostgreSQL's (docs/architecture.md)
    user_id = str(user.pk) if user is not None and user.is_authenticated else ""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('casework.actor', %s, false)", [user_id])


def clear_db_actor() -> None:
    set_db_actor(None)


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
