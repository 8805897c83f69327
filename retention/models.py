"""What each run of the retention policy did (the policy itself is code: retention.policy)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class RetentionRun(models.Model):
    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Daily schedule"
        ADMIN = "admin", "Run from Admin"
        COMMAND = "command", "Management command"

    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    dry_run = models.BooleanField(default=False, help_text="Counted only; nothing changed.")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    # {rule key: rows deleted or anonymised (or, in a dry run, that would be)}
    counts = models.JSONField(default=dict, blank=True)
    # {rule key: why the rule stopped}: the other rules still ran.
    errors = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ("-started_at", "-id")

    def __str__(self) -> str:
        kind = "Dry run" if self.dry_run else "Run"
        return f"{kind} {self.started_at:%Y-%m-%d %H:%M} ({self.get_trigger_display()})"

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class RetentionPolicy(RetentionRun):
    """The policy page in Admin (Data retention > Retention policy): no table of its own; its
    permissions say who sees the policy and who may run it from there."""

    class Meta:
        proxy = True
        verbose_name = verbose_name_plural = "retention policy"
        default_permissions = ("view",)
        permissions = [("apply_retention", "Can apply the retention policy now")]
