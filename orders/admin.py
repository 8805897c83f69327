"""The order console (Order managers): orders are read-only records; what can be done to them
goes through the services and the state machine, and is audited."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.helpers import ActionForm
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from accounts.audit import AuditedAdminMixin, ReadOnlyModelAdmin, record_admin_action
from accounts.models import User
from catalog.price_display import usd_text
from hiroam.api.errors import DomainError
from orders import email_previews
from orders.models import (
    EmailLog,
    EsimProfile,
    FulfilmentDrift,
    Order,
    OrderItem,
    PaymentRefund,
    WebhookLog,
)
from orders.services.payment_refunds import request_refund
from orders.services.review import (
    cancel_unpaid_order,
    flag_for_review,
    requery_provider,
    resend_delivery_email,
    retry_fulfilment,
)
from orders.tasks import process_esim_webhook, process_paddle_webhook


class OrderActionForm(ActionForm):
    reason = forms.CharField(required=False, max_length=255, help_text="Why (kept on the order)")


class ReadOnlyInline(admin.TabularInline):  # type: ignore[type-arg]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OrderItemInline(ReadOnlyInline):
    model = OrderItem
    fields = (
        "package_code",
        "package_name",
        "quantity",
        "unit_price_cents",
        "product_discount_cents",
        "final_unit_price_cents",
        "code_discount_cents",
        "total_cents",
        "schedule_name",
        "status",
    )


class WebhookInline(ReadOnlyInline):
    model = WebhookLog
    fields = ("created_at", "event_type", "event_id", "occurred_at", "processed", "error_message")
    ordering = ("created_at",)


class EsimProfileInline(ReadOnlyInline):
    model = EsimProfile
    fields = (
        "profile_index",
        "iccid",
        "esim_status",
        "smdp_status",
        "usage",
        "resource_ready_at",
        "installed_at",
        "expires_at",
        "refund_status",
    )
    readonly_fields = ("usage",)

    @admin.display(description="usage")
    def usage(self, profile: EsimProfile) -> str:
        return usage_bar(profile)


def usage_bar(profile: EsimProfile) -> str:
    return format_html(
        '<span title="{} of {} bytes" style="display:inline-block;width:80px;background:#eee">'
        '<span style="display:block;height:8px;width:{}%;background:#0b5fff"></span></span> {}%',
        profile.data_used_bytes,
        profile.data_total_bytes or 0,
        profile.usage_percentage,
        profile.usage_percentage,
    )


class EmailInline(ReadOnlyInline):
    model = EmailLog
    fields = ("created_at", "template_name", "to_email", "status", "sent_at", "error_message")


class RefundInline(ReadOnlyInline):
    model = PaymentRefund
    fk_name = "order"
    fields = (
        "requested_at",
        "requested_by",
        "reason",
        "status",
        "amount_cents",
        "paddle_adjustment_id",
        "decided_at",
        "error_message",
    )


ACQUISITION = ("utm_source", "utm_medium", "utm_campaign", "referrer_host")


@admin.register(Order)
class OrderAdmin(AuditedAdminMixin, ReadOnlyModelAdmin):
    list_display = (
        "order_number",
        "customer_email",
        "total",
        "status",
        "payment_status",
        "esim_status",
        "needs_review",
        "discount_code_used",
        "created_at",
    )
    list_filter = (
        "status",
        "payment_status",
        "esim_status",
        "needs_review",
        ("discount_code", admin.RelatedOnlyFieldListFilter),
        "created_at",
    )
    search_fields = ("order_number", "customer_email", "paddle_transaction_id")
    date_hierarchy = "created_at"
    list_select_related = ("discount_code",)
    inlines = (OrderItemInline, RefundInline, EsimProfileInline, WebhookInline, EmailInline)
    action_form = OrderActionForm
    actions = (
        "cancel_unpaid",
        "mark_for_review",
        "retry_fulfilment",
        "requery_provider",
        "resend_delivery",
        "refund_payment",
    )
    exclude = ("access_token_hash", "pricing_breakdown")
    readonly_fields = ("breakdown", "audit_trail")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Seen, never edited; the actions below need "change".
        return obj is None and request.user.has_perm("orders.change_order")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = [f.name for f in Order._meta.fields if f.name not in self.exclude]
        return [*fields, *self.readonly_fields]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = [name for name in self.get_fields(request, obj) if name not in ACQUISITION]
        return [
            (None, {"fields": fields}),
            (
                "Where the customer came from",
                {
                    "fields": ACQUISITION,
                    "description": "The campaign (utm_*) and referring site of the visit that "
                    "placed the order: the latest that brought the visitor to the shop, or "
                    "what the app sent. All empty: a direct visit.",
                },
            ),
        ]

    @admin.display(description="total", ordering="total_cents")
    def total(self, order: Order) -> str:
        return usd_text(order.total_cents)

    @admin.display(description="pricing breakdown")
    def breakdown(self, order: Order) -> str:
        return format_html("<pre>{}</pre>", json.dumps(order.pricing_breakdown, indent=2))

    @admin.display(description="audit trail")
    def audit_trail(self, order: Order) -> str:
        url = reverse("admin:accounts_adminauditentry_changelist") + f"?q={order.pk}"
        return format_html('<a href="{}">Admin changes to this order</a>', url)

    def _each(
        self,
        request: HttpRequest,
        queryset: QuerySet[Order],
        name: str,
        service: Callable[..., Order],
        reason: str = "",
        every_object: bool = False,
    ) -> None:
        reason = reason or (request.POST.get("reason") or "").strip() or "by an order manager"
        done = 0
        for order in queryset:
            try:
                record_admin_action(
                    request,
                    Order.objects.filter(pk=order.pk),
                    action_name=name,
                    perform=partial(service, order.pk, reason=reason),
                    every_object=every_object,
                )
                done += 1
            except DomainError as error:
                self.message_user(request, f"{order}: {error.message}", messages.ERROR)
        if done:
            self.message_user(request, f"{done} order(s) updated.")

    @admin.action(
        description="Cancel unpaid orders (releases stock and codes)", permissions=["change"]
    )
    def cancel_unpaid(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        self._each(request, queryset, "cancel_unpaid", cancel_unpaid_order)

    @admin.action(
        description="Retry fulfilment (after fixing the cause; safe twice)", permissions=["change"]
    )
    def retry_fulfilment(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        self._each(request, queryset, "retry_fulfilment", retry_fulfilment)

    @admin.action(
        description="Ask eSIM Access for the eSIMs (in the background)", permissions=["change"]
    )
    def requery_provider(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        self._each(request, queryset, "requery_provider", requery_provider)

    @admin.action(description="Resend the eSIM delivery email", permissions=["change"])
    def resend_delivery(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        self._each(request, queryset, "resend_delivery", resend_delivery_email)

    @admin.action(description="Refund the payment through Paddle…", permissions=["change"])
    def refund_payment(
        self, request: HttpRequest, queryset: QuerySet[Order]
    ) -> TemplateResponse | None:
        """Money goes back only after a second look: a page lists the orders and their
        amounts and asks for the reason the customer will be told."""
        reason = (request.POST.get("refund_reason") or "").strip()
        if request.POST.get("confirmed") == "yes" and reason:
            staff = request.user if isinstance(request.user, User) else None
            ask = partial(request_refund, by=staff, now=timezone.now())
            # Audited even though the order row itself changes only when Paddle approves.
            self._each(request, queryset, "refund_payment", ask, reason=reason, every_object=True)
            return None
        return TemplateResponse(
            request,
            "admin/orders/order/refund_confirmation.html",
            {
                **self.admin_site.each_context(request),
                "title": "Refund these payments through Paddle?",
                "orders": [(order, usd_text(order.total_cents)) for order in queryset],
                "reason": reason,
                "missing_reason": request.POST.get("confirmed") == "yes",
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "opts": self.model._meta,
            },
        )

    @admin.action(description="Mark for review (with the reason above)", permissions=["change"])
    def mark_for_review(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        self._each(request, queryset, "mark_for_review", flag_for_review)


@admin.register(WebhookLog)
class WebhookLogAdmin(AuditedAdminMixin, ReadOnlyModelAdmin):
    list_display = (
        "created_at",
        "source",
        "event_type",
        "event_id",
        "order",
        "processed",
        "retry_count",
        "error_message",
    )
    list_filter = ("source", "processed", "event_type")
    search_fields = ("event_id", "order__order_number", "error_message")
    list_select_related = ("order",)
    actions = ("reprocess",)
    readonly_fields = ("payload_pretty",)

    @admin.display(description="payload")
    def payload_pretty(self, log: WebhookLog) -> str:
        return format_html("<pre>{}</pre>", json.dumps(log.payload, indent=2))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and request.user.has_perm("orders.change_webhooklog")

    @admin.action(description="Reprocess (safe: each event applies once)", permissions=["change"])
    def reprocess(self, request: HttpRequest, queryset: QuerySet[WebhookLog]) -> None:
        pending = queryset.filter(processed=False)
        for log in pending:
            task = (
                process_paddle_webhook
                if log.source == WebhookLog.Source.PADDLE
                else process_esim_webhook
            )
            task.delay(str(log.pk))
        self.message_user(
            request,
            f"{len(pending)} unprocessed event(s) queued again; processed ones are left as they "
            "are (processing them again would change nothing).",
        )


@admin.register(EmailLog)
class EmailLogAdmin(ReadOnlyModelAdmin):
    list_display = ("created_at", "template_name", "to_email", "order", "status", "retry_count")
    list_filter = ("template_name", "status")
    search_fields = ("to_email", "order__order_number", "provider_message_id")
    list_select_related = ("order",)
    change_list_template = "admin/orders/emaillog/change_list.html"

    def get_urls(self) -> list[Any]:
        preview = path(
            "preview/<str:template>/",
            self.admin_site.admin_view(self.preview),
            name="orders_emaillog_preview",
        )
        return [preview, *super().get_urls()]

    def preview(self, request: HttpRequest, template: str) -> HttpResponse:
        if not self.has_view_permission(request) or template not in email_previews.TEMPLATES:
            raise Http404
        return TemplateResponse(
            request,
            "admin/orders/emaillog/preview.html",
            {
                **self.admin_site.each_context(request),
                "title": f"Email preview: {template}",
                "template": template,
                "templates": email_previews.TEMPLATES,
                "preview": email_previews.render_preview(template),
            },
        )


@admin.register(EsimProfile)
class EsimProfileAdmin(ReadOnlyModelAdmin):
    list_display = (
        "iccid",
        "order",
        "profile_index",
        "esim_status",
        "smdp_status",
        "usage",
        "expires_at",
        "refund_status",
        "resource_ready_at",
    )
    list_filter = ("esim_status", "smdp_status", "refund_status")
    search_fields = ("iccid", "esim_tran_no", "order__order_number", "order__customer_email")
    list_select_related = ("order",)
    # Secrets: the codes, and the provider's QR links (they carry the whole activation string).
    exclude = ("activation_code", "manual_code", "qr_code_url", "short_url")

    @admin.display(description="usage", ordering="usage_percentage")
    def usage(self, profile: EsimProfile) -> str:
        return usage_bar(profile)


@admin.register(FulfilmentDrift)
class FulfilmentDriftAdmin(AuditedAdminMixin, ReadOnlyModelAdmin):
    list_display = ("found_at", "kind", "order", "detail", "resolved_at")
    list_filter = ("kind", ("resolved_at", admin.EmptyFieldListFilter))
    search_fields = ("order__order_number", "detail")
    list_select_related = ("order",)
    actions = ("mark_resolved",)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and request.user.has_perm("orders.change_fulfilmentdrift")

    @admin.action(description="Mark resolved", permissions=["change"])
    def mark_resolved(self, request: HttpRequest, queryset: QuerySet[FulfilmentDrift]) -> None:
        open_drift = queryset.filter(resolved_at__isnull=True)
        record_admin_action(
            request,
            open_drift,
            action_name="mark_resolved",
            perform=lambda: open_drift.update(resolved_at=timezone.now()),
        )
