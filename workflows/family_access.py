"""Who may open the family pages: ``family_required``, the decorator of every feature's
family page (``workflows.family``, and the family pages of contacts, health checks,
pairings and projects). A module of its own, not a view module, so that a feature's
family page does not import the family pages (nor they it)."""

from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseRedirect

from casework.models import User

STAFF_HOME = "/workflow/"


def family_required(view):
    """Families only: anonymous users go to the login page, staff to their own pages."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        if user.role != User.Role.FAMILY:
            return HttpResponseRedirect(STAFF_HOME)
        return view(request, *args, **kwargs)

    return wrapper
