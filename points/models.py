"""The points ledger: append-only rows, each with the balance after it (plan section 3.1,
points_transactions). Rows are never edited or deleted; a correction is a new row."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import CustomerProfile


class PointsTransaction(models.Model):
    class Kind(models.TextChoices):
        EARNED = "earned", "Earned"
        SPENT = "spent", "Spent"
        EXPIRED = "expired", "Expired"
        ADJUSTED = "adjusted", "Adjusted"
        REVERSED = "reversed", "Reversed"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="points_transactions"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    points = models.IntegerField(help_text="Positive adds to the balance, negative takes.")
    balance_after = models.PositiveIntegerField()
    order_id = models.UUIDField(null=True, blank=True, help_text="The order it is about.")
    reason = models.CharField(
        max_length=50, help_text="purchase, first_purchase_bonus, refund, admin, …"
    )
    note = models.CharField(max_length=255, blank=True)
    # For earned rows: what is left of them to spend or expire (first in, first out).
    unused = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(null=True, blank=True)
    shortfall = models.PositiveIntegerField(
        default=0, help_text="Points a reversal could not take back (the balance was lower)."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            # An order earns its points (and its bonus) once, reverses them once: whatever
            # retries or duplicate webhooks happen.
            models.UniqueConstraint(
                fields=["order_id", "reason"],
                condition=Q(order_id__isnull=False),
                name="points_once_per_order_and_reason",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(reason="first_purchase_bonus"),
                name="points_one_first_purchase_bonus",
            ),
            # Every row moves points, but for a reversal that found nothing left to take: it
            # still records what it could not take back.
            models.CheckConstraint(
                condition=~Q(points=0) | Q(shortfall__gt=0), name="points_row_moves_points"
            ),
        ]
        indexes = [
            models.Index(
                fields=["user", "expires_at"],
                name="points_unused_by_expiry",
                condition=Q(unused__gt=0),
            ),
            models.Index(fields=["user", "-created_at"], name="points_by_user"),
            # The analytics refresh sums a day's movements.
            models.Index(fields=["created_at"], name="points_by_time"),
        ]
        # Rows are never edited in Admin; staff who may correct a balance add a row.
        permissions = [("adjust_points", "Can adjust customers' points (with a reason)")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.points:+d}"


class PointsExpiryNotice(models.Model):
    """The "your points expire soon" email for one customer and one expiry date: its row is
    what makes it go at most once (written in the transaction that queues it)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped (nothing left to expire, or emails turned off)"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="points_expiry_notices"
    )
    expires_on = models.DateField(help_text="The day (UTC) the points expire.")
    points = models.PositiveIntegerField(help_text="Points expiring that day, as last counted.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    retry_count = models.PositiveIntegerField(default=0)
    error_message = models.TextField(blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "expires_on"], name="points_one_expiry_notice_per_date"
            ),
        ]
        indexes = [
            # The sweeper's question: which notices have not gone yet.
            models.Index(
                fields=["status", "created_at"],
                name="points_notice_unsent",
                condition=~Q(status__in=["sent", "skipped"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.points} points on {self.expires_on}"


class Customer(CustomerProfile):
    """A customer as the points console shows them: their profile's figures, read-only (the
    points change only through the ledger's services)."""

    class Meta:
        proxy = True
        verbose_name = "customer"
        verbose_name_plural = "customers"

    def __str__(self) -> str:
        return self.user.email
