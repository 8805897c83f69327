"""Promo codes with what they did: uses, uses left, revenue and discount given."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from accounts.audit import AuditedModelAdmin, ReadOnlyModelAdmin, remember_before_save
from catalog.price_display import usd_text
from pricing.guards import code_warnings
from pricing.models import DiscountCode, DiscountCodeUsage


@admin.register(DiscountCode)
class DiscountCodeAdmin(AuditedModelAdmin):
    list_display = (
        "code",
        "name",
        "discount_type",
        "discount_value",
        "current_uses",
        "reserved_uses",
        "uses_left",
        "revenue",
        "discount_given",
        "starts_at",
        "expires_at",
        "is_active",
    )
    list_filter = ("is_active", "discount_type", "authenticated_only", "first_purchase_only")
    search_fields = ("code", "name")
    readonly_fields = ("current_uses", "reserved_uses", "usage_link", "created_at", "updated_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        codes: QuerySet[Any] = super().get_queryset(request)
        paid = Q(usages__status=DiscountCodeUsage.Status.USED)
        annotated: QuerySet[Any] = codes.annotate(
            usage_count=Count("usages", filter=paid),
            revenue_cents=Coalesce(Sum("usages__order_total_cents", filter=paid), 0),
            discount_given_cents=Coalesce(Sum("usages__discount_amount_cents", filter=paid), 0),
        )
        return annotated

    @admin.display(description="uses left")
    def uses_left(self, code: DiscountCode) -> str:
        if code.max_uses is None:
            return "unlimited"
        return f"{code.max_uses - code.current_uses - code.reserved_uses:,}"

    @admin.display(description="revenue", ordering="revenue_cents")
    def revenue(self, code: Any) -> str:
        return usd_text(code.revenue_cents)

    @admin.display(description="discount given", ordering="discount_given_cents")
    def discount_given(self, code: Any) -> str:
        return usd_text(code.discount_given_cents)

    @admin.display(description="usage")
    def usage_link(self, code: Any) -> str:
        if code.pk is None:
            return ""
        url = (
            reverse("admin:pricing_discountcodeusage_changelist")
            + f"?discount__id__exact={code.pk}"
        )
        return format_html('<a href="{}">{} use(s): see the list</a>', url, code.usage_count)

    def save_model(self, request: HttpRequest, obj: DiscountCode, form: Any, change: bool) -> None:
        if change:
            # The use counters move with checkouts and payments while the form is open: an
            # edit must never write back the values it read.
            remember_before_save(request, obj, change)
            fields = [
                field.name
                for field in DiscountCode._meta.concrete_fields
                if field.name not in {"id", "created_at", "current_uses", "reserved_uses"}
            ]
            obj.save(update_fields=fields)
        else:
            super().save_model(request, obj, form, change)
        for warning in code_warnings(obj):
            self.message_user(request, warning, messages.WARNING)


@admin.register(DiscountCodeUsage)
class DiscountCodeUsageAdmin(ReadOnlyModelAdmin):
    list_display = (
        "used_at",
        "discount",
        "status",
        "order_id",
        "user",
        "guest_email",
        "discount_amount_cents",
        "order_total_cents",
    )
    list_filter = ("status", "discount")
    search_fields = ("discount__code", "guest_email", "user__email")
    list_select_related = ("discount", "user")
    date_hierarchy = "used_at"
