from datetime import timedelta

import factory
from django.utils import timezone

from orders.models import Order, OrderStatus, PaymentStatus, Reservation


class OrderFactory(factory.django.DjangoModelFactory[Order]):
    """A $9.99 pending guest order (no items unless a test adds them)."""

    class Meta:
        model = Order

    order_number = factory.Sequence(lambda n: f"ORD-20261125-T{n:04d}")
    customer_email = "ana@example.com"
    subtotal_cents = 999
    total_cents = 999
    pricing_breakdown = factory.LazyFunction(dict)
    priced_at = factory.LazyFunction(timezone.now)
    access_token_hash = "0" * 64
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=1))


def paid_order(**fields) -> Order:
    paid = {
        "status": OrderStatus.PAID,
        "payment_status": PaymentStatus.COMPLETED,
        "reservation": Reservation.CONVERTED,
        "paid_at": timezone.now(),
    }
    return OrderFactory.create(**(paid | fields))
