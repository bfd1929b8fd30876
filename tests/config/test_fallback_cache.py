"""The cache's policy while Redis is unreachable (config.fallback_cache), against a private
``redis-server`` the test stops and starts: reads miss, writes land in process memory,
throttles keep counting, and Redis is used again once it answers."""

import shutil
import time

import pytest

from config.fallback_cache import FallbackRedisCache

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None,
                                reason="needs the redis-server binary to run a private Redis")


def cache_on(server, retry_seconds=60.0):
    return FallbackRedisCache(server.url, {"OPTIONS": {
        "FALLBACK_RETRY_SECONDS": retry_seconds}})


def test_reads_and_writes_go_to_memory_while_redis_is_down(redis_server):
    cache = cache_on(redis_server)
    cache.set("avatar", "/static/a.png")
    assert redis_server.client().dbsize() == 1  # written to Redis while it is up

    redis_server.stop()
    assert cache.get("avatar") is None  # a miss, not an error
    assert cache.redis_down
    cache.set("avatar", "/static/b.png")
    assert cache.get("avatar") == "/static/b.png"
    assert cache.get_or_set("other", 7) == 7
    assert cache.get_many(["avatar", "other"]) == {"avatar": "/static/b.png", "other": 7}
    cache.delete("other")
    assert not cache.has_key("other")


def test_a_throttle_keeps_counting_while_redis_is_down(redis_server):
    """DRF's throttle (what the token endpoint uses) still refuses the 11th try in a
    minute with Redis down: the history is kept in the process's memory."""
    from rest_framework.test import APIRequestFactory
    from rest_framework.throttling import SimpleRateThrottle

    cache = cache_on(redis_server)

    class TenAMinute(SimpleRateThrottle):
        rate = "10/min"

        def get_cache_key(self, request, view):
            return "throttle_test_client"

    TenAMinute.cache = cache
    redis_server.stop()
    request = APIRequestFactory().post("/api/v1/auth/token/")
    allowed = [TenAMinute().allow_request(request, None) for _ in range(11)]
    assert allowed == [True] * 10 + [False]


def test_redis_is_used_again_once_it_answers(redis_server):
    cache = cache_on(redis_server, retry_seconds=0.2)
    redis_server.stop()
    cache.set("k", "memory")
    assert cache.redis_down

    redis_server.start()  # empty, on the same port
    time.sleep(0.3)  # the breaker's window has passed
    cache.set("k", "redis")
    assert not cache.redis_down
    assert redis_server.client().dbsize() == 1
    assert cache.get("k") == "redis"


def test_a_hung_redis_times_out_once_then_memory_answers(redis_server, monkeypatch):
    """SIGSTOP: the connection is accepted, nothing answers. The first call ends at the
    socket timeout (instead of hanging the request) and opens the breaker; while it is
    open no call goes to Redis at all."""
    from django.core.cache.backends.redis import RedisCache

    cache = cache_on(redis_server)
    cache.set("warm", 1)  # a pooled connection exists
    redis_server.freeze()
    try:
        assert cache.get("warm") is None
        assert cache.redis_down

        def tried(*args, **kwargs):
            raise AssertionError("Redis was tried while the breaker is open")

        monkeypatch.setattr(RedisCache, "get", tried)
        monkeypatch.setattr(RedisCache, "set", tried)
        cache.set("warm", 2)
        assert [cache.get("warm") for _ in range(100)] == [2] * 100
    finally:
        redis_server.thaw()
