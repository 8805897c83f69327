"""The orders app's tables: orders and items, eSIM profiles, and the records around them."""

from orders.models.orders import (
    EsimStatus,
    Order,
    OrderItem,
    OrderStatus,
    PaymentStatus,
    Reservation,
    access_token_for,
    hash_access_token,
)
from orders.models.profiles import EsimProfile, ProfileStatus, RefundStatus, SmdpStatus
from orders.models.records import EmailLog, FulfilmentDrift, IdempotencyKey, WebhookLog
from orders.models.refunds import PaymentRefund

__all__ = [
    "EmailLog",
    "EsimProfile",
    "EsimStatus",
    "FulfilmentDrift",
    "IdempotencyKey",
    "Order",
    "OrderItem",
    "OrderStatus",
    "PaymentRefund",
    "PaymentStatus",
    "ProfileStatus",
    "RefundStatus",
    "Reservation",
    "SmdpStatus",
    "WebhookLog",
    "access_token_for",
    "hash_access_token",
]
