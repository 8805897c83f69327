"""The catalogue console: a package list a merchandiser can work in all day, and the sync runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from accounts.audit import AuditedModelAdmin, ReadOnlyModelAdmin, record_admin_action
from catalog import services
from catalog.cache import invalidate_catalog_cache
from catalog.geography import REGIONS
from catalog.models import EsimPackage, StockType, SyncRun
from catalog.price_display import margin_text, usd_text
from catalog.selectors import in_category
from catalog.sync import SYNCED_FIELDS
from catalog.tasks import sync_packages
from hiroam.api.errors import DomainError


class PackageActionForm(ActionForm):
    reason = forms.CharField(required=False, max_length=255, help_text="For “Mark not purchasable”")
    available_from = forms.DateTimeField(
        required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    available_until = forms.DateTimeField(
        required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )


class CategoryFilter(admin.SimpleListFilter):
    title = "category"
    parameter_name = "category"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        rows = EsimPackage.objects.values_list("category_override", "auto_category").distinct()
        return [
            (name, name) for name in sorted({override or auto for override, auto in rows} - {""})
        ]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[EsimPackage]
    ) -> QuerySet[EsimPackage]:
        category = self.value()
        return queryset.filter(in_category(category)) if category else queryset


class AvailabilityFilter(admin.SimpleListFilter):
    title = "availability"
    parameter_name = "availability"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("purchasable", "Purchasable now"),
            ("inactive", "Hidden (inactive)"),
            ("unavailable", "Not purchasable"),
            ("scheduled", "Window not open yet"),
            ("expired", "Window closed"),
            ("out_of_stock", "Out of stock"),
        ]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[EsimPackage]
    ) -> QuerySet[EsimPackage]:
        now = timezone.now()
        window_open = (Q(available_from__isnull=True) | Q(available_from__lte=now)) & (
            Q(available_until__isnull=True) | Q(available_until__gt=now)
        )
        in_stock = ~Q(stock_type=StockType.LIMITED) | Q(stock_quantity__gt=0)
        conditions = {
            "purchasable": Q(is_active=True, is_available=True, sync_status="active")
            & window_open
            & in_stock,
            "inactive": Q(is_active=False),
            "unavailable": Q(is_available=False),
            "scheduled": Q(available_from__gt=now),
            "expired": Q(available_until__lte=now),
            "out_of_stock": Q(stock_type=StockType.LIMITED, stock_quantity__lte=0),
        }
        chosen = self.value() or ""
        return queryset.filter(conditions[chosen]) if chosen in conditions else queryset


class RegionFilter(admin.SimpleListFilter):
    title = "region"
    parameter_name = "region"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(region, region) for region in REGIONS]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[EsimPackage]
    ) -> QuerySet[EsimPackage]:
        return queryset.filter(region=self.value()) if self.value() else queryset


class CatalogueAdmin(AuditedModelAdmin):
    """For anything the shop shows (packages, prices, schedules): every save or delete drops
    the cached catalogue answers once it commits."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        invalidate_catalog_cache()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        invalidate_catalog_cache()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        super().delete_queryset(request, queryset)
        invalidate_catalog_cache()


