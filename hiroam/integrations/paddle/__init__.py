"""Paddle Billing: payments in USD at our own prices."""

from functools import lru_cache

from django.conf import settings

from hiroam.integrations.calls import RetryPolicy
from hiroam.integrations.circuit_breaker import CircuitBreaker
from hiroam.integrations.paddle.client import PaddleClient
from hiroam.integrations.paddle.errors import PROVIDER

__all__ = ["PaddleClient", "paddle_breaker", "paddle_client"]


def paddle_breaker() -> CircuitBreaker:
    return CircuitBreaker(
        PROVIDER,
        failure_threshold=settings.PROVIDER_CIRCUIT_FAILURE_THRESHOLD,
        reset_timeout_seconds=settings.PROVIDER_CIRCUIT_RESET_SECONDS,
    )


@lru_cache(maxsize=1)
def paddle_client() -> PaddleClient:
    """The process-wide client (one pooled HTTP session), configured from settings."""
    return PaddleClient(
        base_url=settings.PADDLE_API_URL,
        api_key=settings.PADDLE_API_KEY,
        timeout_seconds=(
            settings.PROVIDER_CONNECT_TIMEOUT_SECONDS,
            settings.PROVIDER_READ_TIMEOUT_SECONDS,
        ),
        retry_policy=RetryPolicy(
            attempts=settings.PROVIDER_RETRY_ATTEMPTS,
            base_delay_seconds=settings.PROVIDER_RETRY_BASE_DELAY_SECONDS,
            max_delay_seconds=settings.PROVIDER_RETRY_MAX_DELAY_SECONDS,
        ),
        breaker=paddle_breaker(),
    )
