"""What orders holds about a customer, for their export and their erasure (plan 24.3):
registered with accounts.data_rights in OrdersConfig.ready().

The export holds the orders with their items and eSIMs (ICCIDs and activation codes included:
they are the customer's own), the emails we sent about them and the promo code uses. Erasure
keeps the orders, their amounts and items (tax records, plan 24.2: seven years) but removes who
placed them: the email becomes a placeholder, the name goes, the account link goes; so do the
recipients of the emails and the emails of the promo code uses.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import F, Model, Q, QuerySet, Value
from django.db.models.functions import Replace

from accounts.acquisition import email_hash
from accounts.data_rights import DataSection, scrub_audit_entries
from accounts.models import FirstTouch, User, normalize_email_address
from hiroam.api.errors import ConflictError, ErrorCode
from orders.models import EmailLog, Order, OrderStatus, PaymentRefund, WebhookLog
from orders.selectors import orders_about_customer
from pricing.models import DiscountCodeUsage

# Not a person: the .invalid top-level domain is reserved (RFC 2606), so no real address, and
# no customer who types one at checkout, can ever receive mail there or be this address.
ERASED_EMAIL = "erased@erased.invalid"

# Orders being paid, delivered or refunded: their emails still have to reach the customer,
# and the payment provider or support may still need to know who they are.
AWAITING_PAYMENT = (OrderStatus.PENDING,)
BEING_DELIVERED = (OrderStatus.PAID, OrderStatus.PROCESSING)


class OrdersInProgressError(ConflictError):
    code = ErrorCode.ORDERS_IN_PROGRESS
    message = (
        "Some of your orders are still waiting for payment, being delivered or being refunded. "
        "The account can be erased once they are done (an order never paid expires by itself)."
    )


def _values(obj: Model, names: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in names}


_ORDER_FIELDS = (
    "id",
    "order_number",
    "status",
    "payment_status",
    "esim_status",
    "customer_email",
    "customer_name",
    "currency_code",
    "subtotal_cents",
    "product_discount_cents",
    "code_discount_cents",
    "points_discount_cents",
    "total_discount_cents",
    "total_cents",
    "discount_code_used",
    "points_redeemed",
    "points_earned",
    "paddle_transaction_id",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "referrer_host",
    "created_at",
    "paid_at",
    "completed_at",
    "refunded_at",
)
_ITEM_FIELDS = (
    "id",
    "package_code",
    "package_name",
    "quantity",
    "unit_price_cents",
    "product_discount_cents",
    "final_unit_price_cents",
    "code_discount_cents",
    "points_discount_cents",
    "total_cents",
    "status",
)
_ESIM_FIELDS = (
    "id",
    "profile_index",
    "iccid",
    "sm_dp_address",
    "activation_code",
    "manual_code",
    "qr_code_url",
    "short_url",
    "esim_status",
    "smdp_status",
    "data_used_bytes",
    "data_total_bytes",
    "usage_percentage",
    "installed_at",
    "expires_at",
    "refund_status",
    "refunded_at",
    "refund_amount_cents",
)
_REFUND_FIELDS = ("status", "is_full", "amount_cents", "reason", "requested_at", "decided_at")


def export_orders(user: User) -> list[dict[str, Any]]:
    orders = (
        orders_about_customer(user)
        .prefetch_related("items__profiles", "refunds")
        .order_by("created_at")
    )
    return [
        {
            **_values(order, _ORDER_FIELDS),
            "items": [
                {
                    **_values(item, _ITEM_FIELDS),
                    "esims": [_values(esim, _ESIM_FIELDS) for esim in item.profiles.all()],
                }
                for item in order.items.all()
            ],
            "refunds": [_values(refund, _REFUND_FIELDS) for refund in order.refunds.all()],
        }
        for order in orders
    ]


def export_payment_events(user: User) -> list[dict[str, Any]]:
    """Paddle's notifications about the customer's payments and refunds, as received (they
    may name the payer and their card)."""
    order_ids = orders_about_customer(user).values_list("pk", flat=True)
    logs = (
        WebhookLog.objects.filter(order_id__in=order_ids, source=WebhookLog.Source.PADDLE)
        .select_related("order")
        .order_by("created_at")
    )
    return [
        {
            "order_number": log.order.order_number if log.order else None,
            "event_type": log.event_type,
            "occurred_at": log.occurred_at,
            "received_at": log.created_at,
            "data": log.payload.get("data"),
        }
        for log in logs
    ]


def _emails_about(user: User, order_ids: Iterable[Any]) -> Q:
    about = Q(order_id__in=list(order_ids))
    if user.email_verified_at is not None:
        about |= Q(to_email=normalize_email_address(user.email))
    return about


def _promo_uses_of(user: User, order_ids: Iterable[Any]) -> Q:
    uses = Q(user=user) | Q(order_id__in=list(order_ids))
    if user.email_verified_at is not None:
        uses |= Q(guest_email=normalize_email_address(user.email))
    return uses


def export_emails_sent(user: User) -> list[dict[str, Any]]:
    order_ids = orders_about_customer(user).values_list("pk", flat=True)
    logs = EmailLog.objects.filter(_emails_about(user, order_ids)).select_related("order")
    return [
        {
            **_values(log, ("template_name", "to_email", "status", "created_at", "sent_at")),
            "order_number": log.order.order_number if log.order is not None else None,
        }
        for log in logs.order_by("created_at")
    ]


def export_promo_code_uses(user: User) -> list[dict[str, Any]]:
    order_ids = orders_about_customer(user).values_list("pk", flat=True)
    uses = DiscountCodeUsage.objects.filter(_promo_uses_of(user, order_ids))
    return [
        {
            "code": use.discount.code,
            **_values(
                use,
                ("status", "order_id", "discount_amount_cents", "order_total_cents", "used_at"),
            ),
        }
        for use in uses.select_related("discount").order_by("used_at")
    ]


def check_no_order_in_progress(user: User) -> None:
    """Refuses while an order is being paid, delivered or refunded, naming them and why.
    Locks the customer's orders for the rest of the erasure, so none changes state between
    this check and the anonymising (a refund is asked for under its order's lock too)."""
    orders = list(
        orders_about_customer(user)
        .select_for_update()
        .order_by("created_at")
        .values_list("pk", "order_number", "status")
    )
    refunding = set(
        PaymentRefund.objects.filter(
            order_id__in=[pk for pk, _, _ in orders], status__in=PaymentRefund.OPEN
        ).values_list("order_id", flat=True)
    )
    busy = []
    for pk, number, status in orders:
        reason = _why_busy(status, is_refunding=pk in refunding)
        if reason:
            busy.append({"order_number": number, "status": status, "reason": reason})
    if busy:
        raise OrdersInProgressError(details={"orders": busy})


def _why_busy(status: str, *, is_refunding: bool) -> str:
    if status in AWAITING_PAYMENT:
        return "awaiting_payment"
    if status in BEING_DELIVERED:
        return "being_delivered"
    return "being_refunded" if is_refunding else ""


def anonymise_order_data(user: User, now: datetime) -> dict[str, int]:
    """Orders, their items and eSIMs and every amount stay; who placed them goes."""
    order_ids = list(orders_about_customer(user).values_list("pk", flat=True))
    return _anonymise_orders(
        order_ids,
        address=normalize_email_address(user.email),
        emails=EmailLog.objects.filter(_emails_about(user, order_ids)),
        promo_uses=DiscountCodeUsage.objects.filter(_promo_uses_of(user, order_ids)),
        now=now,
    )


def anonymise_guest_orders(order_ids: Iterable[Any], now: datetime) -> dict[str, int]:
    """The retention policy's way to forget a guest (guests cannot ask for an erasure through
    an account): the same anonymising as an erasure, for orders with no account, address by
    address. The caller chooses and locks the orders."""
    by_address: dict[str, list[Any]] = {}
    for pk, address in Order.objects.filter(pk__in=list(order_ids), user__isnull=True).values_list(
        "pk", "customer_email"
    ):
        by_address.setdefault(address, []).append(pk)
    counts: dict[str, int] = {}
    for address, ids in by_address.items():
        touched = _anonymise_orders(
            ids,
            address=address,
            emails=EmailLog.objects.filter(order_id__in=ids),
            promo_uses=DiscountCodeUsage.objects.filter(order_id__in=ids),
            now=now,
        )
        for kind, count in touched.items():
            counts[kind] = counts.get(kind, 0) + count
        forgotten = _forget_first_touch_once_unknown(address)
        counts["first_touches_deleted"] = counts.get("first_touches_deleted", 0) + forgotten
    return counts


def _forget_first_touch_once_unknown(address: str) -> int:
    """A guest's first touch goes with the last order that still names them, unless the
    address is an account's (erased with the account, 24.3)."""
    if Order.objects.filter(customer_email=address).exists():
        return 0
    if User.objects.filter(email__iexact=address).exists():
        return 0
    return FirstTouch.objects.filter(email_hash=email_hash(address)).delete()[0]


def _anonymise_orders(
    order_ids: list[Any],
    *,
    address: str,
    emails: QuerySet[EmailLog],
    promo_uses: QuerySet[DiscountCodeUsage],
    now: datetime,
) -> dict[str, int]:
    """Removes who placed `order_ids` (the customer at `address`) from the orders and what
    hangs off them; every amount, item and eSIM stays."""
    emails_anonymised = emails.update(
        to_email=ERASED_EMAIL,
        # A provider's refusal may quote the recipient ("... rejected tia@example.com").
        error_message=Replace(F("error_message"), Value(address), Value(ERASED_EMAIL)),
    )
    uses = promo_uses.update(guest_email=ERASED_EMAIL, user=None)
    # A refund's reason is written by staff and may quote the customer's address.
    PaymentRefund.objects.filter(order_id__in=order_ids).update(
        reason=Replace(F("reason"), Value(address), Value("[erased]"))
    )
    # Order managers' actions were audited with the order as it was (email and name in it).
    scrub_audit_entries(Order, order_ids)
    webhooks = _scrub_payment_events(order_ids)
    orders = Order.objects.filter(pk__in=order_ids).update(
        customer_email=ERASED_EMAIL,
        customer_name="",
        # Paddle's id for the person (their record there holds the name and email); the
        # transaction id stays: it is what the tax records and refunds refer to.
        paddle_customer_id="",
        user=None,
        updated_at=now,
    )
    return {
        "orders_anonymised": orders,
        "emails_anonymised": emails_anonymised,
        "promo_code_uses_anonymised": uses,
        "payment_events_anonymised": webhooks,
    }


# What a Paddle event keeps after an erasure: what was paid or refunded, when, for which order;
# never the payer (customer id, address, card holder, card details).
_PAYMENT_EVENT_KEYS = ("event_id", "event_type", "occurred_at", "notification_id")
_PAYMENT_DATA_KEYS = (
    "id",
    "status",
    "action",
    "type",
    "transaction_id",
    "currency_code",
    "custom_data",
    "totals",
    "created_at",
    "updated_at",
    "billed_at",
)


def _scrub_payment_events(order_ids: list[Any]) -> int:
    logs = WebhookLog.objects.filter(order_id__in=order_ids, source=WebhookLog.Source.PADDLE)
    for log in logs:
        data = log.payload.get("data") or {}
        kept = {key: data[key] for key in _PAYMENT_DATA_KEYS if key in data}
        totals = (data.get("details") or {}).get("totals")
        if totals is not None:
            kept["details"] = {"totals": totals}
        log.payload = {
            **{key: log.payload[key] for key in _PAYMENT_EVENT_KEYS if key in log.payload},
            "data": kept,
        }
        log.save(update_fields=["payload"])
    return len(logs)


SECTIONS = (
    # "orders" erases for the others: their rows are found through the orders, so they
    # must be anonymised before the orders stop naming the customer.
    DataSection(
        "orders",
        export=export_orders,
        erase=anonymise_order_data,
        check_erasable=check_no_order_in_progress,
    ),
    DataSection("emails_sent", export=export_emails_sent),
    DataSection("payment_events", export=export_payment_events),
    DataSection("promo_code_uses", export=export_promo_code_uses),
)
