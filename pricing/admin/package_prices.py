"""Package prices: base prices (one by one, in bulk, or from a CSV), the package's schedules
with a timeline of which wins when, a price preview, and "Schedule a promotion" for many
packages at once. Every change goes through pricing.services, so it lands in the price history
(and the audit trail), and the admin sees the warnings before or as it goes live."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core import signing
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from accounts.audit import record_admin_action, record_admin_additions, remember_before_save
from catalog.admin import CatalogueAdmin, RegionFilter
from catalog.models import EsimPackage
from catalog.price_display import margin_text, usd_text
from hiroam.api.errors import DomainError
from pricing import engine
from pricing.admin.forms import BasePriceChangeForm, ImportPricesForm, PromotionForm
from pricing.admin.schedules import PriceScheduleInline, in_words, save_schedules, warn
from pricing.base_prices import (
    PlannedChange,
    export_csv,
    plan_by_percentage,
    plan_import,
    plan_to_value,
)
from pricing.guards import base_price_warnings, payment_fee, schedule_warnings
from pricing.models import PackagePrice, PriceSchedule
from pricing.prices import display_prices, engine_schedule, usd_to_idr_rate
from pricing.services import BasePriceChange, change_base_prices, schedule_promotion

PREVIEW_ROWS = 200  # rows shown in a preview table; the rest are counted


class PricedChangeList(ChangeList):
    """Prices the page's packages with the engine in one pass (one schedules query)."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        packages = list(self.result_list)
        prices = display_prices(packages, "USD", timezone.now())
        for package in packages:
            package.price_now = prices[package.pk]


class ScheduledFilter(admin.SimpleListFilter):
    title = "schedules"
    parameter_name = "scheduled"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("live", "On a schedule now"), ("upcoming", "Schedule coming"), ("none", "None")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        now = timezone.now()
        live = PriceSchedule.objects.filter(is_active=True, starts_at__lte=now, ends_at__gt=now)
        upcoming = PriceSchedule.objects.filter(is_active=True, starts_at__gt=now)
        if self.value() == "live":
            return queryset.filter(pk__in=live.values("package_id"))
        if self.value() == "upcoming":
            return queryset.filter(pk__in=upcoming.values("package_id"))
        if self.value() == "none":
            return queryset.exclude(pk__in=(live | upcoming).values("package_id"))
        return queryset


class PackagePriceForm(forms.ModelForm):  # type: ignore[type-arg]
    reason = forms.CharField(
        max_length=255,
        required=False,
        help_text="Why the base price changes; kept in the price history. Required for a change.",
    )

    class Meta:
        model = PackagePrice
        fields = ("price_usd_cents", "price_idr")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        prices_changed = {"price_usd_cents", "price_idr"} & set(self.changed_data)
        if prices_changed and not (data.get("reason") or "").strip():
            self.add_error("reason", "Say why the price changes: it goes into the price history.")
        return data


