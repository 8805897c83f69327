"""The real clients, pointed at the sandbox served by a live test server (real HTTP)."""

import pytest

from hiroam.integrations.calls import RetryPolicy
from hiroam.integrations.circuit_breaker import CircuitBreaker
from hiroam.integrations.esim_access import EsimAccessClient
from hiroam.integrations.paddle import PaddleClient
from hiroam.sandbox.esim_access import account_for

FAST_RETRIES = RetryPolicy(attempts=3, base_delay_seconds=0.01, max_delay_seconds=0.05)


@pytest.fixture
def sandbox(live_server, settings):
    settings.SANDBOX_ESIM_ALLOCATION_SECONDS = 0
    settings.SANDBOX_TIMEOUT_FAULT_SECONDS = 1.5
    account_for(settings.ESIM_ACCESS_CODE)  # the development account, with its starting balance
    return f"{live_server.url}/sandbox"


@pytest.fixture
def esim_breaker():
    return CircuitBreaker("esim_access", failure_threshold=5, reset_timeout_seconds=60)


@pytest.fixture
def esim_client(sandbox, settings, esim_breaker):
    return EsimAccessClient(
        base_url=f"{sandbox}/esim-access",
        access_code=settings.ESIM_ACCESS_CODE,
        secret_key=settings.ESIM_SECRET_KEY,
        timeout_seconds=(2, 1.0),
        retry_policy=FAST_RETRIES,
        breaker=esim_breaker,
    )


@pytest.fixture
def paddle(sandbox, settings):
    return PaddleClient(
        base_url=f"{sandbox}/paddle",
        api_key=settings.PADDLE_API_KEY,
        timeout_seconds=(2, 1.0),
        retry_policy=FAST_RETRIES,
        breaker=CircuitBreaker("paddle", failure_threshold=5, reset_timeout_seconds=60),
    )
