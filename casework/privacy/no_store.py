"""Nothing shown to a signed-in user is kept by a browser or a proxy.

Staff pages, the family's pages and the API's answers carry personal data: full resident
identity numbers and phones where the user's work needs them (recorded each time they
are shown), names, addresses, decisions. A response without ``Cache-Control: no-store``
may be written to the browser's disk cache or kept by a shared proxy, where the next
user of a village office's computer finds it. ``NoStoreForSignedInMiddleware`` marks
every response to a signed-in user (session or API token) ``no-store, private``, unless
the view set its own ``Cache-Control`` (only the public verification page does:
``public, max-age``, with no personal data on it).

One rule in one place, rather than a decorator on each view that shows an identity: a
view added later cannot forget it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


def signed_in(request: HttpRequest) -> bool:
    """Whether the request was made by a user: a session's (AuthenticationMiddleware) or
    an API token's (DRF sets ``request.user`` on the Django request once it has
    authenticated the token)."""
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


class NoStoreForSignedInMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control") and signed_in(request):
            add_never_cache_headers(response)
        return response
