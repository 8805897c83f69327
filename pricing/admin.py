"""The pricing console (first part): schedules, the exchange rate, promo codes. The timeline,
bulk scheduling, previews and warnings come next (issue 5)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from accounts.audit import AuditedModelAdmin, ReadOnlyModelAdmin
from catalog.admin import CatalogueAdmin
from pricing.models import (
    DiscountCode,
    DiscountCodeUsage,
    ExchangeRate,
    PriceHistory,
    PriceSchedule,
    RegionalPrice,
)
from pricing.services import record_schedule_change, schedule_terms


@admin.register(PriceSchedule)
class PriceScheduleAdmin(CatalogueAdmin):
    list_display = (
        "schedule_name",
        "package",
        "schedule_type",
        "discount_type",
        "discount_value",
        "override_price_usd_cents",
        "starts_at",
        "ends_at",
        "priority",
        "is_active",
    )
    list_filter = ("is_active", "schedule_type", "discount_type")
    search_fields = ("schedule_name", "package__package_code", "package__name", "badge_text")
    list_select_related = ("package",)
    autocomplete_fields = ("package",)
    readonly_fields = ("created_by", "created_at", "updated_at")
    date_hierarchy = "starts_at"

    def save_model(self, request: HttpRequest, obj: PriceSchedule, form: Any, change: bool) -> None:
        if not change and request.user.is_authenticated:
            obj.created_by = request.user
        stored = PriceSchedule.objects.filter(pk=obj.pk).first() if change else None
        before = schedule_terms(stored) if stored else None
        super().save_model(request, obj, form, change)
        record_schedule_change(
            schedule=obj,
            before=before,
            after=schedule_terms(obj),
            user=request.user,
            reason="changed in Admin" if change else "created in Admin",
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        record_schedule_change(
            schedule=obj,
            before=schedule_terms(obj),
            after=None,
            user=request.user,
            reason="deleted in Admin",
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for schedule in queryset:
            record_schedule_change(
                schedule=schedule,
                before=schedule_terms(schedule),
                after=None,
                user=request.user,
                reason="deleted in Admin",
            )
        super().delete_queryset(request, queryset)


@admin.register(ExchangeRate)
class ExchangeRateAdmin(CatalogueAdmin):
    """A new rate is a new row (the old ones are its history)."""

    list_display = ("valid_from", "usd_to_idr_rate", "reason", "set_by")
    readonly_fields = ("set_by", "created_at")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: ExchangeRate, form: Any, change: bool) -> None:
        if request.user.is_authenticated:
            obj.set_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(RegionalPrice)
class RegionalPriceAdmin(AuditedModelAdmin):
    list_display = ("package", "country_code", "price_usd_cents", "price_idr", "is_active")
    autocomplete_fields = ("package",)


@admin.register(DiscountCode)
class DiscountCodeAdmin(AuditedModelAdmin):
    list_display = (
        "code",
        "name",
        "discount_type",
        "discount_value",
        "current_uses",
        "max_uses",
        "is_active",
    )
    list_filter = ("is_active", "discount_type", "authenticated_only", "first_purchase_only")
    search_fields = ("code", "name")
    readonly_fields = ("current_uses", "created_at", "updated_at")


@admin.register(PriceHistory)
class PriceHistoryAdmin(ReadOnlyModelAdmin):
    list_display = (
        "changed_at",
        "package",
        "field",
        "old_value",
        "new_value",
        "changed_by",
        "reason",
    )
    list_filter = ("field",)
    search_fields = ("package__package_code", "package__name")
    list_select_related = ("package", "changed_by")


@admin.register(DiscountCodeUsage)
class DiscountCodeUsageAdmin(ReadOnlyModelAdmin):
    list_display = (
        "used_at",
        "discount",
        "user",
        "guest_email",
        "discount_amount_cents",
        "order_total_cents",
    )
    list_select_related = ("discount", "user")