@admin.register(PackagePrice)
class PackagePriceAdmin(CatalogueAdmin):
    form = PackagePriceForm
    list_display = (
        "package_code",
        "title",
        "cost",
        "price_usd",
        "price_idr",
        "margin",
        "customer_price",
        "live_schedule",
        "schedule_count",
    )
    list_filter = (ScheduledFilter, RegionFilter, "coverage", "is_active")
    search_fields = ("package_code", "name", "display_name", "slug")
    list_per_page = 100
    inlines = (PriceScheduleInline,)
    actions = ("change_base_prices", "schedule_a_promotion", "export_prices")
    change_list_template = "admin/pricing/packageprice/change_list.html"
    readonly_fields = (
        "package_code",
        "title",
        "cost",
        "margin",
        "price_now",
        "timeline",
        "links",
    )
    fieldsets = (
        (None, {"fields": ("package_code", "title", "cost")}),
        ("Base prices", {"fields": ("price_usd_cents", "price_idr", "reason", "margin")}),
        ("What customers pay", {"fields": ("price_now", "timeline", "links")}),
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # packages come from the provider

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return PricedChangeList

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        packages: QuerySet[Any] = super().get_queryset(request)
        not_over = Q(price_schedules__is_active=True, price_schedules__ends_at__gt=timezone.now())
        annotated: QuerySet[Any] = packages.annotate(
            upcoming_schedules=Count("price_schedules", filter=not_over)
        )
        return annotated

    # ---- columns
    @admin.display(description="name", ordering="name")
    def title(self, package: EsimPackage) -> str:
        return package.title

    @admin.display(description="cost", ordering="base_price_cents")
    def cost(self, package: EsimPackage) -> str:
        return usd_text(package.base_price_cents)

    @admin.display(description="base USD", ordering="price_usd_cents")
    def price_usd(self, package: EsimPackage) -> str:
        return usd_text(package.price_usd_cents)

    @admin.display(description="base IDR", ordering="price_idr")
    def price_idr(self, package: EsimPackage) -> str:
        return f"Rp {package.price_idr:,}"

    @admin.display(description="margin")
    def margin(self, package: EsimPackage) -> str:
        return margin_text(package.price_usd_cents, package.base_price_cents)

    @admin.display(description="customer pays now")
    def customer_price(self, package: Any) -> str:
        return usd_text(package.price_now.final)

    @admin.display(description="schedule now")
    def live_schedule(self, package: Any) -> str:
        price = package.price_now
        if not price.schedule_name:
            return "-"
        return f"{price.schedule_name} ({price.discount_label})" if price.discount_label else ""

    @admin.display(description="live + coming", ordering="upcoming_schedules")
    def schedule_count(self, package: Any) -> int:
        return int(package.upcoming_schedules)

    # ---- the package's page
    @admin.display(description="price now")
    def price_now(self, package: EsimPackage) -> str:
        return _explained(package, timezone.now())

    @admin.display(description="timeline")
    def timeline(self, package: EsimPackage) -> str:
        now = timezone.now()
        schedules = [engine_schedule(row) for row in package.price_schedules.all()]
        periods = engine.price_timeline(
            base=engine.Prices(package.price_usd_cents, package.price_idr),
            schedules=schedules,
            since=now,
            usd_to_idr_rate=usd_to_idr_rate(now),
        )
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    "now"
                    if period.starts_at == now
                    else f"starts {in_words(period.starts_at, now)}",
                    "no end" if period.ends_at is None else f"ends {in_words(period.ends_at, now)}",
                    period.schedule.name if period.schedule else "base price",
                    f"{usd_text(period.price.usd_cents)} / Rp {period.price.idr:,}",
                )
                for period in periods
            ),
        )
        return format_html(
            "<table><tr><th>from</th><th>until</th><th>winner</th><th>price</th></tr>{}</table>",
            rows,
        )

    @admin.display(description="more")
    def links(self, package: EsimPackage) -> str:
        preview = reverse("admin:pricing_packageprice_preview", args=[package.pk])
        history = reverse("admin:pricing_pricehistory_changelist") + f"?q={package.package_code}"
        return format_html(
            '<a href="{}">Preview the price at another moment</a> · <a href="{}">Price history</a>',
            preview,
            history,
        )

    # ---- saving: base prices through the service, schedules with their history
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        remember_before_save(request, obj, change)
        # Only the prices are written: a whole-row save could undo a sync that ran meanwhile.
        change_base_prices(
            changes=[BasePriceChange(obj.pk, obj.price_usd_cents, obj.price_idr)],
            user=request.user,
            reason=form.cleaned_data.get("reason") or "changed in Admin",
            now=timezone.now(),
        )
        for warning in base_price_warnings([(obj, obj.price_usd_cents)]):
            self.message_user(request, warning, messages.WARNING)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        saved = save_schedules(
            request,
            formset,
            lambda: super(PackagePriceAdmin, self).save_formset(request, form, formset, change),
        )
        warn(request, self, saved)

    # ---- views of its own
    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view
        return [
            path("import/", view(self.import_prices), name="pricing_packageprice_import"),
            path("<uuid:pk>/preview/", view(self.preview), name="pricing_packageprice_preview"),
            *super().get_urls(),
        ]

    def _page(self, request: HttpRequest, template: str, **context: Any) -> TemplateResponse:
        # "Select all N" is carried over as such, not as N hidden ids (too many fields).
        select_across = request.POST.get("select_across") == "1"
        return TemplateResponse(
            request,
            f"admin/pricing/packageprice/{template}",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "select_across": select_across,
                **context,
            },
        )

    def preview(self, request: HttpRequest, pk: Any) -> HttpResponse:
        if not self.has_view_permission(request):
            return HttpResponseRedirect(reverse("admin:index"))
        package = get_object_or_404(PackagePrice, pk=pk)
        moment = _moment(request.GET.get("at")) or timezone.now()
        return self._page(
            request,
            "preview.html",
            title=f"Price of {package.package_code}",
            package=package,
            moment=moment,
            explained=_explained(package, moment),
        )

    def import_prices(self, request: HttpRequest) -> HttpResponse:
        if not self.has_change_permission(request):
            return HttpResponseRedirect(reverse("admin:index"))
        form = ImportPricesForm(request.POST or None, request.FILES or None)
        if request.method != "POST" or not form.is_valid():
            return self._page(request, "import.html", title="Import prices (CSV)", form=form)
        text = form.text()
        packages = {package.package_code: package for package in EsimPackage.objects.all()}
        if "apply" in request.POST:
            return self._apply(
                request,
                form.cleaned_data["reason"],
                "import_prices",
                reverse("admin:pricing_packageprice_changelist"),
            )
        plan = plan_import(text, packages)
        return self._page(
            request,
            "import.html",
            title="Import prices (CSV): check the changes",
            form=form,
            csv_text=text,
            plan=plan,
            previewed="" if plan.errors else sign_preview(plan.changes),
            rows=plan.changes[:PREVIEW_ROWS],
            hidden_rows=max(0, len(plan.changes) - PREVIEW_ROWS),
            warnings=base_price_warnings(
                (planned.package, planned.price_usd_cents) for planned in plan.changes
            ),
        )

    def _apply(
        self, request: HttpRequest, reason: str, action_name: str, back: str
    ) -> HttpResponse:
        """Applies exactly the changes the admin previewed, if the prices are still the ones
        the preview showed (applied twice, or changed by someone else meanwhile: refused)."""
        changes = previewed_changes(request.POST.get("previewed", ""))
        if changes is None:
            self.message_user(request, "Preview the changes first.", messages.ERROR)
            return HttpResponseRedirect(back)
        changed = EsimPackage.objects.filter(pk__in=[change.package_id for change in changes])
        try:
            # Audited together with the change: one entry per package whose prices moved.
            record_admin_action(
                request,
                changed,
                action_name=action_name,
                perform=lambda: change_base_prices(
                    changes=changes, user=request.user, reason=reason, now=timezone.now()
                ),
            )
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
        else:
            self.message_user(request, f"New base prices for {len(changes)} package(s).")
        return HttpResponseRedirect(back)

    # ---- actions
    @admin.action(
        description="Change base prices… (by a percentage or to a value)", permissions=["change"]
    )
    def change_base_prices(
        self, request: HttpRequest, queryset: QuerySet[PackagePrice]
    ) -> HttpResponse | None:
        form = BasePriceChangeForm(request.POST if _submitted(request) else None)
        packages = list(queryset.order_by("package_code"))
        if form.is_bound and form.is_valid():
            now = timezone.now()
            if form.cleaned_data["mode"] == BasePriceChangeForm.BY_PERCENTAGE:
                plan = plan_by_percentage(
                    packages,
                    change_bps=form.change_bps(),
                    idr_step=settings.CATALOG_IDR_ROUNDING_STEP,
                )
            else:
                plan = plan_to_value(
                    packages,
                    price_usd_cents=form.usd_cents(),
                    price_idr=form.cleaned_data.get("price_idr"),
                    usd_to_idr_rate=usd_to_idr_rate(now),
                    idr_step=settings.CATALOG_IDR_ROUNDING_STEP,
                )
            if "apply" in request.POST:
                return self._apply(
                    request,
                    form.cleaned_data["reason"],
                    "change_base_prices",
                    request.get_full_path(),
                )
            return self._page(
                request,
                "change_base_prices.html",
                title="Change base prices: check the changes",
                form=form,
                packages=packages,
                rows=[planned for planned in plan if planned.changes_anything][:PREVIEW_ROWS],
                changing=sum(planned.changes_anything for planned in plan),
                previewed=sign_preview(plan),
                warnings=base_price_warnings(
                    (planned.package, planned.price_usd_cents) for planned in plan
                ),
            )
        return self._page(
            request,
            "change_base_prices.html",
            title=f"Change base prices of {len(packages)} package(s)",
            form=form,
            packages=packages,
        )

    @admin.action(description="Schedule a promotion…", permissions=["change"])
    def schedule_a_promotion(
        self, request: HttpRequest, queryset: QuerySet[PackagePrice]
    ) -> HttpResponse | None:
        if not request.user.has_perm("pricing.add_priceschedule"):
            self.message_user(request, "You may not create price schedules.", messages.ERROR)
            return None
        form = PromotionForm(request.POST if _submitted(request) else None)
        packages = list(queryset.order_by("package_code"))
        if form.is_bound and form.is_valid():
            terms = form.terms()
            if "apply" in request.POST:
                try:
                    with transaction.atomic():
                        schedules = schedule_promotion(
                            packages=packages,
                            terms=terms,
                            user=request.user,
                            reason=form.cleaned_data["reason"] or "promotion scheduled in Admin",
                            now=timezone.now(),
                        )
                        record_admin_additions(
                            request, schedules, action_name="schedule_a_promotion"
                        )
                except DomainError as error:
                    self.message_user(request, error.message, messages.ERROR)
                    return None
                self.message_user(
                    request,
                    f"“{terms['schedule_name']}” scheduled for {len(schedules)} package(s).",
                )
                warn(request, self, schedules)
                return None
            drafts = [PriceSchedule(package=package, **terms) for package in packages]
            return self._page(
                request,
                "schedule_promotion.html",
                title="Schedule a promotion: check it",
                form=form,
                packages=packages,
                rows=_promotion_rows(drafts[:PREVIEW_ROWS]),
                warnings=schedule_warnings(drafts),
            )
        return self._page(
            request,
            "schedule_promotion.html",
            title=f"Schedule a promotion for {len(packages)} package(s)",
            form=form,
            packages=packages,
        )

    @admin.action(description="Export prices (CSV)", permissions=["view"])
    def export_prices(self, request: HttpRequest, queryset: QuerySet[PackagePrice]) -> HttpResponse:
        response = HttpResponse(
            export_csv(queryset.order_by("package_code")), content_type="text/csv"
        )
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="hiroam-prices-{stamp}.csv"'
        return response


