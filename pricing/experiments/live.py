"""The experiments pricing right now: running, inside their window. Read once per catalogue
version and shared through the catalogue cache (every experiment change invalidates it), and
kept in each process's memory for that version until an experiment starts or ends by the
clock: a page of prices costs no query and no transfer for them, only the version it reads
anyway."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from django.conf import settings
from django.db.models import Min, Q

from catalog.cache import cached_answer, catalog_version, seconds_until
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
    covers_everything: bool  # or every package
    country_code: str  # or every package for this country
    region: str  # or every package of this region
    variants: tuple[engine.Variant, ...]  # by id: the order assignment places weights in
    weights: tuple[int, ...]

    def covers(self, package: EsimPackage) -> bool:
        if self.covers_everything or str(package.pk) in self.package_ids:
            return True
        if self.country_code and self.country_code in package.location_codes:
            return True
        return bool(self.region) and package.region == self.region

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
                covers_everything=experiment.covers_everything,
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


@dataclass(frozen=True)
class _Held:
    version: tuple[str, int]  # the release and the catalogue version it was read at
    live: tuple[LiveExperiment, ...]
    since: datetime  # read at this moment,
    until: datetime | None  # and true until this one (None: until a change)

    def holds(self, version: tuple[str, int], now: datetime) -> bool:
        return (
            self.version == version
            and self.since <= now
            and (self.until is None or now < self.until)
        )


_held: _Held | None = None  # this process's copy


def _shared(now: datetime) -> tuple[tuple[LiveExperiment, ...], datetime | None]:
    def build() -> tuple[tuple[tuple[LiveExperiment, ...], datetime | None], float]:
        experiments = PriceExperiment.objects.filter(running_at(now)).prefetch_related("variants")
        change = next_experiment_change(now)
        return (_live(list(experiments)), change), seconds_until(change, now)

    return cast(
        tuple[tuple[LiveExperiment, ...], datetime | None],
        cached_answer("experiments", {}, build),
    )


def live_experiments(now: datetime) -> tuple[LiveExperiment, ...]:
    global _held
    if settings.CATALOG_CACHE_SECONDS <= 0:
        return _shared(now)[0]
    try:
        version = (settings.APP_VERSION, catalog_version())
    except Exception:  # Redis down: the shared answer is built afresh
        return _shared(now)[0]
    held = _held  # one read: another thread may replace it meanwhile
    if held is None or not held.holds(version, now):
        live, until = _shared(now)
        # Never kept longer than a cached answer: a change whose version bump was lost (Redis
        # down at that moment) shows within CATALOG_CACHE_SECONDS all the same.
        cap = now + timedelta(seconds=settings.CATALOG_CACHE_SECONDS)
        held = _held = _Held(version, live, now, min(until, cap) if until else cap)
    return held.live
