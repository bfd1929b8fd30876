"""Health checks for the load balancer and the process supervisor.

- ``/healthz``: liveness. The process is up and serves requests; touches nothing else,
  so a database outage does not get every web process restarted.
- ``/readyz``: readiness. The database answers a trivial query and the Celery broker is
  reachable (Redis answers PING; without Redis, the filesystem broker's folder is
  writable). 200 when every check passes, 503 naming the check that failed.

Neither needs a login nor says anything about cases or people: a check's answer is
``ok`` or the exception's class name, never a host, a URL or a message.
"""

import logging
import os
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

BROKER_TIMEOUT_SECONDS = 2.0


def check_database() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_broker() -> None:
    url = str(settings.CELERY_BROKER_URL)
    if url.startswith(("redis://", "rediss://")):
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=BROKER_TIMEOUT_SECONDS,
                                      socket_timeout=BROKER_TIMEOUT_SECONDS)
        try:
            if not client.ping():
                raise ConnectionError("Redis did not answer PING")
        finally:
            client.close()
    elif url.startswith("filesystem://"):
        folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
        handle, name = tempfile.mkstemp(prefix=".readyz-", dir=folder)
        os.close(handle)
        os.unlink(name)
    else:
        raise ValueError("unsupported broker")


CHECKS = {"database": check_database, "broker": check_broker}


@never_cache
@require_safe
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request):
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            check()
        except Exception as exc:  # any failure makes the process not ready
            logger.warning("readiness check %s failed after %.1f s", name,
                           time.monotonic() - started, exc_info=True)
            results[name] = f"failed: {type(exc).__name__}"
        else:
            results[name] = "ok"
    failed = [name for name, result in results.items() if result != "ok"]
    return JsonResponse({"status": "fail" if failed else "ok", "failed": failed,
                         "checks": results}, status=503 if failed else 200)
