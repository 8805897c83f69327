"""Price experiments in the console: set one up as a draft (packages, a country or a region;
a control and its variants with their weights), start, pause, resume and complete it from the
list's actions, watch its figures live on its page, and apply the winner as a price schedule.
Every state change goes through pricing.experiments.services and lands in the audit trail."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from accounts.audit import record_admin_action, record_admin_additions
from catalog.admin import CatalogueAdmin
from catalog.price_display import usd_text
from hiroam.api.errors import DomainError
from pricing.experiments import services
from pricing.experiments.metrics import ExperimentFigures, VariantFigures, experiment_figures
from pricing.experiments.statistics import MIN_CONVERSIONS, MIN_VISITORS
from pricing.guards import experiment_warnings
from pricing.models import PriceExperiment, PriceVariant

Status = PriceExperiment.Status


class PriceVariantInline(admin.TabularInline):  # type: ignore[type-arg]
    """Editable while a draft; frozen from the start (weights decide who sees what)."""

    model = PriceVariant
    extra = 0
    min_num = 2
    fields = (
        "name",
        "is_control",
        "adjustment",
        "value",
        "override_usd_cents",
        "override_idr",
        "weight",
    )

    def _is_draft(self, obj: PriceExperiment | None) -> bool:
        return obj is None or obj.status == Status.DRAFT

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._is_draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._is_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._is_draft(obj) and super().has_delete_permission(request, obj)


def _percent(rate: float | None, signed: bool = False) -> str:
    if rate is None:
        return "—"
    return f"{rate * 100:+.2f} %" if signed else f"{rate * 100:.2f} %"


def _verdict(figure: VariantFigures) -> str:
    comparison = figure.comparison
    if comparison is None:
        return "control"
    if not comparison.is_large_enough:
        return "too small to decide"
    if comparison.is_significant:
        return "better" if comparison.difference > 0 else "worse"
    return "no clear difference"


def _uplift(figure: VariantFigures) -> str:
    comparison = figure.comparison
    if comparison is None:
        return "—"
    return (
        f"{_percent(comparison.uplift, signed=True)} "
        f"[{_percent(comparison.uplift_low, signed=True)}, "
        f"{_percent(comparison.uplift_high, signed=True)}]"
    )


def results_table(figures: ExperimentFigures) -> str:
    control = figures.control
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
        "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                figure.description,
                figure.weight,
                f"{figure.visitors:,}",
                f"{figure.views:,}",
                f"{figure.converted_visitors:,}",
                f"{figure.orders:,}",
                _percent(figure.conversion_rate),
                usd_text(figure.revenue_cents),
                usd_text(figure.revenue_per_visitor_cents),
                usd_text(figure.average_order_cents),
                _uplift(figure),
                f"{figure.comparison.p_value:.4f}" if figure.comparison else "—",
                _percent(figure.revenue_per_visitor_uplift(control), signed=True)
                if control and figure.comparison
                else "—",
                _verdict(figure),
            )
            for figure in figures.variants
        ),
    )
    warning = (
        ""
        if figures.is_large_enough
        else format_html(
            '<p class="errornote">Too small to decide: each variant needs at least {} '
            "visitors and {} conversions before its difference from the control means "
            "anything. Keep it running.</p>",
            MIN_VISITORS,
            MIN_CONVERSIONS,
        )
    )
    return format_html(
        "{}<table><thead><tr><th>variant</th><th>weight</th><th>visitors</th><th>views</th>"
        "<th>converted</th><th>orders</th><th>conversion</th><th>revenue</th>"
        "<th>per visitor</th><th>per order</th><th>conversion uplift [95 % CI]</th>"
        "<th>p-value</th><th>revenue per visitor uplift</th><th>verdict</th></tr></thead>"
        "<tbody>{}</tbody></table>",
        warning,
        rows,
    )


@admin.register(PriceExperiment)
class PriceExperimentAdmin(CatalogueAdmin):
    list_display = ("name", "status", "covers", "variant_count", "started_at", "ends_at")
    list_filter = ("status",)
    search_fields = ("name", "hypothesis")
    autocomplete_fields = ("packages",)
    inlines = (PriceVariantInline,)
    actions = ("start", "pause", "resume", "complete")
    fields = (
        "name",
        "hypothesis",
        "covers_everything",
        "packages",
        "country_code",
        "region",
        "starts_at",
        "ends_at",
        "status",
        "started_at",
        "completed_at",
        "winner",
        "created_by",
        "results",
    )
    readonly_fields = ("status", "started_at", "completed_at", "winner", "created_by", "results")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        experiments: QuerySet[Any] = super().get_queryset(request)
        counted: QuerySet[Any] = experiments.annotate(variants_count=Count("variants"))
        return counted

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = tuple(super().get_readonly_fields(request, obj))
        if obj is not None and obj.status != Status.DRAFT:
            fields += ("covers_everything", "packages", "country_code", "region")  # settled
        return fields

    @admin.display(description="covers")
    def covers(self, experiment: PriceExperiment) -> str:
        if experiment.covers_everything:
            return "every package"
        parts = [f"country {experiment.country_code}"] if experiment.country_code else []
        parts += [f"region {experiment.region}"] if experiment.region else []
        return ", ".join(parts) or "named packages"

    @admin.display(description="variants", ordering="variants_count")
    def variant_count(self, experiment: Any) -> int:
        return int(experiment.variants_count)

    @admin.display(description="results (live)")
    def results(self, experiment: PriceExperiment) -> str:
        if experiment.pk is None:
            return "Shown once it has started."
        table = results_table(experiment_figures(experiment))
        if experiment.winner_id is not None:
            return format_html("{}<p>Winner applied: {}.</p>", table, experiment.winner)
        url = reverse("admin:pricing_priceexperiment_apply_winner", args=[experiment.pk])
        return format_html('{}<p><a class="button" href="{}">Apply a winner…</a></p>', table, url)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change and request.user.is_authenticated:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        experiment = form.instance
        for warning in experiment_warnings(experiment, services.covered_packages(experiment)):
            self.message_user(request, warning, messages.WARNING)

    # -------------------------------------------------------------------------- the life
    def _each(
        self,
        request: HttpRequest,
        queryset: QuerySet[Any],
        action_name: str,
        change: Callable[..., PriceExperiment],
        done: str,
    ) -> None:
        now = timezone.now()
        for experiment in queryset:

            def perform(pk: Any = experiment.pk) -> PriceExperiment:
                return change(experiment_id=pk, now=now)

            try:
                record_admin_action(
                    request,
                    queryset.model.objects.filter(pk=experiment.pk),
                    action_name=action_name,
                    perform=perform,
                )
            except DomainError as refusal:
                self.message_user(
                    request, f"“{experiment.name}”: {refusal.message}", messages.ERROR
                )
            else:
                self.message_user(request, f"“{experiment.name}” {done}.")

    @admin.action(description="Start the selected draft experiments", permissions=["change"])
    def start(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self._each(request, queryset, "start", services.start_experiment, "started")
        for experiment in queryset.filter(status=Status.RUNNING):
            for warning in experiment_warnings(experiment, services.covered_packages(experiment)):
                self.message_user(request, warning, messages.WARNING)

    @admin.action(description="Pause the selected experiments", permissions=["change"])
    def pause(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self._each(request, queryset, "pause", services.pause_experiment, "paused")

    @admin.action(description="Resume the selected experiments", permissions=["change"])
    def resume(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self._each(request, queryset, "resume", services.resume_experiment, "resumed")

    @admin.action(description="Complete the selected experiments", permissions=["change"])
    def complete(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self._each(request, queryset, "complete", services.complete_experiment, "completed")

    # -------------------------------------------------------------------------- the winner
    def get_urls(self) -> list[URLPattern]:
        apply = self.admin_site.admin_view(self.apply_winner_view)
        return [
            path("<uuid:pk>/apply-winner/", apply, name="pricing_priceexperiment_apply_winner"),
            *super().get_urls(),
        ]

    def apply_winner_view(self, request: HttpRequest, pk: Any) -> HttpResponse:
        experiment = get_object_or_404(PriceExperiment, pk=pk)
        if not (
            self.has_change_permission(request, experiment)
            and request.user.has_perm("pricing.add_priceschedule")
        ):
            raise PermissionDenied
        form = WinnerForm(experiment, request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                schedules = services.apply_winner(
                    experiment_id=experiment.pk,
                    variant_id=form.cleaned_data["variant"].pk,
                    terms=form.terms(),
                    user=request.user,
                    now=timezone.now(),
                )
            except DomainError as refusal:
                form.add_error(None, refusal.message)
            else:
                experiment.refresh_from_db()
                record_admin_additions(
                    request, [experiment, *schedules], action_name="apply_winner"
                )
                self.message_user(
                    request,
                    f"“{experiment.name}” completed; its winner prices {len(schedules)} "
                    "package(s) by schedule.",
                )
                change_url = reverse("admin:pricing_priceexperiment_change", args=[experiment.pk])
                return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Apply the winner of “{experiment.name}”",
            "experiment": experiment,
            "form": form,
            "results": results_table(experiment_figures(experiment)),
        }
        return TemplateResponse(request, "admin/pricing/priceexperiment/apply_winner.html", context)


class WinnerForm(forms.Form):
    variant = forms.ModelChoiceField(
        queryset=PriceVariant.objects.none(),
        help_text="The control changes no price; another variant becomes a price schedule on "
        "every package the experiment covers.",
    )
    ends_at = forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="Until when the winner's price holds (a schedule needs an end).",
    )
    priority = forms.IntegerField(
        initial=0, help_text="Higher wins over the packages' other schedules."
    )
    badge_text = forms.CharField(max_length=50, required=False)

    def __init__(self, experiment: PriceExperiment, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["variant"].queryset = experiment.variants.all()  # type: ignore[attr-defined]

    def terms(self) -> services.WinnerTerms:
        return services.WinnerTerms(
            ends_at=self.cleaned_data["ends_at"],
            priority=self.cleaned_data["priority"],
            badge_text=self.cleaned_data["badge_text"],
        )
