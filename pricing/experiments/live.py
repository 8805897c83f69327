"""The experiments pricing right now: running, inside their window. Read once per catalogue
version and shared through the catalogue cache (every experiment change invalidates it), so a
page of prices costs no query for them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from django.db.models import Min, Q

from catalog.cache import cached_answer, seconds_until
from catalog.models import EsimPackage
from pricing import engine
from pricing.experiments.assignment import choose
from pricing.models import PriceExperiment, PriceVariant

_KINDS = {
    PriceVariant.Adjustment.NONE: None,
    PriceVariant.Adjustment.PERCENTAGE: engine.DiscountKind.PERCENTAGE,
    PriceVariant.Adjustment.FIXED: engine.DiscountKind.FIXED,
    PriceVariant.Adjustment.PRICE_OVERRIDE: engine.DiscountKind.PRICE_OVERRIDE,
}


def engine_variant(experiment: PriceExperiment, variant: PriceVariant) -> engine.Variant:
    return engine.Variant(
        experiment_id=str(experiment.pk),
        experiment_name=experiment.name,
        id=str(variant.pk),
        name=variant.name,
        kind=_KINDS[PriceVariant.Adjustment(variant.adjustment)],
        value=variant.value,
        override_usd_cents=variant.override_usd_cents,
        override_idr=variant.override_idr,
    )


@dataclass(frozen=True)
class LiveExperiment:
    id: str
    name: str
    started_at: datetime
    package_ids: frozenset[str]  # named packages
    country_code: str  # or every package for this country
    region: str  # or every package of this region
    variants: tuple[engine.Variant, ...]  # by id: the order assignment places weights in
    weights: tuple[int, ...]

    def covers(self, package: EsimPackage) -> bool:
        if str(package.pk) in self.package_ids:
            return True
        if self.country_code and self.country_code in package.location_codes:
            return True
        return bool(self.region) and package.region == self.region

    def coverage(self) -> Q:
        """The packages it covers, as a filter."""
        covered = Q(pk__in=list(self.package_ids))
        if self.country_code:
            covered |= Q(location_codes__contains=[self.country_code])
        if self.region:
            covered |= Q(region=self.region)
        return covered

    def variant_for(self, visitor: str) -> engine.Variant:
        chosen = choose(
            self.id,
            visitor,
            [
                (variant.id, weight)
                for variant, weight in zip(self.variants, self.weights, strict=True)
            ],
        )
        return next(variant for variant in self.variants if variant.id == chosen)

    def variant(self, variant_id: str) -> engine.Variant | None:
        return next((variant for variant in self.variants if variant.id == variant_id), None)


def running_at(now: datetime) -> Q:
    return (
        Q(status=PriceExperiment.Status.RUNNING)
        & (Q(starts_at__isnull=True) | Q(starts_at__lte=now))
        & (Q(ends_at__isnull=True) | Q(ends_at__gt=now))
    )


def _live(experiments: list[PriceExperiment]) -> tuple[LiveExperiment, ...]:
    named: dict[str, set[str]] = defaultdict(set)
    chosen = PriceExperiment.packages.through.objects.filter(
        priceexperiment_id__in=[experiment.pk for experiment in experiments]
    )
    for experiment_id, package_id in chosen.values_list("priceexperiment_id", "esimpackage_id"):
        named[str(experiment_id)].add(str(package_id))
    live = []
    for experiment in experiments:
        variants = sorted(experiment.variants.all(), key=lambda variant: str(variant.pk))
        live.append(
            LiveExperiment(
                id=str(experiment.pk),
                name=experiment.name,
                started_at=experiment.started_at or experiment.created_at,
                package_ids=frozenset(named[str(experiment.pk)]),
                country_code=experiment.country_code.upper(),
                region=experiment.region,
                variants=tuple(engine_variant(experiment, variant) for variant in variants),
                weights=tuple(variant.weight for variant in variants),
            )
        )
    # A package two experiments came to cover (the catalogue grew) is priced by the one
    # started first: the order every reader takes them in.
    return tuple(sorted(live, key=lambda experiment: (experiment.started_at, experiment.id)))


def next_experiment_change(now: datetime) -> datetime | None:
    """When a running experiment next starts or ends by the clock."""
    found = PriceExperiment.objects.filter(status=PriceExperiment.Status.RUNNING).aggregate(
        start=Min("starts_at", filter=Q(starts_at__gt=now)),
        end=Min("ends_at", filter=Q(ends_at__gt=now)),
    )
    return min((moment for moment in found.values() if moment is not None), default=None)


def live_experiments(now: datetime) -> tuple[LiveExperiment, ...]:
    def build() -> tuple[tuple[LiveExperiment, ...], float]:
        experiments = PriceExperiment.objects.filter(running_at(now)).prefetch_related("variants")
        return _live(list(experiments)), seconds_until(next_experiment_change(now), now)

    return cast(tuple[LiveExperiment, ...], cached_answer("experiments", {}, build))


def experiment_of(package: EsimPackage, live: Iterable[LiveExperiment]) -> LiveExperiment | None:
    return next((experiment for experiment in live if experiment.covers(package)), None)
