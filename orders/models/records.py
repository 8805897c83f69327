"""What happened around orders: webhooks received, emails sent, idempotency keys."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

from orders.models.orders import Order


class WebhookLog(models.Model):
    """Every webhook received, stored raw before anything else is done with it."""

    class Source(models.TextChoices):
        PADDLE = "paddle", "Paddle"
        ESIM_ACCESS = "esim_access", "eSIM Access"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    source = models.CharField(max_length=20, choices=Source.choices)
    event_type = models.CharField(max_length=100)
    event_id = models.CharField(
        max_length=100, help_text="The provider's event id, or a hash of the content without one."
    )
    occurred_at = models.DateTimeField(null=True, blank=True)
    payload = models.JSONField()
    processed = models.BooleanField(default=False)
    processed_at = models.DateTimeField(null=True, blank=True)
    error_message = models.TextField(blank=True)
    retry_count = models.PositiveIntegerField(default=0)
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="webhooks"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-created_at",)
        constraints = [
            models.UniqueConstraint(fields=["source", "event_id"], name="webhook_once_per_event")
        ]
        indexes = [
            models.Index(
                fields=["created_at"], name="webhook_unprocessed", condition=Q(processed=False)
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.event_type} {self.event_id}"


class EmailLog(models.Model):
    """Every email sent to a customer (or tried)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    to_email = models.EmailField()
    template_name = models.CharField(max_length=50)  # order_confirmation, esim_delivery, ...
    template_id = models.CharField(max_length=100, blank=True)
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="emails"
    )
    esim_profile = models.ForeignKey(
        "orders.EsimProfile",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="emails",
    )
    provider_message_id = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    error_message = models.TextField(blank=True)
    retry_count = models.PositiveIntegerField(default=0)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(
        null=True, blank=True, help_text="When a worker last took it to send."
    )
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        constraints = [
            models.UniqueConstraint(
                fields=["order", "template_name"],
                condition=Q(template_name__in=["order_confirmation", "esim_delivery"]),
                name="email_once_per_order",
            ),
            # Usage alerts (one per threshold) and the expiry reminder: once per eSIM.
            models.UniqueConstraint(
                fields=["esim_profile", "template_name"],
                condition=Q(esim_profile__isnull=False),
                name="email_once_per_esim",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template_name} to {self.to_email}"


class IdempotencyKey(models.Model):
    """A request made with an Idempotency-Key header and the answer it got (plan 14.5)."""

    key = models.CharField(max_length=100)
    endpoint = models.CharField(max_length=100)
    request_hash = models.CharField(max_length=64, help_text="SHA-256 of the request body.")
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "key"], name="idempotency_key_once")
        ]
        indexes = [models.Index(fields=["expires_at"], name="idempotency_key_expiry")]

    def __str__(self) -> str:
        return f"{self.endpoint} {self.key}"


class FulfilmentDrift(models.Model):
    """What the daily reconciliation found out of line between us and eSIM Access."""

    class Kind(models.TextChoices):
        PAID_NOT_DELIVERED = "paid_not_delivered", "Paid an hour ago, eSIMs not delivered"
        UNKNOWN_TO_US = "unknown_to_us", "The provider has eSIMs we had not stored"
        PROVIDER_UNREACHABLE = "provider_unreachable", "The provider could not be asked"

    kind = models.CharField(max_length=30, choices=Kind.choices)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="drifts")
    detail = models.TextField(blank=True)
    found_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-found_at",)
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "order"],
                condition=Q(resolved_at__isnull=True),
                name="drift_open_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.order_id}"
