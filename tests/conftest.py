"""Shared fixtures. Tests use the real PostgreSQL (a test database) and the real Redis (db 15,
emptied before each test)."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

from hiroam.api import throttling
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory

# Shared fixtures: a real Celery worker; the eSIM Access sandbox (provider, its package codes);
# the Paddle sandbox.
pytest_plugins = ["tests.worker", "tests.esim_sandbox", "tests.paddle_sandbox"]

# Properties are about correctness, not speed: a loaded CI machine must not fail them on time.
hypothesis_settings.register_profile("hiroam", deadline=None)
hypothesis_settings.load_profile("hiroam")  # the `worker` fixture: a real Celery worker process

DEAD_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture(autouse=True)
def empty_redis() -> None:
    cache.clear()


def unreachable_cache() -> override_settings:
    """Points the default cache at a dead address, for the duration of a `with` block.

    Django keeps one cache object per thread (and its connection pool). Overriding CACHES fires
    its setting_changed handler, which closes them and rebuilds `caches`, so `cache` and
    `caches["default"]` use the dead address inside the block and the real one after it.
    """
    return override_settings(
        CACHES={"default": {**settings.CACHES["default"], "LOCATION": DEAD_REDIS_URL}}
    )


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def customer(db):
    return UserFactory.create(email="traveller@example.com", full_name="Tia Traveller")


@pytest.fixture
def signed_in_client(customer) -> APIClient:
    client = APIClient()
    response = client.post(
        "/api/v1/auth/login",
        {"email": customer.email, "password": DEFAULT_PASSWORD},
        format="json",
    )
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['data']['access']}")
    return client


class ThrottleClock:
    """The rate limiter's clock, standing still unless a test moves it, so a test never
    straddles a window boundary. It starts 5 s into an hour (hence into a minute too)."""

    HOUR_START = 1_800_000_000  # a multiple of 3600

    def __init__(self) -> None:
        self.now = float(self.HOUR_START + 5)

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def throttle_clock(monkeypatch) -> ThrottleClock:
    clock = ThrottleClock()
    monkeypatch.setattr(throttling, "now", lambda: clock.now)
    return clock
