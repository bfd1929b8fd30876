"""Django's database sessions, their one read compiled once a process.

Every staff page reads its session row (by key, not expired); Django built and compiled
that statement afresh each time (``casework.compiled_queries``). Everything else is
Django's ``db`` engine: the writes, the expiry, the refusal of a missing or expired key.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.core.exceptions import SuspiciousOperation
from django.utils import timezone

from .compiled_queries import CompiledQuery

#: the live session row of a key
_SESSION = CompiledQuery(
    lambda *, key, now: Session.objects.filter(session_key=key, expire_date__gt=now),
    values={"key": str, "now": datetime})


class SessionStore(DatabaseSessionStore):
    """``SESSION_ENGINE = "casework.sessions"``."""

    def _get_session_from_db(self):
        try:
            session = _SESSION.first(key=self.session_key, now=timezone.now())
        except SuspiciousOperation as exc:  # what Django's engine logs and treats as none
            logging.getLogger(f"django.security.{exc.__class__.__name__}").warning(str(exc))
            session = None
        if session is None:
            self._session_key = None
        return session
