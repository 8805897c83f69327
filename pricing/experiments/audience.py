"""One visitor as prices see them: the variant of each live experiment they are in. Guests get
theirs from the hash alone (no query); a signed-in customer's may have been carried over from
the guest they were (one query for their stored assignments)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from catalog.models import EsimPackage
from catalog.price_display import EVERYONE, Audience
from pricing import engine
from pricing.experiments import views
from pricing.experiments.live import LiveExperiment, live_experiments
from pricing.models import ExperimentAssignment

SIGNED_IN = "u:"  # visitor ids: "u:<user id>" for an account, "g:<guest id>" for a browser/app


@dataclass(frozen=True)
class ExperimentAudience:
    """A visitor in one or more live experiments."""

    visitor: str
    experiments: tuple[LiveExperiment, ...]
    variants: tuple[engine.Variant, ...]  # the visitor's, one per experiment, in the same order

    @property
    def key(self) -> str:
        return ",".join(variant.id for variant in self.variants)

    def variant_of(self, package: EsimPackage) -> engine.Variant | None:
        for experiment, variant in zip(self.experiments, self.variants, strict=True):
            if experiment.covers(package):
                return variant
        return None

    def experiments_on(self, packages: Sequence[EsimPackage]) -> tuple[str, ...]:
        return tuple(
            experiment.id
            for experiment in self.experiments
            if any(experiment.covers(package) for package in packages)
        )

    def shown(self, experiment_ids: Sequence[str], now: datetime) -> None:
        shown = set(experiment_ids)
        views.record(
            self.visitor,
            [
                (variant.experiment_id, variant.id)
                for variant in self.variants
                if variant.experiment_id in shown
            ],
            now,
        )


def audience_for(visitor: str | None, now: datetime) -> Audience:
    if not visitor:
        return EVERYONE
    live = live_experiments(now)
    if not live:
        return EVERYONE
    stored: dict[str, str] = {}
    if visitor.startswith(SIGNED_IN):
        rows = ExperimentAssignment.objects.filter(
            visitor=visitor, experiment_id__in=[experiment.id for experiment in live]
        ).values_list("experiment_id", "variant_id")
        stored = {str(experiment_id): str(variant_id) for experiment_id, variant_id in rows}
    variants = []
    for experiment in live:
        kept = experiment.variant(stored[experiment.id]) if experiment.id in stored else None
        variants.append(kept or experiment.variant_for(visitor))
    return ExperimentAudience(visitor, live, tuple(variants))


def variant_for(audience: Audience, package: EsimPackage) -> engine.Variant | None:
    return audience.variant_of(package) if isinstance(audience, ExperimentAudience) else None
