"""JSON bodies read with limits: a nesting depth and a size.

Python's JSON decoder recurses once per nested array or object, so a body of a few
thousand ``[`` raised ``RecursionError`` (a 500, before login too). ``BoundedJSONParser``
measures the nesting first, in one pass over the text that skips strings, and refuses a
body nested deeper than ``API_JSON_MAX_DEPTH`` (default 32: no request of this API nests
more than three or four) with a 400 naming the limit, before the decoder sees it. A body
larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` is refused by Django when it is read
(``RequestDataTooBig``), which ``casework.api.errors`` answers with a JSON 413.
"""

from __future__ import annotations

import codecs

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils import json

DEFAULT_MAX_DEPTH = 32


def max_depth() -> int:
    return int(getattr(settings, "API_JSON_MAX_DEPTH", DEFAULT_MAX_DEPTH))


def nesting_exceeds(text: str, limit: int) -> bool:
    """Whether ``text`` (JSON) nests arrays and objects deeper than ``limit``; brackets
    inside strings do not count. Linear, no recursion."""
    depth = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return True
        elif ch in "]}":
            depth -= 1
    return False


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser, refusing a body nested deeper than ``API_JSON_MAX_DEPTH``."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        raw = stream.read() if stream is not None else b""
        try:
            text = codecs.decode(raw, encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise ParseError(_("The request body is not valid %(encoding)s text.") % {
                "encoding": encoding}) from exc
        limit = max_depth()
        if nesting_exceeds(text, limit):
            raise ParseError(_("The JSON body is nested more than %(limit)s levels deep.") % {
                "limit": limit})
        try:
            parse_constant = json.strict_constant if self.strict else None
            return json.loads(text, parse_constant=parse_constant)
        except (ValueError, RecursionError) as exc:
            raise ParseError(_("The request body is not valid JSON: %(error)s") % {
                "error": exc}) from exc


__all__ = ["BoundedJSONParser", "nesting_exceeds"]
