"""Sandbox controls in Admin: advance profiles through their life, inject faults, watch the
webhook outbox. Only present when a provider runs in `local` mode."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from accounts.audit import AuditedModelAdmin
from hiroam.sandbox import lifecycle
from hiroam.sandbox.models import (
    EsimAccessAccount,
    EsimOrder,
    EsimProfile,
    Fault,
    PaddleAdjustment,
    PaddleTransaction,
    Webhook,
)
from hiroam.sandbox.tasks import deliver_webhook


def _lifecycle_action(step: str) -> Any:
    def action(
        modeladmin: admin.ModelAdmin[EsimProfile],
        request: HttpRequest,
        queryset: QuerySet[EsimProfile],
    ) -> None:
        now = timezone.now()
        for profile in queryset:
            try:
                lifecycle.advance_profile(profile.esim_tran_no, step, now=now)
            except lifecycle.LifecycleError as error:
                modeladmin.message_user(request, str(error), messages.WARNING)
        modeladmin.message_user(request, f"Step {step!r} applied; webhooks queued.")

    action.__name__ = f"advance_{step}"
    action.short_description = f"Lifecycle: {step.replace('_', ' ')}"  # type: ignore[attr-defined]
    return action


@admin.register(EsimProfile)
class EsimProfileAdmin(AuditedModelAdmin):
    list_display = (
        "esim_tran_no",
        "iccid",
        "package_code",
        "esim_status",
        "smdp_status",
        "used_volume_bytes",
        "expired_at",
    )
    list_filter = ("esim_status", "smdp_status")
    search_fields = ("esim_tran_no", "iccid", "order__order_no", "order__transaction_id")
    list_select_related = ("order",)
    actions = [_lifecycle_action(step) for step in lifecycle.STEPS]


@admin.register(EsimOrder)
class EsimOrderAdmin(AuditedModelAdmin):
    list_display = (
        "order_no",
        "transaction_id",
        "total_units",
        "created_at",
        "ready_at",
        "allocated_at",
    )
    search_fields = ("order_no", "transaction_id")


@admin.register(EsimAccessAccount)
class EsimAccessAccountAdmin(AuditedModelAdmin):
    list_display = ("access_code", "balance_units")


@admin.register(Fault)
class FaultAdmin(AuditedModelAdmin):
    list_display = ("target", "kind", "path", "remaining", "created_at")


@admin.register(PaddleTransaction)
class PaddleTransactionAdmin(AuditedModelAdmin):
    list_display = ("id", "status", "created_at")
    list_filter = ("status",)


@admin.register(PaddleAdjustment)
class PaddleAdjustmentAdmin(AuditedModelAdmin):
    list_display = ("id", "transaction", "status", "created_at")


@admin.register(Webhook)
class WebhookAdmin(AuditedModelAdmin):
    list_display = (
        "id",
        "provider",
        "event_type",
        "attempts",
        "delivered_at",
        "dropped",
        "last_error",
        "created_at",
    )
    list_filter = ("provider", "event_type", "dropped")
    actions = ["redeliver"]

    @admin.action(description="Deliver again (same body, a replay)")
    def redeliver(self, request: HttpRequest, queryset: QuerySet[Webhook]) -> None:
        for webhook in queryset:
            deliver_webhook.delay(webhook.pk, replay=True)
        self.message_user(request, f"{queryset.count()} webhook(s) queued.")
