"""Shared fixtures. Tests use the real PostgreSQL (a test database) and the real Redis (db 15,
emptied before each test)."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory


@pytest.fixture(autouse=True)
def empty_redis() -> None:
    cache.clear()


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
