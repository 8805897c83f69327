"""eSIM Access's events about our orders, applied by a worker from the stored webhook.

`ORDER_STATUS` (`GOT_RESOURCE`): the provider has allocated an order's profiles. They are
queried (all pages; "not ready yet" is retried later) and stored idempotently — the unique
`esimTranNo` means a repeated or duplicated event adds nothing. When every item has all its
profiles, the order is completed and delivered; until then partial delivery shows on the item.
The lifecycle events (`ESIM_STATUS`, `SMDP_EVENT`, `DATA_USAGE`, `VALIDITY_USAGE`) are applied
by orders.services.lifecycle.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q

from hiroam.integrations.errors import CircuitOpenError, ProviderError, ProviderUnavailable
from hiroam.integrations.esim_access import esim_access_client
from hiroam.integrations.esim_access.results import EsimProfile as ProviderProfile
from hiroam.observability import metrics
from orders.emails import queue_esim_delivery
from orders.models import (
    EsimProfile,
    EsimStatus,
    Order,
    OrderItem,
    OrderStatus,
    ProfileStatus,
    SmdpStatus,
    WebhookLog,
)
from orders.services import lifecycle
from orders.services.points_handoff import credit_points_for
from orders.states import ESIM, ORDER, advance

logger = logging.getLogger(__name__)

REFUND_AFTER = timedelta(days=90)  # an unused profile's cost can be recovered after this
HANDLED = frozenset({"ORDER_STATUS", "ESIM_STATUS", "SMDP_EVENT", "DATA_USAGE", "VALIDITY_USAGE"})


class ItemNotRecordedYet(ProviderUnavailable):
    """The provider's event beat our own record of its order: try again shortly."""


def process_esim_event(log_id: Any, now: datetime) -> str:
    log = WebhookLog.objects.get(pk=log_id)
    if log.processed:
        return "already processed"
    if log.event_type not in HANDLED:
        return "waiting for its handler"
    content = log.payload.get("content") or {}
    occurred = log.occurred_at or now
    if log.event_type in ("ESIM_STATUS", "SMDP_EVENT"):
        outcome = lifecycle.apply_status(content, occurred)
    elif log.event_type == "DATA_USAGE":
        outcome = lifecycle.apply_usage(content, now)
    elif log.event_type == "VALIDITY_USAGE":
        outcome = lifecycle.apply_validity(content)
    elif str(content.get("orderStatus") or "") != "GOT_RESOURCE":
        outcome = "ignored"
    else:
        item = _item_of(content)
        outcome = collect_profiles(item.pk, now)
        WebhookLog.objects.filter(pk=log.pk).update(order=item.order_id)
    WebhookLog.objects.filter(pk=log.pk).update(processed=True, processed_at=now)
    return outcome


def _item_of(content: dict[str, Any]) -> OrderItem:
    order_no, transaction_id = content.get("orderNo"), content.get("transactionId")
    match = Q(esim_order_no=str(order_no)) if order_no else Q(pk__in=[])
    if transaction_id:
        match |= Q(transaction_id=str(transaction_id))
    item = OrderItem.objects.filter(match).first()
    if item is None:
        raise ItemNotRecordedYet(f"No item for provider order {order_no}", provider="esim_access")
    return item


