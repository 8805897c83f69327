"""Orders and their items (plan section 3.1). Amounts are integer USD cents; an order's
amounts and pricing breakdown are written once, at checkout, and never edited."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.crypto import salted_hmac

from catalog.models import EsimPackage
from pricing.models import DiscountCode


class OrderStatus(models.TextChoices):
    PENDING = "pending", "Pending payment"
    PAID = "paid", "Paid"
    PROCESSING = "processing", "Processing"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "Expired (not paid in time)"
    REFUNDED = "refunded", "Refunded"


class PaymentStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    REFUNDED = "refunded", "Refunded"


class EsimStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ORDERED = "ordered", "Ordered"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class Reservation(models.TextChoices):
    """What the order holds of limited stock and its promo code's uses."""

    HELD = "held", "Held for the pending order"
    CONVERTED = "converted", "Taken by the paid order"
    RELEASED = "released", "Released"


def access_token_for(order_id: Any, stored_hash: str = "") -> str:
    """The guest's secret link to an order: derived from the order id with the server's
    secret, so it is never stored (only its hash) and can be worked out again to email it.

    Given the order's stored hash, the link that matches it: after SECRET_KEY was rotated, an
    order placed before is still reached with the old key (in SECRET_KEY_FALLBACKS), so the
    eSIM email of an order paid across a rotation carries a link that works."""
    for secret in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]:
        token = salted_hmac(
            "hiroam.orders.access-token", str(order_id), secret=secret, algorithm="sha256"
        ).hexdigest()
        if not stored_hash or hash_access_token(token) == stored_hash:
            return token
    return access_token_for(order_id)  # no key made it: a link that will not open (404)


def hash_access_token(token: str) -> str:
    """Only this hash of a guest's secret link is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


class Order(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    order_number = models.CharField(max_length=50, unique=True)  # ORD-YYYYMMDD-XXXXX

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    customer_email = models.EmailField(help_text="Normalised (trimmed, lower case).")
    customer_name = models.CharField(max_length=100, blank=True)

    currency_code = models.CharField(max_length=3, default="USD")
    subtotal_cents = models.PositiveIntegerField()
    product_discount_cents = models.PositiveIntegerField(default=0)
    code_discount_cents = models.PositiveIntegerField(default=0)
    points_discount_cents = models.PositiveIntegerField(
        default=0, help_text="Taken off by the customer's points."
    )
    total_discount_cents = models.PositiveIntegerField(default=0)
    total_cents = models.PositiveIntegerField()
    discount_code = models.ForeignKey(
        DiscountCode, null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    discount_code_used = models.CharField(max_length=50, blank=True)
    pricing_breakdown = models.JSONField(help_text="The engine's breakdown, as priced.")
    priced_at = models.DateTimeField(help_text="The moment the order was priced.")

    status = models.CharField(
        max_length=20, choices=OrderStatus.choices, default=OrderStatus.PENDING
    )
    payment_status = models.CharField(
        max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    esim_status = models.CharField(
        max_length=20, choices=EsimStatus.choices, default=EsimStatus.PENDING
    )
    reservation = models.CharField(
        max_length=10, choices=Reservation.choices, default=Reservation.HELD
    )
    needs_review = models.BooleanField(default=False)
    review_reason = models.TextField(blank=True)

    paddle_transaction_id = models.CharField(max_length=100, null=True, blank=True, unique=True)
    paddle_customer_id = models.CharField(max_length=100, blank=True)
    paddle_checkout_url = models.URLField(max_length=500, blank=True)
    payment_failure_reason = models.CharField(max_length=255, blank=True)
    last_payment_event_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)

    points_earned = models.PositiveIntegerField(default=0)
    points_redeemed = models.PositiveIntegerField(
        default=0, help_text="Points paying part of this order: held until paid, then spent."
    )
    points_applied = models.BooleanField(default=False)
    access_token_hash = models.CharField(max_length=64, help_text="SHA-256 of the guest link.")
    metadata = models.JSONField(default=dict, blank=True)

    # Where the customer came from when they checked out (accounts.acquisition cleans them).
    utm_source = models.CharField(max_length=100, blank=True, default="")
    utm_medium = models.CharField(max_length=100, blank=True, default="")
    utm_campaign = models.CharField(max_length=100, blank=True, default="")
    referrer_host = models.CharField(
        max_length=255, blank=True, default="", help_text="The referring site's host, if any."
    )
    visitor = models.CharField(
        max_length=80,
        blank=True,
        default="",
        db_default="",  # rows written outside Django (bulk loads) need no value
        help_text="Who price experiments saw checking out (an account or a guest's browser).",
    )

    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(help_text="Unpaid until then, the order expires.")
    paid_at = models.DateTimeField(null=True, blank=True)
    fulfilment_requested_at = models.DateTimeField(
        null=True, blank=True, help_text="When the paid order was handed to fulfilment (once)."
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created_at",)
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    total_discount_cents=F("product_discount_cents")
                    + F("code_discount_cents")
                    + F("points_discount_cents")
                ),
                name="order_discounts_add_up",
            ),
            models.CheckConstraint(
                condition=Q(total_cents=F("subtotal_cents") - F("total_discount_cents")),
                name="order_total_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(status__in=OrderStatus.values), name="order_status_known"
            ),
            models.CheckConstraint(
                condition=Q(payment_status__in=PaymentStatus.values),
                name="order_payment_status_known",
            ),
            models.CheckConstraint(
                condition=Q(esim_status__in=EsimStatus.values), name="order_esim_status_known"
            ),
        ]
        indexes = [
            models.Index(
                fields=["expires_at"],
                name="order_pending_expiry",
                condition=Q(status="pending"),
            ),
            models.Index(fields=["user", "-created_at"], name="order_by_user"),
            models.Index(fields=["customer_email", "-created_at"], name="order_by_email"),
            models.Index(fields=["status", "-created_at"], name="order_by_status"),
            # The analytics refresh picks up what changed since its last run.
            models.Index(fields=["updated_at"], name="order_by_update"),
            # The analytics refresh reads a day's checkouts, payments and refunds by range.
            models.Index(fields=["created_at"], name="order_by_creation"),
            models.Index(
                fields=["paid_at"], name="order_by_payment", condition=Q(paid_at__isnull=False)
            ),
            models.Index(
                fields=["refunded_at"],
                name="order_by_refund",
                condition=Q(refunded_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.order_number

    def opens_with(self, token: str) -> bool:
        """Whether `token` is this order's secret link (compared in constant time)."""
        return hmac.compare_digest(self.access_token_hash, hash_access_token(token))


