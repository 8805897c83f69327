"""The one place a completed order meets the points ledger (plan section 9).

The points app (the next issue) provides the service; this call site stays: a completed
order of a signed-in customer earns its points here, inside the transaction that completes it.
"""

from __future__ import annotations

from orders.models import Order


def credit_points_for(order: Order) -> None:
    """Guests earn nothing. For a customer, the points service will credit the points of
    `order.total_cents` (and the first-purchase bonus) exactly once per order."""
    if order.user_id is None:
        return
