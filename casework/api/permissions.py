"""API permissions that hold for every endpoint."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from .. import access


class ReadOnlyRolesCannotWrite(BasePermission):
    """Auditors read everything in scope and change nothing: 403 before any input is read."""

    message = "Your role is read-only."

    def has_permission(self, request, view) -> bool:
        return request.method in SAFE_METHODS or access.can_write(request.user)
