"""API permissions that hold for every endpoint."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from .. import access
from ..history.db_actor import set_db_actor


class ReadOnlyRolesCannotWrite(BasePermission):
    """Auditors read everything in scope and change nothing: 403 before any input is read."""

    message = "Your role is read-only."

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        if not access.can_write(request.user):
            return False
        # DRF authenticated the token user only now: tell the change log who writes
        # (casework.history.db_actor; the middleware clears it when the request ends)
        if getattr(request, "auth", None) is not None:
            set_db_actor(request.user)
        return True
