"""Domain exceptions; the API maps them to HTTP statuses in one place."""


class DomainError(Exception):
    """Base class: a message fit to show the user, and optionally the field it concerns."""

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


class CaseConflict(DomainError):
    """The case or task moved on (e.g. the task was already decided): HTTP 409."""


class NotPermitted(DomainError):
    """The actor may see the object but not do this to it: HTTP 403."""


class IneligibleApplication(DomainError):
    """The application is refused outright (duplicate, closed program): HTTP 422."""


class InvalidInput(DomainError):
    """Input failed validation at the service edge: HTTP 400."""
