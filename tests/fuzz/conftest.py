"""Fixtures of the fuzz run: data to find, no rate limits, a Paddle that fails fast."""

import pytest
from rest_framework.test import APIClient

from hiroam.integrations.paddle import paddle_client
from orders.models import OrderItem
from tests.accounts.factories import DEFAULT_PASSWORD
from tests.catalog.factories import PackageFactory
from tests.orders.factories import OrderFactory, paid_order


@pytest.fixture(autouse=True)
def no_throttling(settings):
    """Rate limits would answer most of a fuzz run with 429s (they have their own tests)."""
    settings.THROTTLING_ENABLED = False


@pytest.fixture
def catalogue(db):
    """A few packages, so listing and details answer with data, not only empty pages."""
    return [PackageFactory.create() for _ in range(3)]


@pytest.fixture
def customer_token(customer):
    """A signed-in customer's access token, as the login endpoint issues it."""
    response = APIClient().post(
        "/api/v1/auth/login",
        {"email": customer.email, "password": DEFAULT_PASSWORD},
        format="json",
    )
    return response.json()["data"]["access"]


@pytest.fixture(autouse=True)
def unreachable_paddle(settings):
    """Checkout's Paddle call fails fast (nothing listens on port 1): the documented 503."""
    settings.PADDLE_API_URL = "http://127.0.0.1:1/paddle"
    paddle_client.cache_clear()
    yield
    paddle_client.cache_clear()


@pytest.fixture
def customer_orders(customer, catalogue):
    """The customer's orders, a pending one and a paid one, so theirs answer with data."""
    orders = [OrderFactory.create(user=customer), paid_order(user=customer)]
    for order in orders:
        package = catalogue[0]
        OrderItem.objects.create(
            order=order,
            package=package,
            package_code=package.package_code,
            package_name=package.name,
            quantity=1,
            unit_price_cents=999,
            final_unit_price_cents=999,
            total_cents=999,
        )
    return orders
