"""The sandbox's own state, in its own tables (prefixed `sandbox_`)."""

from django.db import models
from django.utils import timezone


class EsimAccessAccount(models.Model):
    """A fake reseller account: credentials and the prepaid balance in 1/10000 USD."""

    access_code = models.CharField(max_length=100, unique=True)
    secret_key = models.CharField(max_length=200)
    balance_units = models.BigIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(balance_units__gte=0), name="sandbox_balance_not_negative"
            )
        ]

    def __str__(self) -> str:
        return self.access_code


class EsimOrder(models.Model):
    account = models.ForeignKey(EsimAccessAccount, on_delete=models.CASCADE, related_name="orders")
    order_no = models.CharField(max_length=20, unique=True)
    transaction_id = models.CharField(max_length=50)
    total_units = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    ready_at = models.DateTimeField(help_text="When the profiles are allocated.")
    allocated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "transaction_id"], name="sandbox_order_transaction_unique"
            )
        ]

    def __str__(self) -> str:
        return self.order_no


class EsimProfile(models.Model):
    order = models.ForeignKey(EsimOrder, on_delete=models.CASCADE, related_name="profiles")
    esim_tran_no = models.CharField(max_length=14, unique=True)
    iccid = models.CharField(max_length=20, unique=True)
    imsi = models.CharField(max_length=15)
    matching_id = models.CharField(max_length=32)
    package_code = models.CharField(max_length=50)
    price_units = models.BigIntegerField()
    esim_status = models.CharField(max_length=20, default="GETTING_RESOURCE")
    smdp_status = models.CharField(max_length=20, default="RELEASED")
    total_volume_bytes = models.BigIntegerField()
    used_volume_bytes = models.BigIntegerField(default=0)
    total_duration = models.IntegerField()
    duration_unit = models.CharField(max_length=10, default="DAY")
    expired_at = models.DateTimeField()
    activated_at = models.DateTimeField(null=True, blank=True)
    installed_at = models.DateTimeField(null=True, blank=True)
    eid = models.CharField(max_length=32, blank=True)
    usage_updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("id",)

    def __str__(self) -> str:
        return f"{self.esim_tran_no} ({self.esim_status}/{self.smdp_status})"


class EsimTopUp(models.Model):
    profile = models.ForeignKey(EsimProfile, on_delete=models.CASCADE, related_name="top_ups")
    transaction_id = models.CharField(max_length=50, unique=True)
    package_code = models.CharField(max_length=50)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.transaction_id


class PaddleTransaction(models.Model):
    id = models.CharField(max_length=40, primary_key=True)
    status = models.CharField(max_length=20, default="draft")
    data = models.JSONField(help_text="The transaction as the API answers it.")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.id} ({self.status})"


class PaddleAdjustment(models.Model):
    id = models.CharField(max_length=40, primary_key=True)
    transaction = models.ForeignKey(
        PaddleTransaction, on_delete=models.CASCADE, related_name="adjustments"
    )
    status = models.CharField(max_length=20, default="pending_approval")
    data = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.id} ({self.status})"


class Fault(models.Model):
    """Makes the next `remaining` calls (or webhooks) of a provider misbehave."""

    class Target(models.TextChoices):
        ESIM_ACCESS_API = "esim_access_api", "eSIM Access API"
        PADDLE_API = "paddle_api", "Paddle API"
        ESIM_ACCESS_WEBHOOKS = "esim_access_webhooks", "eSIM Access webhooks"
        PADDLE_WEBHOOKS = "paddle_webhooks", "Paddle webhooks"

    class Kind(models.TextChoices):
        TIMEOUT = "timeout", "Hang past the client's timeout"
        SLOW = "slow", "Answer normally, but only after SANDBOX_SLOW_FAULT_SECONDS"
        HTTP_500 = "http_500", "HTTP 500"
        SYSTEM_BUSY = "system_busy", "eSIM Access 900001 (system busy)"
        NO_PROFILES = "no_profiles", "eSIM Access 200011 (no profiles available)"
        NOT_ALLOWED = "not_allowed", "eSIM Access 200002 (not allowed in this status)"
        DROP = "drop", "Drop the webhook"
        DUPLICATE = "duplicate", "Deliver the webhook twice"

    target = models.CharField(max_length=30, choices=Target.choices)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    path = models.CharField(
        max_length=100, blank=True, help_text="Only calls to this path (blank: any)."
    )
    remaining = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.get_kind_display()} x{self.remaining} on {self.get_target_display()}"


class Webhook(models.Model):
    """An outgoing webhook (an outbox row), delivered by a Celery task with retries."""

    class Provider(models.TextChoices):
        ESIM_ACCESS = "esim_access", "eSIM Access"
        PADDLE = "paddle", "Paddle"

    provider = models.CharField(max_length=20, choices=Provider.choices)
    event_type = models.CharField(max_length=50)
    url = models.URLField(max_length=500)
    body = models.TextField(help_text="The exact bytes sent (signatures cover them).")
    attempts = models.PositiveIntegerField(default=0)
    delivered_at = models.DateTimeField(null=True, blank=True)
    dropped = models.BooleanField(default=False)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("id",)

    def __str__(self) -> str:
        return f"{self.provider} {self.event_type} #{self.pk}"
