"""An experiment's figures per variant, as the admin shows them live: three queries however
many visitors, views and orders (the variants; their daily counts; their conversions).

A visitor is counted on the day of their first view; a conversion is a visitor with a paid,
unrefunded order priced in the experiment. Revenue is what the experiment's lines were paid,
in USD cents (checkout charges USD; an order in another currency counts as a conversion
but adds no revenue: currencies are never added together)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, Sum

from pricing.engine import round_half_up_div
from pricing.experiments.statistics import Arm, Comparison, compare
from pricing.models import ExperimentConversion, ExperimentVariantDay, PriceExperiment

USD = "USD"


@dataclass(frozen=True)
class VariantFigures:
    variant_id: str
    name: str
    is_control: bool
    description: str
    weight: int
    visitors: int
    views: int
    converted_visitors: int
    orders: int
    units: int
    revenue_cents: int  # USD
    comparison: Comparison | None = None  # against the control (None for the control)

    @property
    def arm(self) -> Arm:
        # A visitor whose view went uncounted (Redis down) may still convert: never above 100 %.
        return Arm(self.visitors, min(self.converted_visitors, self.visitors))

    @property
    def conversion_rate(self) -> float:
        return self.arm.rate

    @property
    def revenue_per_visitor_cents(self) -> int:
        """Rounded half up to the cent."""
        return round_half_up_div(self.revenue_cents, self.visitors) if self.visitors else 0

    @property
    def average_order_cents(self) -> int:
        """Rounded half up to the cent."""
        return round_half_up_div(self.revenue_cents, self.orders) if self.orders else 0

    def revenue_per_visitor_uplift(self, control: VariantFigures) -> float | None:
        if not control.revenue_per_visitor_cents or not self.visitors:
            return None
        mine = self.revenue_cents / self.visitors
        theirs = control.revenue_cents / control.visitors
        return (mine - theirs) / theirs


@dataclass(frozen=True)
class ExperimentFigures:
    variants: tuple[VariantFigures, ...]  # the control first

    @property
    def control(self) -> VariantFigures | None:
        return next((variant for variant in self.variants if variant.is_control), None)

    @property
    def is_large_enough(self) -> bool:
        """Every variant against the control has enough visitors and conversions to decide."""
        compared = [variant.comparison for variant in self.variants if variant.comparison]
        return bool(compared) and all(comparison.is_large_enough for comparison in compared)


def experiment_figures(experiment: PriceExperiment) -> ExperimentFigures:
    variants = list(experiment.variants.all().order_by("-is_control", "name"))
    days = (
        ExperimentVariantDay.objects.filter(variant__experiment=experiment)
        .values("variant_id")
        .annotate(visitors=Sum("visitors"), views=Sum("views"))
    )
    counted = {row["variant_id"]: row for row in days}
    conversions = (
        ExperimentConversion.objects.filter(experiment=experiment, reversed_at__isnull=True)
        .values("variant_id")
        .annotate(
            visitors=Count("visitor", distinct=True),
            orders=Count("id"),
            units=Sum("units"),
            revenue=Sum("revenue_minor", filter=Q(currency=USD)),
        )
    )
    converted = {row["variant_id"]: row for row in conversions}
    figures = [
        _figures(variant, counted.get(variant.pk, {}), converted.get(variant.pk, {}))
        for variant in variants
    ]
    control = next((figure for figure in figures if figure.is_control), None)
    if control is not None:
        figures = [
            figure
            if figure.is_control
            else VariantFigures(
                **{**figure.__dict__, "comparison": compare(control.arm, figure.arm)}
            )
            for figure in figures
        ]
    return ExperimentFigures(tuple(figures))


def _figures(
    variant: Any, counted: Mapping[str, Any], converted: Mapping[str, Any]
) -> VariantFigures:
    return VariantFigures(
        variant_id=str(variant.pk),
        name=variant.name,
        is_control=variant.is_control,
        description=str(variant),
        weight=variant.weight,
        visitors=int(counted.get("visitors") or 0),
        views=int(counted.get("views") or 0),
        converted_visitors=int(converted.get("visitors") or 0),
        orders=int(converted.get("orders") or 0),
        units=int(converted.get("units") or 0),
        revenue_cents=int(converted.get("revenue") or 0),
    )
