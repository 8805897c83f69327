"""A worker SIGKILLed in the middle of a fulfilment: the provider carried out the dead worker's
call, our database never heard of it. The broker hands the unacknowledged task to the next
worker, which must finish the order without buying anything twice."""

import time

import pytest

from hiroam.sandbox.faults import inject_fault
from hiroam.sandbox.models import EsimOrder, Fault
from hiroam.sandbox.models import EsimProfile as ProviderProfile
from orders.models import EsimProfile, Order, OrderItem, OrderStatus
from orders.tasks import fulfil_order
from tests.esim_sandbox import paid_order_of, use_sandbox_codes
from tests.faults.processes import eventually

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PROVIDER_DELAY_SECONDS = 4.0


def test_the_next_worker_finishes_the_order_and_buys_each_item_once(
    provider, sandbox_package_codes, workers, settings
):
    settings.SANDBOX_SLOW_FAULT_SECONDS = PROVIDER_DELAY_SECONDS
    order = paid_order_of(1, 2)
    use_sandbox_codes(order, sandbox_package_codes)
    inject_fault(target="esim_access_api", kind="slow", path="esim/order")
    first = workers.start()

    fulfil_order.delay(str(order.pk))  # as the payment webhook hands it over
    assert workers.wait_for(lambda: not Fault.objects.exists(), first), "the worker never called"
    workers.kill(first)  # mid-call: the provider is still working on it
    killed_at = time.monotonic()

    # The dead worker's call goes through at the provider; we never learn its answer.
    assert eventually(lambda: EsimOrder.objects.exists(), timeout_seconds=15)
    assert not OrderItem.objects.exclude(esim_order_no="").exists()
    assert Order.objects.get().status == OrderStatus.PAID
    time.sleep(max(0.0, killed_at + 2.5 - time.monotonic()))  # past the visibility timeout
    second = workers.start()

    assert workers.wait_for(
        lambda: Order.objects.get().status == OrderStatus.COMPLETED, second, timeout_seconds=30
    ), Order.objects.values("status", "esim_status", "needs_review", "review_reason").get()
    items = list(OrderItem.objects.order_by("quantity"))
    placed = {o.transaction_id: o for o in EsimOrder.objects.all()}
    # Each item ordered exactly once at eSIM Access, and the order we recorded is that one.
    assert len(placed) == EsimOrder.objects.count() == len(items) == 2
    assert [placed[item.transaction_id].order_no for item in items] == [
        item.esim_order_no for item in items
    ]
    assert ProviderProfile.objects.count() == EsimProfile.objects.count() == 3
    assert sorted(EsimProfile.objects.values_list("iccid", flat=True)) == sorted(
        ProviderProfile.objects.values_list("iccid", flat=True)
    )
