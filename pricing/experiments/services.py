"""An experiment's life: draft -> running <-> paused -> completed, and its winner applied as a
price schedule. Every change locks the experiment, and starts take one lock between them, so
two admins starting overlapping experiments at once cannot both succeed.

Variants and weights are frozen once an experiment has started (the admin shows them read-only
then): a visitor's variant comes from the weights, so changing them would move visitors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Q

from catalog.cache import invalidate_catalog_cache
from catalog.models import EsimPackage
from hiroam.api.errors import ConflictError, DomainError
from pricing import engine
from pricing.experiments.live import engine_variant
from pricing.models import PriceExperiment, PriceSchedule, PriceVariant
from pricing.prices import usd_to_idr_rate
from pricing.services import Actor, create_schedules

Status = PriceExperiment.Status
START_LOCK = 0x45585052  # pg_advisory_xact_lock: one start or resume at a time
NAMED = 5  # package codes named in a refusal; the rest are counted

# What each action may start from.
_ALLOWED = {
    "start": {Status.DRAFT},
    "pause": {Status.RUNNING},
    "resume": {Status.PAUSED},
    "complete": {Status.DRAFT, Status.RUNNING, Status.PAUSED},
}


def coverage(experiment: PriceExperiment) -> Q:
    """The packages an experiment covers, as a filter: every one, or the named ones, a
    country's, a region's."""
    if experiment.covers_everything:
        return Q()
    covered = Q(pk__in=experiment.packages.values("pk"))
    if experiment.country_code:
        covered |= Q(location_codes__contains=[experiment.country_code.upper()])
    if experiment.region:
        covered |= Q(region=experiment.region)
    return covered


def covered_packages(experiment: PriceExperiment) -> Any:
    return EsimPackage.objects.filter(coverage(experiment)).order_by("package_code")


def _named(codes: list[str], total: int) -> str:
    return ", ".join(codes) + (f" and {total - len(codes)} more" if total > len(codes) else "")


def _locked(experiment_id: Any, action: str) -> PriceExperiment:
    experiment = PriceExperiment.objects.select_for_update().get(pk=experiment_id)
    if experiment.status not in _ALLOWED[action]:
        raise ConflictError(
            f"“{experiment.name}” is {experiment.get_status_display().lower()}: it cannot {action}."
        )
    return experiment


def _check_can_run(experiment: PriceExperiment, now: datetime) -> None:
    """Refuses an experiment that could not price anything, or that would price a package a
    running experiment already prices."""
    variants = list(experiment.variants.all())
    if sum(variant.is_control for variant in variants) != 1 or len(variants) < 2:
        raise DomainError("An experiment needs one control and at least one other variant.")
    if experiment.ends_at is not None and experiment.ends_at <= now:
        raise DomainError("Its end has passed: set a later end, or none.")
    if experiment.covers_everything and experiment.packages.exists():
        raise DomainError("It covers every package: name none.")
    mine = covered_packages(experiment)
    if not mine.exists():
        raise DomainError(
            "It covers no package: name packages, a country or a region, or tick every package."
        )
    running = PriceExperiment.objects.filter(status=Status.RUNNING).exclude(pk=experiment.pk)
    for other in running:
        shared = mine.filter(coverage(other))
        total = shared.count()
        if total:
            codes = list(shared.values_list("package_code", flat=True)[:NAMED])
            raise ConflictError(
                f"The running experiment “{other.name}” already covers {total} of its "
                f"package(s): {_named(codes, total)}. Two running experiments may not cover "
                "the same package: pause or complete it, or cover other packages.",
                details={"experiment": str(other.pk), "packages": codes},
            )


def _run(experiment_id: Any, action: str, now: datetime) -> PriceExperiment:
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [START_LOCK])
        experiment = _locked(experiment_id, action)
        _check_can_run(experiment, now)
        experiment.status = Status.RUNNING
        experiment.started_at = experiment.started_at or now
        experiment.save(update_fields=["status", "started_at", "updated_at"])
        with connection.cursor() as cursor:
            # Catalogue queries probe its named packages on every row (pricing.price_sql):
            # planned on fresh counts from the first request, not after autovacuum's visit.
            cursor.execute(f'ANALYZE "{PriceExperiment.packages.through._meta.db_table}"')
        invalidate_catalog_cache()
    return experiment


def start_experiment(*, experiment_id: Any, now: datetime) -> PriceExperiment:
    return _run(experiment_id, "start", now)


def resume_experiment(*, experiment_id: Any, now: datetime) -> PriceExperiment:
    return _run(experiment_id, "resume", now)


def pause_experiment(*, experiment_id: Any, now: datetime) -> PriceExperiment:
    """Visitors see the normal prices until it resumes; their variants are kept."""
    with transaction.atomic():
        experiment = _locked(experiment_id, "pause")
        experiment.status = Status.PAUSED
        experiment.save(update_fields=["status", "updated_at"])
        invalidate_catalog_cache()
    return experiment


def complete_experiment(*, experiment_id: Any, now: datetime) -> PriceExperiment:
    """For good: its prices stop, its figures stay."""
    with transaction.atomic():
        experiment = _locked(experiment_id, "complete")
        _complete(experiment, now)
    return experiment


def _complete(experiment: PriceExperiment, now: datetime) -> None:
    experiment.status = Status.COMPLETED
    experiment.completed_at = now
    experiment.save(update_fields=["status", "completed_at", "winner", "updated_at"])
    invalidate_catalog_cache()


# ------------------------------------------------------------------------------ the winner
@dataclass(frozen=True)
class WinnerTerms:
    """How long the winner's price holds, and how it ranks among the packages' schedules."""

    ends_at: datetime
    priority: int = 0
    badge_text: str = ""


def _schedule_terms(package: EsimPackage, variant: engine.Variant, rate: int) -> dict[str, Any]:
    """The schedule that prices `package` as the variant did. A cut by basis points or cents
    stays one (it follows later base price changes); a set price stays one; a rise, which a
    discount cannot express, becomes the package's own set price."""
    if variant.kind is engine.DiscountKind.PERCENTAGE and variant.value < 0:
        return {"discount_type": "percentage", "discount_value": -variant.value}
    if variant.kind is engine.DiscountKind.FIXED and variant.value < 0:
        return {"discount_type": "fixed", "discount_value": -variant.value}
    if variant.kind is engine.DiscountKind.PRICE_OVERRIDE:
        return {
            "schedule_type": "price_override",
            "override_price_usd_cents": variant.override_usd_cents,
            "override_price_idr": variant.override_idr,
        }
    price = engine.variant_price(
        engine.Prices(package.price_usd_cents, package.price_idr), variant, rate
    )
    return {
        "schedule_type": "price_override",
        "override_price_usd_cents": price.usd_cents,
        "override_price_idr": price.idr,
    }


