"""The one place a completed order meets the points ledger (plan section 9): a signed-in
customer's completed order earns its points, inside the transaction that completes it."""

from __future__ import annotations

from django.utils import timezone

from orders.models import Order, OrderStatus
from orders.services.customer_stats import refresh_customer_stats
from points.services import earn_for_order


def credit_points_for(order: Order) -> None:
    """10 points per dollar paid (one per whole 10 cents), +50 on the customer's first completed
    order; exactly once per order (the ledger refuses a second credit). Guests earn nothing."""
    if order.user_id is None:
        return
    refresh_customer_stats(order.user_id)
    first = (
        not Order.objects.filter(user_id=order.user_id, status=OrderStatus.COMPLETED)
        .exclude(pk=order.pk)
        .exists()
    )
    credited = earn_for_order(
        user_id=order.user_id,
        order_id=order.pk,
        paid_cents=order.total_cents,
        first_purchase=first,
        now=timezone.now(),
    )
    if credited:
        Order.objects.filter(pk=order.pk).update(points_earned=credited)