class OrderItem(models.Model):
    """One package of an order, with its price as charged (a snapshot: later price changes
    never touch it)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    package = models.ForeignKey(EsimPackage, on_delete=models.PROTECT, related_name="+")
    package_code = models.CharField(max_length=50)
    package_name = models.CharField(max_length=255)
    quantity = models.PositiveIntegerField()
    unit_price_cents = models.PositiveIntegerField(help_text="Before the package's discount.")
    product_discount_cents = models.PositiveIntegerField(default=0, help_text="Per unit.")
    final_unit_price_cents = models.PositiveIntegerField()
    total_cents = models.PositiveIntegerField(help_text="final unit price x quantity")
    code_discount_cents = models.PositiveIntegerField(
        default=0, help_text="This line's share of the promo code."
    )
    points_discount_cents = models.PositiveIntegerField(
        default=0, help_text="This line's share of the points discount."
    )
    schedule_name = models.CharField(max_length=100, blank=True)
    price_schedule_id = models.UUIDField(
        null=True,
        blank=True,
        help_text="The price schedule that priced this line (a snapshot id: kept if the "
        "schedule is deleted).",
    )
    experiment_id = models.UUIDField(
        null=True, blank=True, help_text="The price experiment this line was priced in (snapshot)."
    )
    experiment_variant_id = models.UUIDField(
        null=True, blank=True, help_text="The experiment's variant the customer was shown."
    )

    esim_order_no = models.CharField(max_length=100, blank=True)
    transaction_id = models.CharField(max_length=100, blank=True)
    provider_unit_price_units = models.PositiveBigIntegerField(
        null=True,
        blank=True,
        help_text="What eSIM Access charged per eSIM (1/10000 USD): what a cancel returns.",
    )
    status = models.CharField(max_length=20, default="pending")
    profiles_ordered = models.PositiveIntegerField(default=0)
    profiles_delivered = models.PositiveIntegerField(default=0)
    profiles_cancelled = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("created_at", "id")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="order_item_quantity"),
            models.CheckConstraint(
                condition=Q(
                    final_unit_price_cents=F("unit_price_cents") - F("product_discount_cents")
                ),
                name="order_item_unit_price_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(total_cents=F("final_unit_price_cents") * F("quantity")),
                name="order_item_total_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(total_cents__gte=F("code_discount_cents") + F("points_discount_cents")),
                name="order_item_shares_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.package_code}"

    @property
    def amount_paid_cents(self) -> int:
        return self.total_cents - self.code_discount_cents - self.points_discount_cents
