"""The 90-day refund job's runs (plan 11.6, 11.8): what each run did, for the admin monitor.
The per-eSIM refund state lives on the profile (orders.EsimProfile.refund_*); the proxies below
give the refund console its pages and permissions."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from orders.models import EsimProfile


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


class RefundMonitor(RefundRun):
    """The refund monitor page in Admin (Refunds > Refund monitor): no table of its own; its
    permissions say who sees the page and who may start a run from it."""

    class Meta:
        proxy = True
        verbose_name = verbose_name_plural = "refund monitor"
        default_permissions = ("view",)
        permissions = [("run_refund_job", "Can run the refund job now")]


class UnusedEsim(EsimProfile):
    """An eSIM as the refund console lists it: its 90-day refund state, read-only. A refund by
    hand goes through refunds.services.refund_now (the job's own path)."""

    class Meta:
        proxy = True
        verbose_name = "unused eSIM"
        verbose_name_plural = "unused eSIMs"
        default_permissions = ("view",)
        permissions = [("refund_now", "Can refund an unused eSIM now")]
