"""Paddle Billing: payments in USD at our own prices."""

from functools import lru_cache

from django.conf import settings

from hiroam.integrations.calls import (
    breaker_from_settings,
    retry_policy_from_settings,
    timeouts_from_settings,
)
from hiroam.integrations.circuit_breaker import CircuitBreaker
from hiroam.integrations.paddle.client import PaddleClient
from hiroam.integrations.paddle.errors import PROVIDER

__all__ = ["PaddleClient", "paddle_breaker", "paddle_client"]


def paddle_breaker() -> CircuitBreaker:
    return breaker_from_settings(PROVIDER)


@lru_cache(maxsize=1)
def paddle_client() -> PaddleClient:
    """The process-wide client (one pooled HTTP session), configured from settings."""
    return PaddleClient(
        base_url=settings.PADDLE_API_URL,
        api_key=settings.PADDLE_API_KEY,
        timeout_seconds=timeouts_from_settings(),
        retry_policy=retry_policy_from_settings(),
        breaker=paddle_breaker(),
    )
