"""The exchange rate, regional prices (future) and the read-only price history."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from accounts.audit import AuditedModelAdmin, ReadOnlyModelAdmin
from catalog.admin import CatalogueAdmin
from pricing.models import ExchangeRate, PriceHistory, RegionalPrice


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
    list_filter = ("field", "changed_at")
    search_fields = ("package__package_code", "package__name", "reason")
    list_select_related = ("package", "changed_by")
    date_hierarchy = "changed_at"
