"""One eSIM profile per unit bought (plan section 3.1, esim_profiles): what the customer installs,
its life at the provider, its usage, and whether its cost can still be recovered (section 11).
Activation codes are encrypted at rest (plan 24.1) and never logged."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

from hiroam.encryption import EncryptedTextField
from orders.models.orders import Order, OrderItem


class ProfileStatus(models.TextChoices):
    """The eSIM's state at eSIM Access (plan 8.2), in the order it moves forward."""

    PENDING = "pending", "Pending"
    ORDERED = "ordered", "Ordered"
    GOT_RESOURCE = "got_resource", "Ready to install"
    IN_USE = "in_use", "In use"
    USED_UP = "used_up", "Data used up"
    EXPIRED = "expired", "Expired"
    CANCELLED = "cancelled", "Cancelled"
    SUSPENDED = "suspended", "Suspended"
    REVOKED = "revoked", "Revoked"
    FAILED = "failed", "Failed"


class SmdpStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RELEASED = "released", "Released (not downloaded)"
    DOWNLOADED = "downloaded", "Downloaded"
    INSTALLED = "installed", "Installed"
    ENABLED = "enabled", "Enabled"
    DISABLED = "disabled", "Disabled"
    DELETED = "deleted", "Deleted"


class RefundStatus(models.TextChoices):
    NOT_ELIGIBLE = "not_eligible", "Not eligible yet"
    ELIGIBLE = "eligible", "Eligible"
    PROCESSING = "processing", "Processing"
    REFUNDED = "refunded", "Refunded"
    NOT_REFUNDABLE = "not_refundable", "Not refundable"
    FAILED = "failed", "Failed"


class EsimProfile(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="profiles")
    order_item = models.ForeignKey(OrderItem, on_delete=models.CASCADE, related_name="profiles")
    profile_index = models.PositiveIntegerField(help_text="1, 2, 3… within its order item.")

    esim_tran_no = models.CharField(max_length=100, unique=True)
    esim_order_no = models.CharField(max_length=100, blank=True)
    iccid = models.CharField(max_length=50, blank=True)

    qr_code_url = models.URLField(max_length=500, blank=True)
    short_url = models.URLField(max_length=500, blank=True)
    sm_dp_address = models.CharField(max_length=255, blank=True)
    activation_code = EncryptedTextField(blank=True, help_text="Encrypted at rest.")
    manual_code = EncryptedTextField(blank=True, help_text="Encrypted at rest.")

    esim_status = models.CharField(
        max_length=20, choices=ProfileStatus.choices, default=ProfileStatus.PENDING
    )
    smdp_status = models.CharField(
        max_length=20, choices=SmdpStatus.choices, default=SmdpStatus.PENDING
    )
    resource_ready_at = models.DateTimeField(null=True, blank=True)
    downloaded_at = models.DateTimeField(null=True, blank=True)
    installed_at = models.DateTimeField(null=True, blank=True)
    enabled_at = models.DateTimeField(null=True, blank=True)

    data_used_bytes = models.PositiveBigIntegerField(default=0)
    data_total_bytes = models.PositiveBigIntegerField(null=True, blank=True)
    usage_percentage = models.PositiveSmallIntegerField(default=0)
    expires_at = models.DateTimeField(null=True, blank=True)

    refund_eligible_at = models.DateTimeField(null=True, blank=True)
    refund_status = models.CharField(
        max_length=20, choices=RefundStatus.choices, default=RefundStatus.NOT_ELIGIBLE
    )
    refunded_at = models.DateTimeField(null=True, blank=True)
    refund_amount_cents = models.PositiveIntegerField(null=True, blank=True)
    # The refund job's bookkeeping: when a run took it (a `processing` row older than a run
    # can last was left by a crash), failed attempts and when to try again, the last error.
    refund_claimed_at = models.DateTimeField(null=True, blank=True)
    refund_attempts = models.PositiveSmallIntegerField(default=0)
    refund_retry_at = models.DateTimeField(null=True, blank=True)
    refund_error = models.CharField(max_length=500, blank=True)

    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("order_item", "profile_index")
        constraints = [
            models.UniqueConstraint(
                fields=["order_item", "profile_index"], name="profile_index_once_per_item"
            ),
            models.CheckConstraint(
                condition=Q(usage_percentage__lte=100), name="profile_usage_percentage_range"
            ),
        ]
        indexes = [
            models.Index(fields=["iccid"], name="profile_by_iccid"),
            models.Index(fields=["esim_status"], name="profile_by_status"),
            # The 90-day refund job's queries (plan section 11): who becomes eligible, and
            # what a run claims (eligible, failed and due again, or left processing) in the
            # order it claims them, so a batch is read from the front of the index rather
            # than by sorting every due eSIM (refunds.services.claim_batch).
            models.Index(
                fields=["refund_eligible_at"],
                name="profile_refund_candidates",
                condition=Q(refund_status="not_eligible", smdp_status="released"),
            ),
            models.Index(
                fields=["refund_eligible_at", "esim_order_no", "id"],
                name="profile_refund_claims",
                condition=Q(refund_status__in=["eligible", "processing", "failed"]),
            ),
            # The analytics refresh picks up what changed since its last run, and sums a
            # day's recovered eSIMs.
            models.Index(fields=["updated_at"], name="profile_by_update"),
            models.Index(
                fields=["refunded_at"],
                name="profile_by_refund",
                condition=Q(refund_status="refunded"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} #{self.profile_index} ({self.iccid or self.esim_tran_no})"
