"""Guest orders join a customer's account once the customer proves the email is theirs.

Registering with an address proves nothing (anyone can type one), so orders placed as a guest
under it stay guest orders until the verification link is opened: accounts then sends
accounts.signals.email_verified, and orders (which accounts may not import) links them here.
From then on they are the customer's: listed in their account, counted in their stats, and
counted as a purchase by the first-purchase rules. Points are not credited for them
retroactively: points are earned when an order completes, and these completed as a guest's.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from accounts.models import User, normalize_email_address
from orders.models import Order
from orders.services.customer_stats import refresh_customer_stats
from pricing.models import DiscountCodeUsage


def link_guest_orders(*, user: User, now: datetime) -> int:
    """Gives `user` every guest order under their email (and those orders' promo code uses
    recorded without an account), then recomputes their stats. All or nothing; safe twice.
    Answers how many orders were linked."""
    email = normalize_email_address(user.email)
    with transaction.atomic():
        # Locked, so an order changing state meanwhile (a payment, a completion) is seen by
        # its owner's stats either before or after the link, never half-way.
        order_ids = list(
            Order.objects.select_for_update()
            .filter(user__isnull=True, customer_email=email)
            .values_list("pk", flat=True)
        )
        linked = Order.objects.filter(pk__in=order_ids).update(user=user, updated_at=now)
        DiscountCodeUsage.objects.filter(user__isnull=True, guest_email=email).update(user=user)
        refresh_customer_stats(user.pk)
    return linked


def link_guest_orders_on_verification(
    sender: object, *, user: User, now: datetime, **kwargs: object
) -> None:
    """The receiver of accounts.signals.email_verified (connected in OrdersConfig.ready)."""
    link_guest_orders(user=user, now=now)
