"""The 90-day refund job's runs (plan 11.6, 11.8): what each run did, for the admin monitor.
The per-eSIM refund state lives on the profile (orders.EsimProfile.refund_*)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class RefundRun(models.Model):
    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Daily schedule"
        ADMIN = "admin", "Run from Admin"
        COMMAND = "command", "Management command"

    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    dry_run = models.BooleanField(default=False)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    marked_eligible = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    refunded = models.PositiveIntegerField(default=0)
    not_refundable = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    recovered_cents = models.PositiveBigIntegerField(default=0)
    error = models.TextField(blank=True, help_text="Why the run stopped early, if it did.")

    class Meta:
        ordering = ("-started_at", "-id")
        indexes = [models.Index(fields=["-started_at"], name="refund_run_newest_first")]

    def __str__(self) -> str:
        return f"Refund run {self.started_at:%Y-%m-%d %H:%M} ({self.get_trigger_display()})"
