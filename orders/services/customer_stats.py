"""A customer's order statistics on their profile (plan 3.1: total orders, total spent, first
and last order), recomputed from their orders whenever one of them changes what counts: it
completes, it is refunded, or guest orders join the account. Recomputing (one aggregate query)
rather than adding and subtracting keeps the figures right after retries and duplicates."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Min, Sum

from orders.models import Order, OrderStatus
from points.services import locked_profile


def refresh_customer_stats(user_id: Any) -> None:
    """Completed orders count (a refunded one no longer does); spent is what was paid for
    them. Under the profile's row lock (held until the caller's transaction ends)."""
    if user_id is None:
        return
    with transaction.atomic():
        profile = locked_profile(user_id)
        stats = Order.objects.filter(user_id=user_id, status=OrderStatus.COMPLETED).aggregate(
            orders=Count("pk"),
            spent=Sum("total_cents"),
            first=Min("paid_at"),
            last=Max("paid_at"),
        )
        profile.total_orders = stats["orders"]
        profile.total_spent_cents = stats["spent"] or 0
        profile.first_order_at, profile.last_order_at = stats["first"], stats["last"]
        profile.save(
            update_fields=[
                "total_orders",
                "total_spent_cents",
                "first_order_at",
                "last_order_at",
                "updated_at",
            ]
        )
