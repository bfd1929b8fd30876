"""Django's Redis cache that keeps the service working while Redis is unreachable.

Nothing the service keeps lives only in the cache (sessions, lockouts, cases and the
outbox are in the database), but the cache is read on hot paths: DRF's throttles on the
token endpoint and viewflow's avatar tag on every staff page. With Django's stock
``RedisCache`` a stopped Redis made those answer 500, so staff could neither log in nor
work while families' submissions went on.

``FallbackRedisCache`` degrades instead of failing, and this is the documented policy
(docs/deploy.md, "Redis"):

- **Reads and writes fall back to a per-process memory cache.** A read that cannot reach
  Redis is a miss from Redis and is answered from the process's own memory; a write goes
  there too. A cache is allowed to miss, so nothing is lost.
- **Throttles keep counting, per process.** DRF's throttles read and write their history
  through this cache, so while Redis is down they count in each web process's memory:
  the limit still holds per process (with N processes a client gets at most N times the
  limit), it is never switched off. Login lockouts (django-axes) are database rows and
  are not affected at all.
- **One failure opens the breaker for ``RETRY_SECONDS``**: for that long Redis is not
  tried, so a dead Redis costs one failed connection per process every few seconds, not
  one per cache call. Sockets time out after ``SOCKET_TIMEOUT`` seconds, so a Redis
  that hangs (rather than refusing connections) holds a request for at most that long.
- When Redis answers again the process goes back to it; what was kept in memory in the
  meantime is simply forgotten (a cache may lose entries).

Only connection failures and timeouts fall back; any other error is a bug and raises.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
RETRY_SECONDS = 5.0
SOCKET_TIMEOUT = 0.5  # seconds, for connecting and for each answer
LOCAL_MAX_ENTRIES = 10_000


class FallbackRedisCache(RedisCache):
    """``RedisCache`` answering from process memory while Redis cannot be reached."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        params = dict(params)
        options = dict(params.get("OPTIONS") or {})
        self.retry_seconds = float(options.pop("FALLBACK_RETRY_SECONDS", RETRY_SECONDS))
        options.setdefault("socket_connect_timeout", SOCKET_TIMEOUT)
        options.setdefault("socket_timeout", SOCKET_TIMEOUT)
        params["OPTIONS"] = options
        super().__init__(server, params)
        self.local = LocMemCache(f"redis-fallback:{server}", {
            **{k: v for k, v in params.items() if k in {"TIMEOUT", "KEY_PREFIX", "VERSION",
                                                         "KEY_FUNCTION"}},
            "OPTIONS": {"MAX_ENTRIES": LOCAL_MAX_ENTRIES}})
        self._down_until = 0.0
        self._lock = threading.Lock()

    @property
    def redis_down(self) -> bool:
        """Whether calls go to process memory now (the breaker is open)."""
        return time.monotonic() < self._down_until

    def _fell(self, operation: str, exc: Exception) -> None:
        with self._lock:
            was_up = not self.redis_down
            self._down_until = time.monotonic() + self.retry_seconds
        if was_up:
            logger.warning("cache: Redis unreachable (%s on %s); using process memory for "
                           "%.0f s", type(exc).__name__, operation, self.retry_seconds)

    def _call(self, operation: str, *args: Any, **kwargs: Any) -> Any:
        if not self.redis_down:
            try:
                return getattr(RedisCache, operation)(self, *args, **kwargs)
            except UNREACHABLE as exc:
                self._fell(operation, exc)
        return getattr(self.local, operation)(*args, **kwargs)

    # every public operation RedisCache implements itself; BaseCache builds the rest
    # (get_or_set, decr, incr_version, the async ones) on top of these
    def add(self, *args: Any, **kwargs: Any) -> bool:
        return self._call("add", *args, **kwargs)

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("get", *args, **kwargs)

    def set(self, *args: Any, **kwargs: Any) -> None:
        return self._call("set", *args, **kwargs)

    def touch(self, *args: Any, **kwargs: Any) -> bool:
        return self._call("touch", *args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> bool:
        return self._call("delete", *args, **kwargs)

    def get_many(self, *args: Any, **kwargs: Any) -> dict:
        return self._call("get_many", *args, **kwargs)

    def has_key(self, *args: Any, **kwargs: Any) -> bool:
        return self._call("has_key", *args, **kwargs)

    def incr(self, *args: Any, **kwargs: Any) -> int:
        return self._call("incr", *args, **kwargs)

    def set_many(self, *args: Any, **kwargs: Any) -> list:
        return self._call("set_many", *args, **kwargs)

    def delete_many(self, *args: Any, **kwargs: Any) -> None:
        return self._call("delete_many", *args, **kwargs)

    def clear(self) -> None:
        self.local.clear()
        return self._call("clear")
