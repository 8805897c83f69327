"""A provider's request rate, shared by every process: each call takes the next free slot,
slots `1 / per_second` apart, kept in Redis (its clock, so hosts never disagree). A caller
sleeps until its slot; bursts never happen, so no second ever sees more than `per_second`.

If Redis cannot be reached, each process spaces its own calls instead (a best effort that keeps
working rather than stopping fulfilment or refunds).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from django.core.cache import cache

from hiroam.redis_cache import redis_client

logger = logging.getLogger(__name__)

# Takes the next slot: answers how many milliseconds the caller waits for it.
_TAKE_SLOT = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local interval = tonumber(ARGV[1])
local slot = tonumber(redis.call('GET', KEYS[1]) or '0')
if slot < now_ms then slot = now_ms end
redis.call('SET', KEYS[1], slot + interval, 'PX', slot - now_ms + interval + 1000)
return slot - now_ms
"""


class RateLimiter:
    def __init__(
        self,
        name: str,
        per_second: float,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.key = f"hiroam:rate:{name}"
        self.interval_ms = int(1000 / per_second) if per_second > 0 else 0
        self._sleep = sleep
        self._local_lock = threading.Lock()
        self._local_next = 0.0
        self._warned_at = -60.0

    def wait_for_slot(self) -> float:
        """Blocks until this call's slot; returns the seconds waited."""
        if not self.interval_ms:
            return 0.0
        try:
            wait = self._shared_slot_ms() / 1000
        except Exception:  # Redis down: space this process's calls at least
            self._warn_once_a_minute()
            wait = self._local_slot()
        if wait > 0:
            self._sleep(wait)
        return wait

    def _shared_slot_ms(self) -> int:
        client = redis_client(self.key)
        return int(client.eval(_TAKE_SLOT, 1, cache.make_key(self.key), self.interval_ms))

    def _warn_once_a_minute(self) -> None:
        now = time.monotonic()
        if now - self._warned_at >= 60:
            self._warned_at = now
            logger.warning("Rate limit store unreachable; spacing calls in this process only")

    def _local_slot(self) -> float:
        with self._local_lock:
            now = time.monotonic()
            slot = max(self._local_next, now)
            self._local_next = slot + self.interval_ms / 1000
            return slot - now
