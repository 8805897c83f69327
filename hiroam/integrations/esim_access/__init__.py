"""eSIM Access: the provider of the eSIM profiles."""

import hashlib
from functools import lru_cache

from django.conf import settings

from hiroam.integrations.calls import (
    breaker_from_settings,
    retry_policy_from_settings,
    timeouts_from_settings,
)
from hiroam.integrations.circuit_breaker import CircuitBreaker
from hiroam.integrations.esim_access.client import EsimAccessClient
from hiroam.integrations.esim_access.errors import PROVIDER
from hiroam.integrations.rate_limit import RateLimiter

__all__ = ["EsimAccessClient", "esim_access_breaker", "esim_access_client"]


def esim_access_breaker() -> CircuitBreaker:
    return breaker_from_settings(PROVIDER)


def _account_key(access_code: str) -> str:
    """Names the account in Redis without writing its access code (a credential) there."""
    return hashlib.sha256(access_code.encode()).hexdigest()[:16]


@lru_cache(maxsize=1)
def esim_access_client() -> EsimAccessClient:
    """The process-wide client (one pooled HTTP session), configured from settings."""
    return EsimAccessClient(
        base_url=settings.ESIM_API_URL,
        access_code=settings.ESIM_ACCESS_CODE,
        secret_key=settings.ESIM_SECRET_KEY,
        timeout_seconds=timeouts_from_settings(),
        retry_policy=retry_policy_from_settings(),
        breaker=esim_access_breaker(),
        # The documented limit is per account, whichever process calls.
        rate_limiter=RateLimiter(
            f"esim-access:{_account_key(settings.ESIM_ACCESS_CODE)}",
            settings.ESIM_ACCESS_REQUESTS_PER_SECOND,
        ),
    )
