"""Price schedules, the price history, the USD to IDR rate, regional prices (future) and
promo codes with their usage (plan section 3.1)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.utils import timezone

from catalog.models import EsimPackage


class ExchangeRate(models.Model):
    """The USD to IDR rate used for IDR prices, edited in Admin; every row is kept (history).
    The rate in force is the newest whose `valid_from` has passed."""

    usd_to_idr_rate = models.PositiveIntegerField(help_text="IDR per 1 USD, e.g. 16000.")
    valid_from = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=255, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-valid_from", "-id")
        constraints = [
            models.CheckConstraint(
                condition=Q(usd_to_idr_rate__gt=0), name="exchange_rate_positive"
            )
        ]

    def __str__(self) -> str:
        return f"1 USD = {self.usd_to_idr_rate:,} IDR from {self.valid_from:%Y-%m-%d %H:%M}"


class PackagePrice(EsimPackage):
    """A package seen by pricing: its base prices, schedules and history (the Admin's
    "Package prices"). Same table as the catalogue's package."""

    class Meta:
        proxy = True
        verbose_name = "package price"


class PriceSchedule(models.Model):
    class ScheduleType(models.TextChoices):
        DISCOUNT = "discount", "Discount"
        PRICE_OVERRIDE = "price_override", "Price override"

    class DiscountType(models.TextChoices):
        PERCENTAGE = "percentage", "Percentage (basis points)"
        FIXED = "fixed", "Fixed (USD cents)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    package = models.ForeignKey(
        EsimPackage, on_delete=models.CASCADE, related_name="price_schedules"
    )
    schedule_name = models.CharField(max_length=100)
    schedule_type = models.CharField(
        max_length=20, choices=ScheduleType.choices, default=ScheduleType.DISCOUNT
    )
    discount_type = models.CharField(max_length=20, choices=DiscountType.choices, blank=True)
    discount_value = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Basis points for a percentage (2500 = 25 %), cents for fixed.",
    )
    override_price_usd_cents = models.PositiveIntegerField(null=True, blank=True)
    override_price_idr = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="Blank: converted from the USD price at the current rate."
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(help_text="Exclusive: the schedule is over at this moment.")
    priority = models.IntegerField(default=0, help_text="Higher wins when schedules overlap.")
    badge_text = models.CharField(max_length=50, blank=True)
    badge_color = models.CharField(max_length=20, blank=True)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("starts_at", "-priority")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="schedule_ends_after_start"
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        schedule_type="discount",
                        discount_type="percentage",
                        discount_value__gt=0,
                        discount_value__lte=10_000,
                    )
                    | Q(schedule_type="discount", discount_type="fixed", discount_value__gt=0)
                    | Q(schedule_type="price_override", override_price_usd_cents__isnull=False)
                ),
                name="schedule_valid_discount",
            ),
        ]
        indexes = [
            models.Index(
                fields=["package", "ends_at", "starts_at"],
                name="schedule_live",
                condition=Q(is_active=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.schedule_name} ({self.starts_at:%Y-%m-%d} to {self.ends_at:%Y-%m-%d})"


class PriceHistory(models.Model):
    """One change of a price-relevant value: written by pricing services, never edited."""

    class Field(models.TextChoices):
        PRICE_USD = "price_usd_cents", "Base price (USD cents)"
        PRICE_IDR = "price_idr", "Base price (IDR)"
        COST = "base_price_cents", "Provider cost (USD cents)"
        SCHEDULE = "schedule", "Price schedule"

    package = models.ForeignKey(EsimPackage, on_delete=models.CASCADE, related_name="price_history")
    field = models.CharField(max_length=30, choices=Field.choices)
    old_value = models.JSONField(null=True, blank=True)
    new_value = models.JSONField(null=True, blank=True)
    schedule = models.ForeignKey(PriceSchedule, null=True, blank=True, on_delete=models.SET_NULL)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    reason = models.CharField(max_length=255, blank=True)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-changed_at", "-id")
        verbose_name_plural = "price history"
        indexes = [models.Index(fields=["package", "-changed_at"], name="price_history_by_package")]

    def __str__(self) -> str:
        return f"{self.package_id} {self.field} {self.old_value} -> {self.new_value}"


class RegionalPrice(models.Model):
    """A price for customers in one country (the plan marks it future: stored, not yet used)."""

    package = models.ForeignKey(
        EsimPackage, on_delete=models.CASCADE, related_name="regional_prices"
    )
    country_code = models.CharField(max_length=2)
    price_usd_cents = models.PositiveIntegerField()
    price_idr = models.PositiveBigIntegerField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["package", "country_code"], name="regional_price_once_per_country"
            )
        ]

    def __str__(self) -> str:
        return f"{self.package_id} in {self.country_code}"