@admin.register(EsimPackage)
class EsimPackageAdmin(CatalogueAdmin):
    list_display = (
        "package_code",
        "title",
        "region",
        "category",
        "cost",
        "price_usd",
        "price_idr",
        "margin",
        "is_active",
        "is_available",
        "sync_status",
        "is_featured",
        "is_bestseller",
        "is_new",
        "sort_order",
    )
    list_display_links = ("package_code", "title")
    list_editable = ("is_featured", "is_bestseller", "is_new", "sort_order")
    list_filter = (
        CategoryFilter,
        RegionFilter,
        AvailabilityFilter,
        "coverage",
        "sync_status",
        "is_featured",
        "data_type",
    )
    search_fields = ("name", "display_name", "package_code", "slug")
    list_per_page = 100
    action_form = PackageActionForm
    actions = [
        "activate",
        "deactivate",
        "make_purchasable",
        "make_unpurchasable",
        "feature",
        "unfeature",
        "set_window",
    ]
    readonly_fields = (
        *SYNCED_FIELDS,
        "price_usd_cents",
        "price_idr",
        "prices_link",
        "package_code",
        "synced_at",
        "sync_status",
        "sync_error",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (
            "Display",
            {
                "fields": (
                    "display_name",
                    "custom_description",
                    "category_override",
                    "tags",
                    "image_url",
                    "is_featured",
                    "is_bestseller",
                    "is_new",
                    "sort_order",
                )
            },
        ),
        ("Base prices", {"fields": ("price_usd_cents", "price_idr", "prices_link")}),
        (
            "Availability",
            {
                "fields": (
                    "is_active",
                    "is_available",
                    "unavailable_reason",
                    "available_from",
                    "available_until",
                    "stock_type",
                    "stock_quantity",
                    "max_per_order",
                )
            },
        ),
        (
            "From the provider (read-only)",
            {
                "classes": ("collapse",),
                "fields": ("package_code", *SYNCED_FIELDS),
            },
        ),
        (
            "Sync",
            {"fields": ("sync_status", "sync_error", "synced_at", "created_at", "updated_at")},
        ),
    )

    @admin.display(description="prices")
    def prices_link(self, package: EsimPackage) -> str:
        # Prices change in Pricing, where every change lands in the price history.
        if package.pk is None:
            return ""
        url = reverse("admin:pricing_packageprice_change", args=[package.pk])
        return format_html('<a href="{}">Change prices and schedules</a>', url)

    @admin.display(description="name", ordering="name")
    def title(self, package: EsimPackage) -> str:
        return package.title

    @admin.display(description="cost", ordering="base_price_cents")
    def cost(self, package: EsimPackage) -> str:
        return usd_text(package.base_price_cents)

    @admin.display(description="price USD", ordering="price_usd_cents")
    def price_usd(self, package: EsimPackage) -> str:
        return usd_text(package.price_usd_cents)

    @admin.display(description="margin")
    def margin(self, package: EsimPackage) -> str:
        return margin_text(package.price_usd_cents, package.base_price_cents)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[EsimPackage], search_term: str
    ) -> tuple[QuerySet[EsimPackage], bool]:
        results, duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if len(term) == 2 and term.isalpha():  # a country code: every package covering it
            results |= queryset.filter(location_codes__contains=[term.upper()])
        return results, duplicates

    # ---- bulk actions: each calls a service and audits every package it changed
    def _audited(
        self,
        request: HttpRequest,
        queryset: QuerySet[EsimPackage],
        action: str,
        apply: Callable[[QuerySet[EsimPackage]], int],
    ) -> None:
        """Runs a service on the selected packages and audits each one it changed, together."""
        selected = EsimPackage.objects.filter(pk__in=[package.pk for package in queryset])
        try:
            record_admin_action(
                request, selected, action_name=action, perform=lambda: apply(selected)
            )
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            return
        self.message_user(request, f"{len(selected)} package(s) updated.")

    def _form_value(self, request: HttpRequest, name: str) -> Any:
        form = PackageActionForm(request.POST)
        form.is_valid()
        return form.cleaned_data.get(name)

    @admin.action(description="Show in the catalogue (activate)", permissions=["change"])
    def activate(self, request: HttpRequest, queryset: QuerySet[EsimPackage]) -> None:
        self._audited(
            request,
            queryset,
            "activate",
            lambda qs: services.set_packages_active(qs, is_active=True),
        )

    @admin.action(description="Hide from the catalogue (deactivate)", permissions=["change"])
    def deactivate(self, request: HttpRequest, queryset: QuerySet[EsimPackage]) -> None:
        self._audited(
            request,
            queryset,
            "deactivate",
            lambda qs: services.set_packages_active(qs, is_active=False),
        )

    @admin.action(description="Make purchasable", permissions=["change"])
    def make_purchasable(self, request: HttpRequest, queryset: QuerySet[EsimPackage]) -> None:
        self._audited(
            request,
            queryset,
            "make_purchasable",
            lambda qs: services.set_packages_purchasable(qs, is_available=True),
        )

    @admin.action(
        description="Mark not purchasable (with the reason above)", permissions=["change"]
    )
    def make_unpurchasable(self, request: HttpRequest, queryset: QuerySet[EsimPackage]) -> None:
        reason = self._form_value(request, "reason") or "Not available"
        self._audited(
            request,
            queryset,
            "make_unpurchasable",
            lambda qs: services.set_packages_purchasable(qs, is_available=False, reason=reason),
        )

    @admin.action(description="Feature", permissions=["change"])
    def feature(self, request: HttpRequest, queryset: QuerySet[EsimPackage]) -> None:
        self._audited(
            request,
            queryset,
            "feature",
            lambda qs: services.set_packages_featured(qs, is_featured=True),
        )

    @admin.action(description="Stop featuring", permissions=["change"])
    def unfeature(self, request: HttpRequest, queryset: QuerySet[EsimPackage]) -> None:
        self._audited(
            request,
            queryset,
            "unfeature",
            lambda qs: services.set_packages_featured(qs, is_featured=False),
        )

    @admin.action(
        description="Set the availability window (from / until above; blank clears)",
        permissions=["change"],
    )
    def set_window(self, request: HttpRequest, queryset: QuerySet[EsimPackage]) -> None:
        starts, ends = (
            self._form_value(request, "available_from"),
            self._form_value(request, "available_until"),
        )
        self._audited(
            request,
            queryset,
            "set_window",
            lambda qs: services.set_availability_window(
                qs, available_from=starts, available_until=ends
            ),
        )


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyModelAdmin):
    """Read-only: what each sync did. "Sync now" queues a run."""

    list_display = (
        "started_at",
        "trigger",
        "status",
        "fetched",
        "created",
        "updated",
        "unchanged",
        "discontinued",
        "reactivated",
        "failed",
        "duration_ms",
    )
    list_filter = ("status", "trigger")
    readonly_fields = [field.name for field in SyncRun._meta.fields]
    change_list_template = "admin/catalog/syncrun/change_list.html"

    def get_urls(self) -> list[Any]:
        sync_now = path(
            "sync-now/", self.admin_site.admin_view(self.sync_now), name="catalog_syncrun_sync_now"
        )
        return [sync_now, *super().get_urls()]

    def sync_now(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.user.has_perm("catalog.change_esimpackage"):
            sync_packages.delay("admin")
            self.message_user(request, "Sync queued; refresh in a few seconds to see its result.")
        else:
            self.message_user(request, "You may not start a sync.", messages.ERROR)
        return HttpResponseRedirect(reverse("admin:catalog_syncrun_changelist"))
