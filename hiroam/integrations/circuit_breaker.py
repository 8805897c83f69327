"""A circuit breaker per provider, its state in Redis so every web and worker process agrees.

closed     calls go through; consecutive failures are counted.
open       after `failure_threshold` failures in a row, calls fail at once with CircuitOpenError
           for `reset_timeout_seconds`, sparing the provider and our customers' time.
half-open  after that, one trial call at a time is let through: success closes the circuit,
           failure opens it again.

Only failures that say the provider is in trouble (timeouts, 5xx, "busy") count; a business
refusal such as "insufficient balance" is the provider working correctly.

Redis unreachable: calls go through and nothing is counted. A breaker is there to spare a
struggling provider, never to stop a checkout or a fulfilment because our own Redis is down.
"""

import logging
import time
from dataclasses import dataclass
from enum import StrEnum

from django.core.cache import cache

from hiroam.integrations.errors import CircuitOpenError

logger = logging.getLogger(__name__)


class CircuitState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True)
class CircuitBreaker:
    name: str
    failure_threshold: int = 5
    reset_timeout_seconds: float = 60.0

    @property
    def _failures_key(self) -> str:
        return f"circuit:{self.name}:failures"

    @property
    def _opened_at_key(self) -> str:
        return f"circuit:{self.name}:opened_at"

    @property
    def _trial_key(self) -> str:
        return f"circuit:{self.name}:trial"

    def state(self, now: float | None = None) -> CircuitState:
        opened_at = cache.get(self._opened_at_key)
        if opened_at is None:
            return CircuitState.CLOSED
        now = time.time() if now is None else now
        if now - float(opened_at) < self.reset_timeout_seconds:
            return CircuitState.OPEN
        return CircuitState.HALF_OPEN

    def before_call(self, now: float | None = None) -> None:
        """Raises CircuitOpenError unless a call may go out now."""
        try:
            self._refuse_unless_allowed(now)
        except CircuitOpenError:
            raise
        except Exception:  # Redis unreachable: let the call go out
            _state_unknown(self.name)

    def _refuse_unless_allowed(self, now: float | None) -> None:
        state = self.state(now)
        if state is CircuitState.OPEN:
            raise CircuitOpenError(
                f"{self.name} is failing; calls paused for up to {self.reset_timeout_seconds:.0f}s",
                provider=self.name,
            )
        # Half-open: a single trial call at a time (SET NX), the others are refused.
        if state is CircuitState.HALF_OPEN and not cache.add(
            self._trial_key, 1, timeout=max(1, int(self.reset_timeout_seconds))
        ):
            raise CircuitOpenError(
                f"{self.name} is being probed; try again shortly", provider=self.name
            )

    def record_success(self) -> None:
        try:
            if cache.get(self._opened_at_key) is not None:
                logger.info("Circuit closed", extra={"circuit": self.name})
            cache.delete_many([self._failures_key, self._opened_at_key, self._trial_key])
        except Exception:
            _state_unknown(self.name)

    def record_failure(self, now: float | None = None) -> None:
        try:
            self._count_failure(now)
        except Exception:
            _state_unknown(self.name)

    def _count_failure(self, now: float | None) -> None:
        now = time.time() if now is None else now
        cache.add(self._failures_key, 0, timeout=None)
        failures = cache.incr(self._failures_key)
        was_trial = cache.get(self._opened_at_key) is not None
        if failures >= self.failure_threshold or was_trial:
            cache.set(self._opened_at_key, now, timeout=None)
            cache.delete(self._trial_key)
            logger.warning("Circuit opened", extra={"circuit": self.name, "failures": failures})


def _state_unknown(name: str) -> None:
    logger.warning("Circuit %s: Redis unreachable, not counted", name, exc_info=True)
