"""Money given back to a customer: a refund asked of Paddle (an "adjustment"), which Paddle
approves or rejects and reports by webhook. Not the 90-day job (the refunds app), which
recovers the provider's cost of unused eSIMs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class PaymentRefund(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested (being sent to Paddle)"
        PENDING_APPROVAL = "pending_approval", "Waiting for Paddle's approval"
        APPROVED = "approved", "Approved: the money is going back"
        REJECTED = "rejected", "Rejected by Paddle"
        FAILED = "failed", "Paddle could not be asked"

    OPEN = (Status.REQUESTED, Status.PENDING_APPROVAL)

    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="refunds")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REQUESTED)
    is_full = models.BooleanField(default=True, help_text="The whole payment, or a part of it.")
    amount_cents = models.PositiveIntegerField(default=0, help_text="As Paddle reports it.")
    reason = models.CharField(max_length=255)
    paddle_adjustment_id = models.CharField(max_length=100, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True, help_text="Claimed by a worker.")
    decided_at = models.DateTimeField(null=True, blank=True)
    error_message = models.TextField(blank=True)

    class Meta:
        ordering = ("-requested_at", "-id")
        constraints = [
            # One request on its way to Paddle per order: a double click never asks twice.
            # (Refunds made in Paddle's dashboard may be pending beside ours: Paddle decides.)
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(status="requested"),
                name="one_refund_request_per_order",
            ),
            models.UniqueConstraint(
                fields=["paddle_adjustment_id"],
                condition=~Q(paddle_adjustment_id=""),
                name="refund_adjustment_once",
            ),
        ]

    def __str__(self) -> str:
        return f"Refund of {self.order_id} ({self.status})"
