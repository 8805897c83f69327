"""Per-endpoint rate limits, counted in Redis so every web process shares the count.

A view opts in with `throttle_scope = "checkout"`; the rate for that scope comes from
settings.THROTTLE_RATES (plan section 15, overridable from the environment). Each client gets
a fixed window per scope: the signed-in user's id, or else the client address. A view may
narrow the key further with `throttle_ident(request)` (checkout: address + email), and may
count the same request in more scopes, each by its own key, with `throttle_scopes`: a list of
(scope, ident function) pairs, the function answering None when the request has nothing to be
counted by (login: per client, and per email tried with `("login_email", <email of request>)`).
Idents are hashed in the Redis key, so no email or address is stored there in clear.

Every throttled answer carries X-RateLimit-Limit / -Remaining / -Reset (Unix seconds) of the
scope closest to its limit, and a 429 also carries Retry-After (set by the exception handler).
If Redis is unreachable most scopes let requests through (and log it): refusing every customer
because a counter is down would be worse than a burst. The scopes that guard passwords
(FAIL_CLOSED_SCOPES) refuse instead, with 503, since an unlimited password guesser is worse.
"""

import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from redis import RedisError
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from hiroam.api.client_ip import client_ip
from hiroam.api.errors import DomainError, ErrorCode
from hiroam.redis_cache import redis_client

logger = logging.getLogger(__name__)

# The throttle's clock, in Unix seconds. Windows are aligned to it; tests replace it.
now: Callable[[], float] = time.time

FAIL_CLOSED_SCOPES = frozenset({"login", "login_email", "register", "me_erase"})

Ident = Callable[[Request], str | None]

_PERIOD_SECONDS = {
    "s": 1,
    "sec": 1,
    "second": 1,
    "m": 60,
    "min": 60,
    "minute": 60,
    "h": 3600,
    "hour": 3600,
    "d": 86400,
    "day": 86400,
}


@dataclass(frozen=True)
class Rate:
    requests: int
    period_seconds: int


@dataclass(frozen=True)
class RateLimitState:
    limit: int
    remaining: int
    reset_at: int  # Unix seconds when the window ends


class RateLimitUnavailableError(DomainError):
    code = ErrorCode.SERVICE_UNAVAILABLE
    status_code = 503
    message = "This service is briefly unavailable. Please try again in a minute."


def parse_rate(rate: str) -> Rate:
    """'100/min' -> Rate(100, 60). Raises ValueError on anything else."""
    count, _, period = rate.partition("/")
    if period not in _PERIOD_SECONDS or not count.isdigit():
        raise ValueError(f"Not a rate: {rate!r} (expected e.g. '100/min')")
    return Rate(int(count), _PERIOD_SECONDS[period])


def email_in_body(request: Request) -> str | None:
    """An ident for limits per customer email (the body's `email`, however it is spelled), so
    one address gets no more attempts from many clients; None when there is none."""
    email = request.data.get("email") if isinstance(request.data, dict) else None
    if not isinstance(email, str) or not email.strip():
        return None
    return f"email:{email.strip().lower()}"


def client_ident(request: Request) -> str:
    """The default key: the signed-in user, or else the client address."""
    if request.user and request.user.is_authenticated:
        return f"user:{request.user.pk}"
    return f"ip:{client_ip(request._request)}"


class ScopedRedisThrottle(BaseThrottle):
    def __init__(self) -> None:
        self.wait_seconds: float | None = None

    def allow_request(self, request: Request, view: Any) -> bool:
        if not settings.THROTTLING_ENABLED:
            return True
        current = now()
        closest: RateLimitState | None = None
        for scope, ident_of in _scopes_of(view):
            ident = ident_of(request)
            state = None if ident is None else _count(scope, ident, current)
            if state is None:
                continue
            if closest is None or state.remaining < closest.remaining:
                closest = state
            if state.remaining < 0:  # over this scope's limit: later scopes are not counted
                self.wait_seconds = state.reset_at - current
                break
        if closest is not None:
            request._request.rate_limit = closest  # type: ignore[attr-defined]
        return self.wait_seconds is None

    def wait(self) -> float | None:
        return self.wait_seconds


def _scopes_of(view: Any) -> list[tuple[str, Ident]]:
    scopes: list[tuple[str, Ident]] = []
    if scope := getattr(view, "throttle_scope", None):
        scopes.append((scope, getattr(view, "throttle_ident", None) or client_ident))
    extra: Sequence[tuple[str, Ident]] = getattr(view, "throttle_scopes", ())
    return [*scopes, *extra]


def _count(scope: str, ident: str, current: float) -> RateLimitState | None:
    """Counts one request in its window; None when Redis is unreachable and `scope` fails
    open. `remaining` is negative once the request is over the limit."""
    rate = parse_rate(settings.THROTTLE_RATES[scope])
    window_start = int(current // rate.period_seconds) * rate.period_seconds
    hashed = hashlib.sha256(ident.encode()).hexdigest()[:32]
    try:
        count = _increment(
            f"throttle:{scope}:{hashed}:{window_start}", ttl_seconds=rate.period_seconds
        )
    except (RedisError, OSError) as error:
        if scope in FAIL_CLOSED_SCOPES:
            logger.error("Rate limit counter unavailable; refusing %s", scope, exc_info=True)
            raise RateLimitUnavailableError() from error
        logger.warning("Rate limit counter unavailable; allowing %s", scope, exc_info=True)
        return None
    return RateLimitState(rate.requests, rate.requests - count, window_start + rate.period_seconds)


def _increment(key: str, *, ttl_seconds: int) -> int:
    """INCR, then EXPIRE NX, in one round trip (a MULTI/EXEC pipeline): no count is lost, the
    window's first request starts the expiry and later ones never extend it."""
    redis_key = caches["default"].make_and_validate_key(key)  # with KEY_PREFIX, like the cache
    pipeline = redis_client(redis_key).pipeline()
    pipeline.incr(redis_key)
    pipeline.expire(redis_key, ttl_seconds, nx=True)
    count, _ = pipeline.execute()
    return int(count)


def seconds_to_wait(scopes: Sequence[tuple[str, str | None]]) -> float | None:
    """For pages outside DRF (the storefront): counts one request in each (scope, ident) —
    the same windows and keys as the API's, so a shop form and the API share one budget —
    and answers how long to wait when one is over its limit, else None."""
    if not settings.THROTTLING_ENABLED:
        return None
    current = now()
    for scope, ident in scopes:
        state = None if ident is None else _count(scope, ident, current)
        if state is not None and state.remaining < 0:
            return state.reset_at - current
    return None


def visitor_ident(request: HttpRequest) -> str:
    """`client_ident` for a plain Django request (the session's user, or the address)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"ip:{client_ip(request)}"


class RateLimitHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        state: RateLimitState | None = getattr(request, "rate_limit", None)
        if state is not None:
            response["X-RateLimit-Limit"] = str(state.limit)
            response["X-RateLimit-Remaining"] = str(max(0, state.remaining))
            response["X-RateLimit-Reset"] = str(state.reset_at)
        return response