def collect_profiles(
    item_id: Any, now: datetime, provider_profiles: list[ProviderProfile] | None = None
) -> str:
    """Stores the item's profiles from the provider (safe to repeat); completes the order when
    every item has all of its profiles. `provider_profiles`: the provider's answer, when the
    caller has just asked for it."""
    item = OrderItem.objects.get(pk=item_id)
    if provider_profiles is None:
        provider_profiles = esim_access_client().query_profiles(order_no=item.esim_order_no)
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=item.order_id)
        known = set(item.profiles.values_list("esim_tran_no", flat=True))
        fresh = sorted(
            (p for p in provider_profiles if p.esim_tran_no not in known),
            key=lambda p: p.esim_tran_no,
        )
        EsimProfile.objects.bulk_create(
            _profile(order, item, profile, index, now)
            for index, profile in enumerate(fresh, start=len(known) + 1)
        )
        delivered = len(known) + len(fresh)
        OrderItem.objects.filter(pk=item.pk).update(
            profiles_delivered=delivered,
            status="completed" if delivered >= item.quantity else "partial",
        )
        # The profiles are stored whatever the order's state; only a live order completes (a
        # paid one too: its move to processing may have been lost in a crash).
        if _every_item_complete(order) and order.status in (
            OrderStatus.PAID,
            OrderStatus.PROCESSING,
        ):
            advance(order, ORDER, OrderStatus.PROCESSING)
            advance(order, ESIM, EsimStatus.ORDERED)
            advance(order, ORDER, OrderStatus.COMPLETED)
            advance(order, ESIM, EsimStatus.DELIVERED)
            order.completed_at = now
            order.save(update_fields=["status", "esim_status", "completed_at", "updated_at"])
            queue_esim_delivery(order)  # sent once this commits
            credit_points_for(order)
            _time_delivery(order, now)
            return "completed"
    return "partly delivered" if delivered < item.quantity else "item delivered"


def _time_delivery(order: Order, now: datetime) -> None:
    if order.paid_at is None:
        return
    seconds = (now - order.paid_at).total_seconds()
    transaction.on_commit(lambda: metrics.observe(metrics.PAYMENT_TO_DELIVERY, seconds))


def _every_item_complete(order: Order) -> bool:
    return not order.items.filter(~Q(status="completed")).exists()


def _profile(
    order: Order, item: OrderItem, profile: ProviderProfile, index: int, now: datetime
) -> EsimProfile:
    # "LPA:1$<SM-DP+ address>$<matching id>": the parts a customer types by hand.
    parts = profile.activation_code.split("$")
    return EsimProfile(
        order=order,
        order_item=item,
        profile_index=index,
        esim_tran_no=profile.esim_tran_no,
        esim_order_no=profile.order_no,
        iccid=profile.iccid,
        qr_code_url=profile.qr_code_url,
        short_url=profile.short_url,
        sm_dp_address=parts[1] if len(parts) > 2 else "",
        activation_code=parts[2] if len(parts) > 2 else profile.activation_code,
        manual_code=profile.activation_code,
        esim_status=ProfileStatus.GOT_RESOURCE,
        smdp_status=SmdpStatus.RELEASED,
        resource_ready_at=now,
        refund_eligible_at=now + REFUND_AFTER,
        data_total_bytes=profile.total_volume_bytes or None,
        data_used_bytes=profile.used_volume_bytes,
        expires_at=profile.expires_at,
        created_at=now,
    )


PROFILES_LATE_AFTER = timedelta(minutes=2)


def items_awaiting_profiles(*, now: datetime) -> list[Any]:
    """Items ordered from the provider minutes ago whose profiles have not all arrived: their
    ORDER_STATUS webhook is late or lost, so the safety net asks the provider itself."""
    return list(
        OrderItem.objects.filter(
            order__status__in=(OrderStatus.PAID, OrderStatus.PROCESSING),
            order__needs_review=False,
            order__fulfilment_requested_at__lt=now - PROFILES_LATE_AFTER,
        )
        .exclude(esim_order_no="")
        .exclude(status="completed")
        .order_by("created_at")
        .values_list("pk", flat=True)[:200]
    )


def collect_late_profiles(*, now: datetime) -> dict[str, int]:
    """The safety net: asks the provider for every late item's profiles. An item the provider
    is still allocating is simply asked again next time."""
    outcomes = {"collected": 0, "not ready": 0, "failed": 0}
    for item_id in items_awaiting_profiles(now=now):
        try:
            collect_profiles(item_id, now)
            outcomes["collected"] += 1
        except ProviderError as error:  # still allocating, busy, circuit open: next time
            outcomes[
                "not ready" if error.retryable or isinstance(error, CircuitOpenError) else "failed"
            ] += 1
            if not error.retryable:
                logger.warning("Could not collect the profiles of item %s: %s", item_id, error)
        except Exception:  # one bad item never stops the others
            logger.exception("Could not collect the profiles of item %s", item_id)
            outcomes["failed"] += 1
    return outcomes
