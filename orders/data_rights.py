"""What orders holds about a customer, for their export (plan 24.3): registered with
accounts.data_rights in OrdersConfig.ready().

The export holds the orders with their items and eSIMs (ICCIDs and activation codes included:
they are the customer's own), the emails we sent about them and the promo code uses.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Model, Q

from accounts.data_rights import DataSection
from accounts.models import User, normalize_email_address
from orders.models import EmailLog
from orders.selectors import orders_about_customer
from pricing.models import DiscountCodeUsage


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


def export_orders(user: User) -> list[dict[str, Any]]:
    orders = orders_about_customer(user).prefetch_related("items__profiles").order_by("created_at")
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
        }
        for order in orders
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


SECTIONS = (
    DataSection("orders", export=export_orders),
    DataSection("emails_sent", export=export_emails_sent),
    DataSection("promo_code_uses", export=export_promo_code_uses),
)
