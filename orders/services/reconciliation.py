"""The daily reconciliation with eSIM Access: what the webhooks and the safety nets missed.

- Orders paid more than an hour ago and still not delivered are listed (a human looks).
- For every order of the last RECENT_DAYS with eSIMs ordered, the provider's profiles are read:
  any we had not stored is stored now (and listed), and each profile's statuses are brought
  forward to the provider's (never backwards), so a lost lifecycle webhook heals by itself.
Drift stays listed in Admin until someone marks it resolved; a drift already open is not listed
twice.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction

from hiroam.integrations.errors import ProviderError
from hiroam.integrations.esim_access import esim_access_client
from orders.models import FulfilmentDrift, Order, OrderItem, OrderStatus, PaymentStatus
from orders.services import lifecycle
from orders.services.provider_events import collect_profiles

logger = logging.getLogger(__name__)

RECENT_DAYS = 30
LATE_AFTER = timedelta(hours=1)


def reconcile(*, now: datetime) -> dict[str, int]:
    found = {kind: 0 for kind in FulfilmentDrift.Kind.values}
    late = Order.objects.filter(
        payment_status=PaymentStatus.COMPLETED,
        paid_at__lt=now - LATE_AFTER,
        status__in=(OrderStatus.PAID, OrderStatus.PROCESSING),
    )
    for order in late:
        found[FulfilmentDrift.Kind.PAID_NOT_DELIVERED] += _note(
            order, FulfilmentDrift.Kind.PAID_NOT_DELIVERED, f"paid at {order.paid_at}", now
        )
    items = OrderItem.objects.filter(created_at__gte=now - timedelta(days=RECENT_DAYS)).exclude(
        esim_order_no=""
    )
    client = esim_access_client()
    for item in items.select_related("order"):
        try:
            _reconcile_item(item, client, found, now)
        except ProviderError as error:
            found[FulfilmentDrift.Kind.PROVIDER_UNREACHABLE] += _note(
                item.order, FulfilmentDrift.Kind.PROVIDER_UNREACHABLE, str(error), now
            )
        except Exception:  # one odd item never stops the run
            logger.exception("Reconciliation failed for item %s", item.pk)
    return found


def _reconcile_item(item: OrderItem, client: Any, found: dict[str, int], now: datetime) -> None:
    provider_profiles = client.query_profiles(order_no=item.esim_order_no)
    ours = set(item.profiles.values_list("esim_tran_no", flat=True))
    missing = [p.esim_tran_no for p in provider_profiles if p.esim_tran_no not in ours]
    if missing:
        found[FulfilmentDrift.Kind.UNKNOWN_TO_US] += _note(
            item.order, FulfilmentDrift.Kind.UNKNOWN_TO_US, ", ".join(missing), now
        )
        collect_profiles(item.pk, now, provider_profiles)
    for profile in provider_profiles:
        lifecycle.apply_status(
            {
                "esimTranNo": profile.esim_tran_no,
                "esimStatus": profile.esim_status,
                "smdpStatus": profile.smdp_status,
            },
            now,
        )


def _note(order: Order, kind: str, detail: str, now: datetime) -> int:
    try:
        with transaction.atomic():
            FulfilmentDrift.objects.create(kind=kind, order=order, detail=detail, found_at=now)
    except IntegrityError:  # already listed and not resolved yet
        return 0
    logger.warning("Reconciliation: %s for %s (%s)", kind, order.order_number, detail)
    return 1