PREVIEW_SALT = "pricing.base-price-preview"
PREVIEW_MAX_AGE_SECONDS = 6 * 3600


def sign_preview(plan: list[PlannedChange]) -> str:
    """The previewed changes (with the prices they were computed from), signed, for the
    "Apply" button to send back unaltered."""
    return signing.dumps(
        [planned.preview_row() for planned in plan if planned.changes_anything],
        salt=PREVIEW_SALT,
        compress=True,
    )


def previewed_changes(signed: str) -> list[BasePriceChange] | None:
    try:
        rows = signing.loads(signed, salt=PREVIEW_SALT, max_age=PREVIEW_MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None
    return [
        BasePriceChange(pk, new_usd, new_idr, expected=(old_usd, old_idr))
        for pk, old_usd, old_idr, new_usd, new_idr in rows
    ]


def _submitted(request: HttpRequest) -> bool:
    """An action's own page was sent (not the first arrival from the change list)."""
    return "preview" in request.POST or "apply" in request.POST


def _moment(text: str | None) -> datetime | None:
    """A moment typed in a datetime-local field, in the admin's time zone."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _explained(package: EsimPackage, moment: datetime) -> str:
    """The price at `moment` with every schedule's verdict and the margin after the fee."""
    schedules = [engine_schedule(row) for row in package.price_schedules.all()]
    price = engine.price_package(
        base=engine.Prices(package.price_usd_cents, package.price_idr),
        schedules=schedules,
        moment=moment,
        usd_to_idr_rate=usd_to_idr_rate(moment),
    )
    fee = payment_fee()
    kept = price.final.usd_cents - fee.of(price.final.usd_cents) - package.base_price_cents
    verdicts = format_html_join(
        "", "<li>{}: {}</li>", ((verdict.rule, verdict.reason) for verdict in price.considered)
    )
    return format_html(
        "<strong>{} / Rp {}</strong> (base {} / Rp {}){}<br>"
        "After the payment fee ({}) and the provider cost ({}), we keep {}.{}"
        "<ul>{}</ul>",
        usd_text(price.final.usd_cents),
        f"{price.final.idr:,}",
        usd_text(price.original.usd_cents),
        f"{price.original.idr:,}",
        format_html(" — “{}” applies", price.schedule.name) if price.schedule else "",
        usd_text(fee.of(price.final.usd_cents)),
        usd_text(package.base_price_cents),
        usd_text(kept),
        mark_safe(" <strong>Below cost.</strong>") if kept < 0 else "",
        verdicts or mark_safe("<li>No schedule.</li>"),
    )


def _promotion_rows(drafts: list[PriceSchedule]) -> list[dict[str, Any]]:
    rate = usd_to_idr_rate(drafts[0].starts_at) if drafts else 0
    rows = []
    for draft in drafts:
        package = draft.package
        price = engine.price_package(
            base=engine.Prices(package.price_usd_cents, package.price_idr),
            schedules=[engine_schedule(draft)],
            moment=draft.starts_at,
            usd_to_idr_rate=rate,
        )
        rows.append(
            {
                "package": package,
                "base": usd_text(price.original.usd_cents),
                "during": usd_text(price.final.usd_cents),
                "cost": usd_text(package.base_price_cents),
            }
        )
    return rows