def apply_winner(
    *,
    experiment_id: Any,
    variant_id: Any,
    terms: WinnerTerms,
    user: Actor,
    now: datetime,
) -> list[PriceSchedule]:
    """Completes the experiment (if it is not yet) with `variant_id` as its winner, and prices
    every package it covers as that variant did, from now until `terms.ends_at`: one schedule
    per package, each in the price history. The control winning changes no price."""
    with transaction.atomic():
        experiment = PriceExperiment.objects.select_for_update().get(pk=experiment_id)
        if experiment.winner_id is not None:
            raise ConflictError(f"“{experiment.name}” already has its winner applied.")
        try:
            winner = experiment.variants.get(pk=variant_id)
        except PriceVariant.DoesNotExist as missing:
            raise DomainError("That variant is not one of this experiment's.") from missing
        if terms.ends_at <= now:
            raise DomainError("The winner's price must end after now.")
        experiment.winner = winner
        if experiment.status != Status.COMPLETED:
            _complete(experiment, now)
        else:
            experiment.save(update_fields=["winner", "updated_at"])
        if winner.is_control:
            return []
        variant = engine_variant(experiment, winner)
        rate = usd_to_idr_rate(now)
        name = f"{experiment.name}: {winner.name}"[:100]
        common = {
            "schedule_name": name,
            "starts_at": now,
            "ends_at": terms.ends_at,
            "priority": terms.priority,
            "badge_text": terms.badge_text,
        }
        return create_schedules(
            [
                (package, {**common, **_schedule_terms(package, variant, rate)})
                for package in covered_packages(experiment).filter(is_active=True)
            ],
            user=user,
            reason=f"winner of the price experiment “{experiment.name}”",
            now=now,
        )
