"""Personal numbers kept out of logs and error reports.

Resident identity numbers (18 characters) and mainland mobile numbers (11 digits) are
masked as ``330703********123X`` and ``138****5678`` (``casework.personal.identity.
mask_personal_text``):

- ``MaskPersonalData``: a logging filter on every handler of ``LOGGING``; it rewrites
  the record's message (and its traceback and stack text) when they hold such a number.
- ``configure_logging`` (``LOGGING_CONFIG``): Django's ``dictConfig``, then the same
  masking on every record as it is made, so a handler configured elsewhere (Celery's
  worker replaces the root handlers) never sees the numbers either.
- ``PersonalDataReporterFilter`` (``DEFAULT_EXCEPTION_REPORTER_FILTER``): Django's safe
  filter (settings named like keys and passwords, ``sensitive_variables``) that also
  masks the numbers in frame variables, POST data and request headers of error reports;
  ``PersonalDataExceptionReporter`` masks whatever else the report prints (the
  exception message, query strings) in its rendered text and HTML.
"""

from __future__ import annotations

import logging
import logging.config
import pprint
from typing import Any

from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

from casework.personal.identity import mask_personal_text

_formatter = logging.Formatter()


def mask_record(record: logging.LogRecord) -> logging.LogRecord:
    """Mask the record in place (message, traceback text, stack); idempotent."""
    try:
        message = record.getMessage()
    except Exception:  # a broken format: leave it to the handler to report
        return record
    masked = mask_personal_text(message)
    if masked != message:
        record.msg, record.args = masked, ()
    if record.exc_info and not record.exc_text:
        record.exc_text = _formatter.formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = mask_personal_text(record.exc_text)
    if record.stack_info:
        record.stack_info = mask_personal_text(record.stack_info)
    return record


class MaskPersonalData(logging.Filter):
    """Never drops a record; masks identity and mobile numbers in it."""

    def filter(self, record: logging.LogRecord) -> bool:
        mask_record(record)
        return True


def install_record_factory() -> None:
    """Every ``LogRecord`` made from now on is masked as it is made (idempotent)."""
    current = logging.getLogRecordFactory()
    if getattr(current, "masks_personal_data", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return mask_record(current(*args, **kwargs))

    factory.masks_personal_data = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def configure_logging(config: dict) -> None:
    """``LOGGING_CONFIG``: the dictionary configuration, then the masking record factory."""
    logging.config.dictConfig(config)
    install_record_factory()


class _Masked:
    """A frame variable shown by its masked representation."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _mask_value(value):
    if isinstance(value, str):
        return mask_personal_text(value)
    try:
        text = pprint.pformat(value)
    except Exception:
        return value
    masked = mask_personal_text(text)
    return value if masked == text else _Masked(masked)


class PersonalDataReporterFilter(SafeExceptionReporterFilter):
    """Django's safe filter, and identity and mobile numbers masked wherever it looks."""

    def get_traceback_frame_variables(self, request, tb_frame):
        return [(name, _mask_value(value))
                for name, value in super().get_traceback_frame_variables(request, tb_frame)]

    def get_post_parameters(self, request):
        parameters = super().get_post_parameters(request)
        if not hasattr(parameters, "lists"):
            return parameters
        parameters = parameters.copy()  # a mutable QueryDict
        for key, values in list(parameters.lists()):
            parameters.setlist(key, [mask_personal_text(v) if isinstance(v, str) else v
                                     for v in values])
        return parameters

    def get_safe_request_meta(self, request):
        return {key: _mask_value(value)
                for key, value in super().get_safe_request_meta(request).items()}

    def get_safe_cookies(self, request):
        return {key: _mask_value(value)
                for key, value in super().get_safe_cookies(request).items()}


class PersonalDataExceptionReporter(ExceptionReporter):
    """The rendered report, text and HTML, with identity and mobile numbers masked (the
    exception's message and the query string are not the filter's to clean)."""

    def get_traceback_html(self):
        return mask_personal_text(str(super().get_traceback_html()))

    def get_traceback_text(self):
        return mask_personal_text(str(super().get_traceback_text()))
