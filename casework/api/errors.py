"""Domain exceptions become HTTP answers here, in one place."""

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from ..errors import CaseConflict, DomainError, IneligibleApplication, InvalidInput, NotPermitted

STATUS_FOR = {
    CaseConflict: status.HTTP_409_CONFLICT,
    NotPermitted: status.HTTP_403_FORBIDDEN,
    IneligibleApplication: status.HTTP_422_UNPROCESSABLE_ENTITY,
    InvalidInput: status.HTTP_400_BAD_REQUEST,
}


def exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return Response({"detail": _("The request body is larger than %(limit)s bytes.") % {
            "limit": limit}, "code": "too_large"}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, DomainError):
        code = next((c for t, c in STATUS_FOR.items() if isinstance(exc, t)), 400)
        body = {"detail": exc.message}
        if exc.code:
            body["code"] = exc.code
        if exc.field:
            body[exc.field] = [exc.message]
        return Response(body, status=code)
    if isinstance(exc, ObjectDoesNotExist):
        exc = Http404(str(exc))
    if isinstance(exc, DjangoValidationError):
        return Response({"detail": exc.messages}, status=400)
    return drf_handler(exc, context)
