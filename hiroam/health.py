"""GET /health (plan section 16.5) for load balancers and monitors.

- database unreachable -> 503 "unhealthy": this instance cannot serve anything useful;
- Redis unreachable, workers silent for too long, or a provider's circuit breaker open ->
  200 "degraded": pages still render, but queued work, rate limits, payments or fulfilment
  suffer; every instance shares them, so pulling this one out of the pool would not help.
"""

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from hiroam.integrations.circuit_breaker import CircuitBreaker, CircuitState
from hiroam.integrations.esim_access import esim_access_breaker
from hiroam.integrations.paddle import paddle_breaker

HEARTBEAT_KEY = "health:worker-heartbeat"
WORKER_SILENCE_LIMIT_SECONDS = 180  # three missed beats (the job runs every minute)

HEALTHY, DEGRADED, UNHEALTHY, UNKNOWN = "healthy", "degraded", "unhealthy", "unknown"


def record_worker_heartbeat(now: float | None = None) -> None:
    cache.set(HEARTBEAT_KEY, now if now is not None else time.time(), timeout=None)


def _timed(check: Callable[[], None]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        check()
    except Exception as error:
        return {"status": UNHEALTHY, "error": type(error).__name__}
    return {"status": HEALTHY, "latency_ms": round((time.perf_counter() - started) * 1000, 2)}


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_redis() -> None:
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    finally:
        client.close()


def _read_through_cache(redis_status: str, read: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Worker and circuit states live in Redis: unknown (never an error) when it cannot answer."""
    if redis_status != HEALTHY:
        return {"status": UNKNOWN}
    try:
        return read()
    except Exception as error:  # the cache's Redis failed after the ping: still answer
        return {"status": UNKNOWN, "error": type(error).__name__}


def _worker_status(now: float) -> dict[str, Any]:
    last_beat = cache.get(HEARTBEAT_KEY)
    if last_beat is None:  # no worker has reported since Redis started: say so, don't guess
        return {"status": UNKNOWN}
    age = round(now - float(last_beat))
    return {
        "status": HEALTHY if age <= WORKER_SILENCE_LIMIT_SECONDS else DEGRADED,
        "last_beat_seconds_ago": age,
    }


def _circuit_status(breaker: CircuitBreaker, now: float) -> dict[str, Any]:
    """A provider is reported by its circuit breaker, not by calling it: /health must stay
    cheap and must not spend the provider's rate limit."""
    state = breaker.state(now)
    return {"status": HEALTHY if state is CircuitState.CLOSED else DEGRADED, "circuit": str(state)}


def health_report(now: float) -> dict[str, Any]:
    checks = {"database": _timed(_check_database), "redis": _timed(_check_redis)}
    redis_status = checks["redis"]["status"]
    checks["worker"] = _read_through_cache(redis_status, lambda: _worker_status(now))
    checks["esim_access"] = _read_through_cache(
        redis_status, lambda: _circuit_status(esim_access_breaker(), now)
    )
    checks["paddle"] = _read_through_cache(
        redis_status, lambda: _circuit_status(paddle_breaker(), now)
    )
    if checks["database"]["status"] != HEALTHY:
        status = UNHEALTHY
    elif any(check["status"] not in (HEALTHY, UNKNOWN) for check in checks.values()):
        status = DEGRADED
    else:
        status = HEALTHY
    return {
        "status": status,
        "timestamp": datetime.fromtimestamp(now, tz=UTC).isoformat(),
        "version": settings.APP_VERSION,
        "checks": checks,
    }


@never_cache
@require_GET
def health_view(request: HttpRequest) -> JsonResponse:
    report = health_report(time.time())
    return JsonResponse(report, status=503 if report["status"] == UNHEALTHY else 200)
