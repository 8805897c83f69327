"""How every provider call is made: through the provider's circuit breaker, retried with
exponential backoff and jitter when (and only when) the failure is retryable, and logged with
its duration and outcome (never with credentials or bodies)."""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
from django.conf import settings
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from hiroam.integrations.circuit_breaker import CircuitBreaker
from hiroam.integrations.errors import ProviderError, ProviderTimeout, ProviderUnavailable
from hiroam.observability import metrics

logger = logging.getLogger("hiroam.integrations")


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3
    base_delay_seconds: float = 0.5
    max_delay_seconds: float = 5.0


def retry_policy_from_settings() -> RetryPolicy:
    return RetryPolicy(
        attempts=settings.PROVIDER_RETRY_ATTEMPTS,
        base_delay_seconds=settings.PROVIDER_RETRY_BASE_DELAY_SECONDS,
        max_delay_seconds=settings.PROVIDER_RETRY_MAX_DELAY_SECONDS,
    )


def breaker_from_settings(provider: str) -> CircuitBreaker:
    return CircuitBreaker(
        provider,
        failure_threshold=settings.PROVIDER_CIRCUIT_FAILURE_THRESHOLD,
        reset_timeout_seconds=settings.PROVIDER_CIRCUIT_RESET_SECONDS,
    )


def timeouts_from_settings() -> tuple[float, float]:
    return (settings.PROVIDER_CONNECT_TIMEOUT_SECONDS, settings.PROVIDER_READ_TIMEOUT_SECONDS)


def send_http(
    session: requests.Session,
    method: str,
    url: str,
    *,
    provider: str,
    operation: str,
    timeout_seconds: tuple[float, float],
    **request_options: Any,
) -> requests.Response:
    """One HTTP exchange. Failures that say the provider is struggling (no answer in time, no
    connection, HTTP 429 or 5xx) become ProviderUnavailable, which is retried; any other
    answer is returned for the client to read."""
    try:
        response = session.request(method, url, timeout=timeout_seconds, **request_options)
    except requests.Timeout as error:
        raise ProviderTimeout(f"{operation}: timed out", provider=provider) from error
    except requests.RequestException as error:
        raise ProviderUnavailable(
            f"{operation}: {type(error).__name__}", provider=provider
        ) from error
    if response.status_code >= 500 or response.status_code == 429:
        raise ProviderUnavailable(
            f"{operation}: HTTP {response.status_code}",
            provider=provider,
            code=str(response.status_code),
        )
    return response


def _is_retryable(error: BaseException) -> bool:
    return isinstance(error, ProviderError) and error.retryable


def _is_retryable_unless_timed_out(error: BaseException) -> bool:
    # A request that timed out may have been carried out: sending it again could do it twice.
    return _is_retryable(error) and not isinstance(error, ProviderTimeout)


def call_provider[T](
    *,
    operation: str,
    breaker: CircuitBreaker,
    policy: RetryPolicy,
    attempt_call: Callable[[], T],
    idempotent: bool = True,
) -> T:
    """Calls the provider through its circuit breaker, retrying retryable failures with
    backoff. A call that is not `idempotent` (it creates something) is not retried after a
    timeout, only when it surely did not arrive (connection refused, 429, 5xx)."""
    retrying = Retrying(
        stop=stop_after_attempt(policy.attempts),
        wait=wait_exponential_jitter(
            # base * 2^(attempt-1), plus up to one base of jitter, capped at the max
            multiplier=policy.base_delay_seconds,
            jitter=policy.base_delay_seconds,
            max=policy.max_delay_seconds,
        ),
        retry=retry_if_exception(_is_retryable if idempotent else _is_retryable_unless_timed_out),
        reraise=True,
    )
    for attempt in retrying:
        with attempt:
            return _one_attempt(
                operation, breaker, attempt.retry_state.attempt_number, attempt_call
            )
    raise AssertionError("unreachable: Retrying either returns or re-raises")  # pragma: no cover


def _one_attempt[T](
    operation: str, breaker: CircuitBreaker, number: int, attempt_call: Callable[[], T]
) -> T:
    breaker.before_call()
    started = time.perf_counter()
    outcome, code = "ok", None
    try:
        result = attempt_call()
    except ProviderError as error:
        outcome, code = type(error).__name__, error.code
        if error.counts_against_circuit:
            breaker.record_failure()
        else:
            breaker.record_success()  # the provider answered; it just said no
        raise
    else:
        breaker.record_success()
        return result
    finally:
        seconds = time.perf_counter() - started
        metrics.increment(metrics.PROVIDER_CALLS, breaker.name, operation, outcome)
        metrics.observe(metrics.PROVIDER_DURATION, seconds, breaker.name, operation)
        logger.info(
            "%s %s: %s",
            breaker.name,
            operation,
            outcome,
            extra={
                "provider": breaker.name,
                "operation": operation,
                "attempt": number,
                "outcome": outcome,
                "provider_code": code,
                "duration_ms": round(seconds * 1000, 1),
            },
        )
