"""Cached catalogue answers, dropped the moment anything they show changes.

Every cached answer's key includes the catalogue version, a counter in Redis. Any change to a
package, a price or a price schedule bumps it (after its transaction commits), so the next
request misses and recomputes: a cached answer is never stale after an admin saves. Answers
also expire at the next moment something turns on or off by the clock (an availability window,
a schedule), and after CATALOG_CACHE_SECONDS at the latest.

A page that only reads the catalogue runs inside `reads_catalogue`: it reads the version once,
however many cached answers it uses (its answers agree with each other, a round trip each
saved).
"""

import functools
import hashlib
import json
import logging
import secrets
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from catalog.availability import next_change_at
from catalog.models import EsimPackage
from catalog.price_display import Audience, DisplayPrice

logger = logging.getLogger(__name__)

VERSION_KEY = "catalog:version"
# Inside `reads_catalogue`: [] until the version is first read, then [the version].
_version_read: ContextVar[list[int] | None] = ContextVar("catalog_version_read", default=None)


def catalog_version() -> int:
    held = _version_read.get()
    if held:
        return held[0]
    version = cache.get(VERSION_KEY)
    if version is None:
        # A new counter starts anywhere: a version seen before Redis was emptied never comes
        # back, so nothing kept by it (in a process's memory) can be taken for current.
        cache.add(VERSION_KEY, secrets.randbelow(2**62) + 1, timeout=None)
        version = cache.get(VERSION_KEY, 1)
    if held is not None:
        held.append(int(version))
    return int(version)


def reads_catalogue[**P, R](view: Callable[P, R]) -> Callable[P, R]:
    """For a view that only reads the catalogue: one version for the whole request."""

    @functools.wraps(view)
    def reading(*args: P.args, **kwargs: P.kwargs) -> R:
        token = _version_read.set([])
        try:
            return view(*args, **kwargs)
        finally:
            _version_read.reset(token)

    return reading


def _bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # no version yet (Redis was emptied): any new value invalidates
        cache.add(VERSION_KEY, secrets.randbelow(2**62) + 1, timeout=None)
    except Exception:
        logger.exception("Could not invalidate the catalogue cache")


def seconds_until(moment: datetime | None, now: datetime) -> float:
    """An answer's lifetime: until `moment` (None: no end by the clock)."""
    return (moment - now).total_seconds() if moment else float("inf")


def cached_for(
    audience: Audience,
    name: str,
    params: dict[str, Any],
    build: Callable[[], tuple[tuple[Any, tuple[str, ...]] | None, float]],
    now: datetime,
) -> Any:
    """`cached_answer` for an answer whose prices depend on who looks: kept apart per
    `audience.key`. `build()` answers (the answer, the experiments whose prices it shows) and
    its lifetime; each time the answer is served, those experiments count a view."""
    found = cached_answer(name, {**params, "audience": audience.key}, build)
    if found is None:
        return None
    answer, shown = found
    audience.shown(shown, now)
    return answer


def lifetime_seconds(
    packages: Sequence[EsimPackage], prices: dict[Any, DisplayPrice], now: datetime
) -> float:
    """How long an answer stays true by the clock: until a window opens or closes, or a
    discount ends (saves invalidate it sooner)."""
    moments = [moment for moment in (next_change_at(packages, now),) if moment]
    moments += [
        price.valid_until
        for price in prices.values()
        if price.valid_until and price.valid_until > now
    ]
    return min(((moment - now).total_seconds() for moment in moments), default=float("inf"))


def invalidate_catalog_cache() -> None:
    """Call from any write that changes what the catalogue shows; runs after commit."""
    transaction.on_commit(_bump)


def cached_answer(name: str, params: dict[str, Any], build: Callable[[], tuple[Any, float]]) -> Any:
    """The cached answer for (name, params) at the current catalogue version, or `build()`'s
    answer stored for the seconds it says (capped by CATALOG_CACHE_SECONDS). A None answer is
    not cached. Answers are stored as built: build encoded bytes to skip re-rendering."""
    if settings.CATALOG_CACHE_SECONDS <= 0:
        return build()[0]
    try:
        digest = hashlib.sha256(
            json.dumps(params, sort_keys=True, default=str).encode()
        ).hexdigest()[:32]
        # The release is part of the key: a deploy that changes an answer's shape never
        # serves what the previous release cached.
        key = f"catalog:{settings.APP_VERSION}:{name}:v{catalog_version()}:{digest}"
        hit = cache.get(key)
    except Exception:  # Redis down: serve uncached rather than fail
        logger.warning("Catalogue cache unavailable", exc_info=True)
        return build()[0]
    if hit is not None:
        return hit
    answer, lifetime_seconds = build()
    timeout = int(min(settings.CATALOG_CACHE_SECONDS, lifetime_seconds))
    if timeout > 0:
        try:
            cache.set(key, answer, timeout=timeout)
        except Exception:
            logger.warning("Catalogue cache unavailable", exc_info=True)
    return answer