class DiscountCode(models.Model):
    class DiscountType(models.TextChoices):
        PERCENTAGE = "percentage", "Percentage (basis points)"
        FIXED = "fixed", "Fixed (USD cents)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.CharField(max_length=50, help_text="Matched regardless of case.")
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    discount_type = models.CharField(max_length=20, choices=DiscountType.choices)
    discount_value = models.PositiveIntegerField(
        help_text="Basis points (2000 = 20 %) or USD cents."
    )
    currency_code = models.CharField(max_length=3, default="USD")
    min_purchase_cents = models.PositiveIntegerField(default=0)
    max_discount_cents = models.PositiveIntegerField(
        null=True, blank=True, help_text="Cap for a percentage."
    )
    max_uses = models.PositiveIntegerField(null=True, blank=True, help_text="Blank: unlimited.")
    max_uses_per_user = models.PositiveIntegerField(default=1)
    starts_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    applicable_packages = ArrayField(
        models.UUIDField(), null=True, blank=True, help_text="Blank: all packages."
    )
    excluded_packages = ArrayField(models.UUIDField(), default=list, blank=True)
    first_purchase_only = models.BooleanField(default=False)
    authenticated_only = models.BooleanField(default=False)
    stackable_with_product_discount = models.BooleanField(default=True)
    current_uses = models.PositiveIntegerField(default=0, help_text="Uses by paid orders.")
    reserved_uses = models.PositiveIntegerField(
        default=0, help_text="Uses held by checkouts not paid yet (released if they expire)."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(Upper("code"), name="discount_code_unique_ignoring_case"),
            models.CheckConstraint(
                condition=~Q(discount_type="percentage") | Q(discount_value__lte=10_000),
                name="discount_code_percentage_at_most_100",
            ),
            models.CheckConstraint(
                condition=Q(discount_value__gt=0), name="discount_code_value_positive"
            ),
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=F("starts_at")),
                name="discount_code_expires_after_start",
            ),
            models.CheckConstraint(
                condition=Q(max_uses__isnull=True)
                | Q(current_uses__lte=F("max_uses") - F("reserved_uses")),
                name="discount_code_uses_within_limit",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class DiscountCodeUsage(models.Model):
    """One order's use of a code: held when the checkout is created, a use once it is paid,
    released if it expires unpaid."""

    class Status(models.TextChoices):
        RESERVED = "reserved", "Reserved (checkout not paid yet)"
        USED = "used", "Used (paid)"
        RELEASED = "released", "Released (checkout expired or failed)"

    discount = models.ForeignKey(DiscountCode, on_delete=models.PROTECT, related_name="usages")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.USED)
    order_id = models.UUIDField(null=True, blank=True, help_text="Set once the order exists.")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    guest_email = models.EmailField(blank=True, help_text="Normalised (trimmed, lower case).")
    discount_amount_cents = models.PositiveIntegerField(default=0)
    order_total_cents = models.PositiveIntegerField(default=0)
    used_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["discount", "order_id"], name="discount_usage_once_per_order"
            )
        ]
        indexes = [
            models.Index(fields=["discount", "user"], name="discount_usage_by_user"),
            models.Index(fields=["discount", "guest_email"], name="discount_usage_by_email"),
        ]

    def __str__(self) -> str:
        return f"{self.discount_id} by {self.user_id or self.guest_email}"
