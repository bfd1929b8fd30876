"""How an API request says who it is: DRF's token, its read compiled once a process.

Every API request reads its token and the token's user; Django built and compiled that
statement afresh each time. A module of its own: DRF imports the authentication
classes while ``rest_framework.views`` is still loading, so this must not import views.
"""

from __future__ import annotations

from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from ..compiled_queries import CompiledQuery

#: the token and its user
_TOKEN = CompiledQuery(lambda *, key: Token.objects.select_related("user").filter(key=key),
                       values={"key": str})


class CompiledTokenAuthentication(TokenAuthentication):
    """DRF's token authentication with its one read compiled (``casework.compiled_queries``).
    A key it does not find, or an inactive user, goes to DRF's own check, which refuses it
    with DRF's message."""

    def authenticate_credentials(self, key):
        token = _TOKEN.first(key=key)
        if token is None or not token.user.is_active:
            return super().authenticate_credentials(key)
        return token.user, token
