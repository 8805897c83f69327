"""A checkout that fails for a reason nobody foresaw (a bug, our own infrastructure) while it
opens the payment must not leave its order holding stock and a code use until it expires."""

import pytest

from catalog.models import StockType
from hiroam.integrations.paddle.client import PaddleClient
from orders.models import Order, OrderStatus, Reservation
from pricing.models import DiscountCode
from tests.catalog.factories import PackageFactory
from tests.orders.conftest import CHECKOUT, cart, checkout_body
from tests.pricing.factories import DiscountCodeFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_unexpected_error_fails_the_order_and_releases_its_holds(
    api_client, paddle_sandbox, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("not a provider error")

    monkeypatch.setattr(PaddleClient, "create_transaction", broken)
    package = PackageFactory.create(stock_type=StockType.LIMITED, stock_quantity=5)
    DiscountCodeFactory.create(code="TEN", max_uses=3)

    response = api_client.post(CHECKOUT, checkout_body(cart(package), code="TEN"), format="json")

    assert response.status_code == 500
    assert response.json()["error"]["code"] == "INTERNAL_ERROR"
    order = Order.objects.get()
    assert (order.status, order.reservation) == (OrderStatus.FAILED, Reservation.RELEASED)
    package.refresh_from_db()
    assert package.stock_quantity == 5
    assert DiscountCode.objects.get().reserved_uses == 0
