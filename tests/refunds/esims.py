"""eSIMs at any point of the 90-day refund life, made directly in the database."""

from datetime import datetime, timedelta
from itertools import count
from typing import Any

from orders.models import EsimProfile, Order, OrderItem
from tests.catalog.factories import PackageFactory
from tests.orders.factories import paid_order

_numbers = count(1)
COST_UNITS = 18_000  # $1.80 at the provider, per eSIM


def order_item(
    order: Order | None = None,
    *,
    quantity: int = 1,
    provider_units: int | None = COST_UNITS,
    package_name: str = "Japan 10GB 30 days",
) -> OrderItem:
    order = order or paid_order(customer_name="Ana Traveller")
    package = PackageFactory.create()
    return OrderItem.objects.create(
        order=order,
        package=package,
        package_code=package.package_code,
        package_name=package_name,
        quantity=quantity,
        unit_price_cents=999,
        final_unit_price_cents=999,
        total_cents=999 * quantity,
        provider_unit_price_units=provider_units,
        status="completed",
    )


def unused_esim(
    *, eligible_at: datetime, item: OrderItem | None = None, **fields: Any
) -> EsimProfile:
    """A delivered eSIM nobody has installed, whose 90 days end at `eligible_at`."""
    item = item or order_item()
    number = next(_numbers)
    values: dict[str, Any] = {
        "order": item.order,
        "order_item": item,
        "profile_index": item.profiles.count() + 1,
        "esim_tran_no": f"TRAN{number:08d}",
        "iccid": f"8985200000{number:09d}",
        "sm_dp_address": "smdp.example.com",
        "activation_code": f"K2-ACTIVATE-{number}",
        "manual_code": f"LPA:1$smdp.example.com$K2-ACTIVATE-{number}",
        "esim_status": "got_resource",
        "smdp_status": "released",
        "resource_ready_at": eligible_at - timedelta(days=90),
        "refund_eligible_at": eligible_at,
        "refund_status": "not_eligible",
    }
    return EsimProfile.objects.create(**(values | fields))
