"""``{% staff_assets "css" %}``: the parts of the staff pages' frame that are the same on
every page of a process (the stylesheets, scripts, icon and default avatar: static and
URL lookups only), drawn once and kept.

Why: each ``{% static %}`` and ``{% url %}`` in viewflow's frame costs tens of
microseconds, and viewflow's avatar tag asks the cache (a Redis round trip in production)
or the disk for an uploaded picture on every page; this service has no avatar upload, so
every staff user gets viewflow's default one. Drawing these once saves about a
millisecond a page (docs/benchmarks.md, inbox). What varies by request (the user's name,
the CSRF token, the language switch, the menu's badges) stays in the templates.
"""

from functools import lru_cache

from django import template
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

PARTS = ("favicon", "css", "js", "avatar")


@lru_cache(maxsize=32)
def _drawn(part: str, script_prefix: str) -> SafeString:
    # ``script_prefix``: the URLs drawn depend on it (``reverse``), so it keys the copy
    return mark_safe(render_to_string(f"workflows/staff/_frame_{part}.html").strip())


@register.simple_tag
def staff_assets(part: str) -> SafeString:
    """The frame's ``part`` (one of ``PARTS``) as drawn for this process."""
    if part not in PARTS:
        raise template.TemplateSyntaxError(f"staff_assets: unknown part {part!r}")
    return _drawn(part, get_script_prefix())
