"""The whole payment over real HTTP with a real Celery worker: checkout, the sandbox's hosted
page, signed webhooks delivered and processed; and checkouts racing for the last code uses and
the last units of stock, as parallel requests against PostgreSQL."""

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from catalog.models import EsimPackage, StockType
from orders.models import EmailLog, Order, OrderStatus, PaymentStatus, WebhookLog
from pricing.models import DiscountCode, DiscountCodeUsage
from tests.catalog.factories import PackageFactory
from tests.orders.conftest import CHECKOUT, cart, checkout_body
from tests.pricing.factories import DiscountCodeFactory
from tests.sandbox.checkout_page import press
from tests.worker import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worker_environment(live_server):
    # The worker delivers the sandbox's webhooks to the live server, like Paddle would.
    return {"APP_URL": live_server.url}


def _checkout(server, body):
    return requests.post(f"{server.url}{CHECKOUT}", json=body, timeout=30)


def test_a_declined_card_then_a_payment_pays_the_order_once(paddle_sandbox, worker):
    package = PackageFactory.create(price_usd_cents=999)
    DiscountCodeFactory.create(code="SAVE1", discount_type="fixed", discount_value=100)
    response = _checkout(paddle_sandbox, checkout_body(cart(package), code="SAVE1"))
    assert response.status_code == 201, response.text
    order = Order.objects.get()
    transaction_id = str(order.paddle_transaction_id)

    press(paddle_sandbox.url, transaction_id, "decline")

    assert wait_for(lambda: Order.objects.get().payment_status == PaymentStatus.FAILED, worker), (
        "the declined payment never arrived"
    )
    assert Order.objects.get().status == OrderStatus.PENDING  # still payable

    press(paddle_sandbox.url, transaction_id, "pay")

    assert wait_for(lambda: Order.objects.get().status == OrderStatus.PAID, worker)
    assert wait_for(lambda: not WebhookLog.objects.filter(processed=False).exists(), worker)
    order.refresh_from_db()
    assert (order.payment_status, order.total_cents) == (PaymentStatus.COMPLETED, 899)
    assert order.fulfilment_requested_at is not None
    assert sorted(WebhookLog.objects.values_list("event_type", flat=True)) == [
        "transaction.completed",
        "transaction.paid",
        "transaction.payment_failed",
    ]
    code = DiscountCode.objects.get()
    assert (code.current_uses, code.reserved_uses) == (1, 0)
    assert DiscountCodeUsage.objects.get().status == DiscountCodeUsage.Status.USED
    assert wait_for(lambda: EmailLog.objects.filter(status="sent").count() == 1, worker)


def test_fifty_checkouts_for_ten_code_uses_give_ten_orders(paddle_sandbox, settings):
    settings.THROTTLING_ENABLED = False
    package = PackageFactory.create()
    DiscountCodeFactory.create(code="RUSH", max_uses=12, current_uses=2, max_uses_per_user=1)

    with ThreadPoolExecutor(max_workers=25) as pool:
        responses = list(
            pool.map(
                lambda n: _checkout(
                    paddle_sandbox,
                    checkout_body(cart(package), email=f"traveller{n}@example.com", code="RUSH"),
                ),
                range(50),
            )
        )

    statuses = sorted(response.status_code for response in responses)
    assert statuses.count(201) == 10, [r.text for r in responses if r.status_code != 201][:3]
    refused = [r.json()["error"]["code"] for r in responses if r.status_code != 201]
    assert set(refused) == {"DISCOUNT_LIMIT_REACHED"}
    code = DiscountCode.objects.get()
    assert (code.current_uses, code.reserved_uses) == (2, 10)
    assert Order.objects.count() == DiscountCodeUsage.objects.count() == 10


def test_thirty_checkouts_for_five_in_stock_give_five_orders(paddle_sandbox, settings):
    settings.THROTTLING_ENABLED = False
    package = PackageFactory.create(stock_type=StockType.LIMITED, stock_quantity=5)

    with ThreadPoolExecutor(max_workers=15) as pool:
        responses = list(
            pool.map(
                lambda n: _checkout(
                    paddle_sandbox, checkout_body(cart(package), email=f"t{n}@example.com")
                ),
                range(30),
            )
        )

    assert [r.status_code for r in responses].count(201) == 5
    refused = {r.json()["error"]["code"] for r in responses if r.status_code != 201}
    assert refused <= {"INSUFFICIENT_STOCK", "PACKAGE_UNAVAILABLE"}
    assert EsimPackage.objects.get().stock_quantity == 0
    assert Order.objects.count() == 5


def test_a_paid_order_is_fulfilled_and_its_esims_emailed(paddle_sandbox, worker, settings):
    from hiroam.integrations.esim_access import esim_access_client
    from hiroam.sandbox.catalogue import catalogue
    from hiroam.sandbox.esim_access import account_for
    from orders.models import EsimProfile

    settings.SANDBOX_ESIM_ALLOCATION_SECONDS = 0  # the sandbox (in this process) allocates at once
    settings.ESIM_API_URL = f"{paddle_sandbox.url}/sandbox/esim-access"
    esim_access_client.cache_clear()
    account_for(settings.ESIM_ACCESS_CODE)
    provider = next(raw for raw in catalogue() if raw["_type"] == "BASE")
    package = PackageFactory.create(
        package_code=provider["packageCode"], provider_price_units=provider["price"]
    )
    response = _checkout(paddle_sandbox, checkout_body(cart(package, quantity=2)))
    assert response.status_code == 201, response.text

    press(paddle_sandbox.url, str(Order.objects.get().paddle_transaction_id), "pay")

    assert wait_for(
        lambda: Order.objects.get().status == OrderStatus.COMPLETED, worker, timeout_seconds=60
    ), Order.objects.values("status", "esim_status", "needs_review", "review_reason").get()
    assert EsimProfile.objects.count() == 2
    assert wait_for(
        lambda: EmailLog.objects.filter(template_name="esim_delivery", status="sent").exists(),
        worker,
    )
    esim_access_client.cache_clear()
