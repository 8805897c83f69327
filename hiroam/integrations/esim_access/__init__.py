"""eSIM Access: the provider of the eSIM profiles."""

from functools import lru_cache

from django.conf import settings

from hiroam.integrations.calls import RetryPolicy
from hiroam.integrations.circuit_breaker import CircuitBreaker
from hiroam.integrations.esim_access.client import EsimAccessClient
from hiroam.integrations.esim_access.errors import PROVIDER

__all__ = ["EsimAccessClient", "esim_access_breaker", "esim_access_client"]


def esim_access_breaker() -> CircuitBreaker:
    return CircuitBreaker(
        PROVIDER,
        failure_threshold=settings.PROVIDER_CIRCUIT_FAILURE_THRESHOLD,
        reset_timeout_seconds=settings.PROVIDER_CIRCUIT_RESET_SECONDS,
    )


@lru_cache(maxsize=1)
def esim_access_client() -> EsimAccessClient:
    """The process-wide client (one pooled HTTP session), configured from settings."""
    return EsimAccessClient(
        base_url=settings.ESIM_API_URL,
        access_code=settings.ESIM_ACCESS_CODE,
        secret_key=settings.ESIM_SECRET_KEY,
        timeout_seconds=(
            settings.PROVIDER_CONNECT_TIMEOUT_SECONDS,
            settings.PROVIDER_READ_TIMEOUT_SECONDS,
        ),
        retry_policy=RetryPolicy(
            attempts=settings.PROVIDER_RETRY_ATTEMPTS,
            base_delay_seconds=settings.PROVIDER_RETRY_BASE_DELAY_SECONDS,
            max_delay_seconds=settings.PROVIDER_RETRY_MAX_DELAY_SECONDS,
        ),
        breaker=esim_access_breaker(),
    )
