"""Price experiments: a price tested on real travellers. An experiment covers some packages (or
a country's, or a region's); each visitor is assigned one of its variants for good; the views of
its prices and the orders paid at them are counted per variant (pricing.experiments)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from catalog.models import EsimPackage

VISITOR_MAX_LENGTH = 80  # "u:<user id>" or "g:<the guest's own id>"


class PriceExperiment(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        RUNNING = "running", "Running"
        PAUSED = "paused", "Paused"
        COMPLETED = "completed", "Completed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100)
    hypothesis = models.TextField(
        blank=True, help_text="What you expect to happen and why: the reason the test is run."
    )
    covers_everything = models.BooleanField(
        default=False, help_text="Every package in the shop (name no packages, country or region)."
    )
    packages = models.ManyToManyField(
        EsimPackage, blank=True, related_name="+", help_text="Named packages, or:"
    )
    country_code = models.CharField(
        max_length=2, blank=True, help_text="Every package for this country (ISO code, e.g. JP)."
    )
    region = models.CharField(
        max_length=20, blank=True, help_text="Every package of this region (e.g. europe)."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    starts_at = models.DateTimeField(
        null=True, blank=True, help_text="Blank: from the moment it is started."
    )
    ends_at = models.DateTimeField(
        null=True, blank=True, help_text="Blank: until it is completed. Exclusive."
    )
    started_at = models.DateTimeField(null=True, blank=True, editable=False)
    completed_at = models.DateTimeField(null=True, blank=True, editable=False)
    winner = models.ForeignKey(
        "PriceVariant",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created_at",)
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True)
                | Q(starts_at__isnull=True)
                | Q(ends_at__gt=F("starts_at")),
                name="experiment_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(country_code="") | Q(region=""),
                name="experiment_country_or_region",
            ),
            models.CheckConstraint(
                condition=Q(covers_everything=False) | Q(country_code="", region=""),
                name="experiment_everything_alone",
            ),
        ]
        indexes = [models.Index(fields=["status"], name="experiment_by_status")]

    def __str__(self) -> str:
        return self.name


class PriceVariant(models.Model):
    """One arm of an experiment: the control keeps the normal price; a variant changes it."""

    class Adjustment(models.TextChoices):
        NONE = "none", "None (the control: the normal price)"
        PERCENTAGE = "percentage", "By basis points (-1000 = 10 % lower, 500 = 5 % higher)"
        FIXED = "fixed", "By a fixed amount (USD cents, negative = lower)"
        PRICE_OVERRIDE = "price_override", "To a set price"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    experiment = models.ForeignKey(
        PriceExperiment, on_delete=models.CASCADE, related_name="variants"
    )
    name = models.CharField(max_length=50)
    is_control = models.BooleanField(default=False)
    adjustment = models.CharField(
        max_length=20, choices=Adjustment.choices, default=Adjustment.NONE
    )
    value = models.IntegerField(
        default=0, help_text="Basis points (percentage) or USD cents (fixed); negative lowers."
    )
    override_usd_cents = models.PositiveIntegerField(null=True, blank=True)
    override_idr = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="Blank: converted from the USD price at the current rate."
    )
    weight = models.PositiveIntegerField(
        default=1, help_text="Share of traffic: weights 1 and 1 split visitors in half."
    )

    class Meta:
        ordering = ("-is_control", "name")
        constraints = [
            models.UniqueConstraint(fields=["experiment", "name"], name="variant_name_unique"),
            models.UniqueConstraint(
                fields=["experiment"], condition=Q(is_control=True), name="variant_one_control"
            ),
            models.CheckConstraint(
                condition=Q(weight__gte=1, weight__lte=10_000), name="variant_weight_range"
            ),
            models.CheckConstraint(
                condition=(
                    Q(is_control=True, adjustment="none")
                    | Q(
                        is_control=False,
                        adjustment="percentage",
                        value__gte=-10_000,
                        value__lte=10_000,
                    )
                    & ~Q(value=0)
                    | Q(is_control=False, adjustment="fixed") & ~Q(value=0)
                    | Q(
                        is_control=False,
                        adjustment="price_override",
                        override_usd_cents__isnull=False,
                    )
                ),
                name="variant_valid_adjustment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({'control' if self.is_control else self.get_adjustment_display()})"


class ExperimentAssignment(models.Model):
    """A visitor's variant, for the experiment's whole life. Written when the visitor is first
    counted (pricing.experiments.views) or when a guest signs in (carried over to the account)."""

    experiment = models.ForeignKey(PriceExperiment, on_delete=models.CASCADE, related_name="+")
    variant = models.ForeignKey(PriceVariant, on_delete=models.CASCADE, related_name="+")
    visitor = models.CharField(max_length=VISITOR_MAX_LENGTH)
    carried_over = models.BooleanField(
        default=False, help_text="A guest's variant taken to their account on sign-in."
    )
    assigned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["experiment", "visitor"], name="assignment_once_per_visitor"
            )
        ]
        indexes = [models.Index(fields=["visitor"], name="assignment_by_visitor")]

    def __str__(self) -> str:
        return f"{self.visitor} in {self.variant_id}"


class ExperimentView(models.Model):
    """A visitor shown an experiment's price on a day (once per visitor per day)."""

    experiment = models.ForeignKey(PriceExperiment, on_delete=models.CASCADE, related_name="+")
    variant = models.ForeignKey(PriceVariant, on_delete=models.CASCADE, related_name="+")
    visitor = models.CharField(max_length=VISITOR_MAX_LENGTH)
    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["experiment", "visitor", "day"], name="view_once_per_visitor_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.visitor} on {self.day}"


class ExperimentVariantDay(models.Model):
    """A variant's counts per day, kept as views are recorded: the metrics read these, never
    the views themselves."""

    variant = models.ForeignKey(PriceVariant, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    visitors = models.PositiveIntegerField(default=0, help_text="Visitors first counted that day.")
    views = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["variant", "day"], name="variant_day_unique")
        ]

    def __str__(self) -> str:
        return f"{self.variant_id} on {self.day}"


class ExperimentConversion(models.Model):
    """An order paid at an experiment's price, with the revenue of its lines in the experiment;
    reversed (kept, not deleted) when the order is refunded."""

    experiment = models.ForeignKey(PriceExperiment, on_delete=models.CASCADE, related_name="+")
    variant = models.ForeignKey(PriceVariant, on_delete=models.CASCADE, related_name="+")
    visitor = models.CharField(max_length=VISITOR_MAX_LENGTH)
    order_id = models.UUIDField()
    currency = models.CharField(max_length=3, default="USD")
    revenue_minor = models.BigIntegerField(help_text="What the order's lines in it were paid.")
    units = models.PositiveIntegerField()
    converted_at = models.DateTimeField()
    reversed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["experiment", "order_id"], name="conversion_once_per_order"
            )
        ]
        indexes = [models.Index(fields=["order_id"], name="conversion_by_order")]

    def __str__(self) -> str:
        return f"order {self.order_id} in {self.variant_id}"
