"""eSIM packages (the plan's esim_packages), the runs of the provider sync, and the record of
provider cost changes."""

import uuid

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class Coverage(models.TextChoices):
    SINGLE = "single", "Single country"
    REGIONAL = "regional", "Regional"
    GLOBAL = "global", "Global"


class SyncStatus(models.TextChoices):
    ACTIVE = "active", "Active at the provider"
    DISCONTINUED = "discontinued", "Discontinued by the provider"
    ERROR = "error", "Sync error"


class StockType(models.TextChoices):
    UNLIMITED = "unlimited", "Unlimited"
    LIMITED = "limited", "Limited"


# The packages the shop lists (catalog.selectors.listed_packages).
LISTED = Q(is_active=True) & ~Q(sync_status=SyncStatus.DISCONTINUED)


class EsimPackage(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    # ---- from eSIM Access (written only by the sync)
    package_code = models.CharField(max_length=50, unique=True)
    slug = models.CharField(max_length=100, unique=True, null=True, blank=True)
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    volume_bytes = models.BigIntegerField()
    duration = models.PositiveIntegerField()
    duration_unit = models.CharField(max_length=20, default="DAY")
    data_type = models.PositiveSmallIntegerField(
        default=1, help_text="1 total, 2 daily (throttled), 3 daily (cut), 4 daily unlimited"
    )
    speed = models.CharField(max_length=50, blank=True)
    location_codes = ArrayField(models.CharField(max_length=8), default=list)
    location_names = models.JSONField(default=dict, blank=True, help_text='{"JP": "Japan", ...}')
    operator_list = models.JSONField(default=list, blank=True)
    provider_location_code = models.CharField(max_length=20, blank=True)
    ip_export = models.CharField(max_length=10, blank=True)
    sms_status = models.PositiveSmallIntegerField(default=0)
    support_topup = models.BooleanField(default=False)
    active_type = models.PositiveSmallIntegerField(
        default=1, help_text="1 on install, 2 on first use"
    )
    provider_price_units = models.BigIntegerField(
        help_text="Cost in 1/10000 USD, exactly as the provider prices it."
    )
    base_price_cents = models.PositiveIntegerField(
        help_text="Our cost (provider price, rounded up to the cent)."
    )
    retail_price_cents = models.PositiveIntegerField(
        null=True, blank=True, help_text="Provider's suggested retail."
    )

    # ---- derived at sync (an admin may override the category)
    coverage = models.CharField(max_length=10, choices=Coverage.choices, default=Coverage.SINGLE)
    region = models.CharField(
        max_length=20, blank=True, help_text="Continent, multi-region or global."
    )
    auto_category = models.CharField(max_length=50, blank=True, editable=False)
    category_override = models.CharField(
        max_length=50, blank=True, help_text="Leave blank to use the derived one."
    )

    # ---- our base selling prices (admin)
    price_usd_cents = models.PositiveIntegerField()
    price_idr = models.PositiveBigIntegerField()

    # ---- availability (admin)
    is_active = models.BooleanField(default=True, help_text="Shown in the catalogue.")
    is_available = models.BooleanField(default=True, help_text="Can be bought.")
    unavailable_reason = models.CharField(max_length=255, blank=True)
    available_from = models.DateTimeField(null=True, blank=True)
    available_until = models.DateTimeField(null=True, blank=True)
    stock_type = models.CharField(
        max_length=20, choices=StockType.choices, default=StockType.UNLIMITED
    )
    stock_quantity = models.PositiveIntegerField(null=True, blank=True)
    max_per_order = models.PositiveSmallIntegerField(default=10)

    # ---- display (admin)
    display_name = models.CharField(max_length=255, blank=True)
    custom_description = models.TextField(blank=True)
    is_featured = models.BooleanField(default=False)
    is_bestseller = models.BooleanField(default=False)
    is_new = models.BooleanField(default=False)
    tags = ArrayField(models.CharField(max_length=50), default=list, blank=True)
    sort_order = models.IntegerField(default=0)
    image_url = models.URLField(blank=True)

    # ---- sync metadata
    synced_at = models.DateTimeField(
        null=True, blank=True, help_text="When the sync last changed it."
    )
    sync_status = models.CharField(
        max_length=20, choices=SyncStatus.choices, default=SyncStatus.ACTIVE
    )
    sync_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("sort_order", "price_usd_cents", "package_code")
        constraints = [
            models.CheckConstraint(
                condition=Q(max_per_order__gte=1), name="package_max_per_order_positive"
            ),
            models.CheckConstraint(
                condition=Q(available_from__isnull=True)
                | Q(available_until__isnull=True)
                | Q(available_until__gt=F("available_from")),
                name="package_availability_window_ordered",
            ),
            models.CheckConstraint(
                condition=~Q(stock_type=StockType.LIMITED) | Q(stock_quantity__isnull=False),
                name="package_limited_stock_has_quantity",
            ),
            models.CheckConstraint(
                condition=Q(volume_bytes__gte=0), name="package_volume_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(provider_price_units__gte=0), name="package_cost_not_negative"
            ),
        ]
        indexes = [
            models.Index(
                fields=["is_active", "is_available"],
                name="package_active",
                condition=Q(is_active=True, is_available=True),
            ),
            models.Index(
                fields=["is_featured", "sort_order"],
                name="package_featured",
                condition=Q(is_featured=True),
            ),
            models.Index(fields=["auto_category"], name="package_auto_category"),
            models.Index(fields=["category_override"], name="package_category_override"),
            models.Index(fields=["region"], name="package_region"),
            GinIndex(fields=["location_codes"], name="package_location_codes"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.name

    @property
    def category(self) -> str:
        return self.category_override or self.auto_category

    @property
    def title(self) -> str:
        return self.display_name or self.name


class SyncRun(models.Model):
    """One run of the provider catalogue sync and what it did."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RUNNING)
    trigger = models.CharField(
        max_length=20, default="schedule", help_text="schedule, admin, command, demo"
    )
    fetched = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    discontinued = models.PositiveIntegerField(default=0)
    reactivated = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ("-started_at",)

    def __str__(self) -> str:
        return f"Sync {self.started_at:%Y-%m-%d %H:%M} ({self.status})"
