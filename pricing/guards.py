"""Warnings for the pricing console: what an admin should see before a price, a schedule or a
promo code goes live. They warn; they never refuse (a loss leader can be deliberate).

- Same priority: two overlapping schedules of one package at one priority — the earlier
  created silently wins.
- Below cost: a customer price that keeps less than the provider's cost once the payment
  provider has taken its fee (PAYMENT_FEE_BPS + PAYMENT_FEE_FIXED_CENTS), for a base price,
  a schedule, a promo code or a price experiment's variant.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings

from catalog.models import EsimPackage
from catalog.price_display import usd_text
from pricing import engine
from pricing.experiments.live import engine_variant
from pricing.models import DiscountCode, PriceExperiment, PriceSchedule
from pricing.prices import engine_schedule, usd_to_idr_rate

SHOWN = 5  # package codes named in one warning; the rest are counted


def payment_fee() -> engine.PaymentFee:
    return engine.PaymentFee(settings.PAYMENT_FEE_BPS, settings.PAYMENT_FEE_FIXED_CENTS)


def _named(codes: Sequence[str]) -> str:
    shown = ", ".join(codes[:SHOWN])
    return shown + (f" and {len(codes) - SHOWN} more" if len(codes) > SHOWN else "")


def _below_cost(price_cents: int, package: EsimPackage, fee: engine.PaymentFee) -> bool:
    return engine.sells_below_cost(
        price_cents=price_cents, cost_cents=package.base_price_cents, fee=fee
    )


def base_price_warnings(prices: Iterable[tuple[EsimPackage, int]]) -> list[str]:
    """For (package, new USD base price) pairs."""
    fee = payment_fee()
    losing = [package.package_code for package, cents in prices if _below_cost(cents, package, fee)]
    if not losing:
        return []
    return [
        f"{len(losing)} package(s) would sell below provider cost plus the payment fee: "
        f"{_named(losing)}."
    ]


def schedule_warnings(schedules: Sequence[PriceSchedule]) -> list[str]:
    """For schedules just saved (one or a whole promotion): same-priority overlaps with the
    packages' other schedules, and prices below cost. Two queries, however many schedules."""
    if not schedules:
        return []
    package_ids = {schedule.package_id for schedule in schedules}
    others: dict[Any, list[engine.Schedule]] = defaultdict(list)
    for row in PriceSchedule.objects.filter(package_id__in=package_ids, is_active=True):
        others[row.package_id].append(engine_schedule(row))
    packages = EsimPackage.objects.in_bulk(package_ids)
    fee, rate = payment_fee(), usd_to_idr_rate(max(s.starts_at for s in schedules))
    overlapping: list[str] = []
    losing: list[str] = []
    for row in schedules:
        package, schedule = packages[row.package_id], engine_schedule(row)
        clashes = engine.same_priority_overlaps(schedule, others[row.package_id])
        if clashes:
            names = ", ".join(f"“{clash.name}”" for clash in clashes)
            overlapping.append(f"{package.package_code} ({names})")
        price = engine.price_package(
            base=engine.Prices(package.price_usd_cents, package.price_idr),
            schedules=[schedule],
            moment=schedule.starts_at,
            usd_to_idr_rate=rate,
        )
        if schedule.is_active and _below_cost(price.final.usd_cents, package, fee):
            losing.append(f"{package.package_code} at {usd_text(price.final.usd_cents)}")
    warnings = []
    if overlapping:
        warnings.append(
            f"Overlaps another schedule at the same priority ({schedules[0].priority}); the "
            f"earlier created wins: {_named(overlapping)}. Give one a higher priority."
        )
    if losing:
        warnings.append(
            f"{len(losing)} package(s) would sell below provider cost plus the payment fee "
            f"during the schedule: {_named(losing)}."
        )
    return warnings


def code_warnings(code: DiscountCode) -> list[str]:
    """A code alone (no schedule) bringing a package it covers below cost plus the fee."""
    if not code.is_active:
        return []
    packages = EsimPackage.objects.filter(is_active=True).exclude(
        pk__in=code.excluded_packages or []
    )
    if code.applicable_packages:  # blank (None or empty) means every package
        packages = packages.filter(pk__in=code.applicable_packages)
    promo = engine.PromoCode(
        code=code.code,
        kind=engine.DiscountKind(code.discount_type),
        value=code.discount_value,
        max_discount_cents=code.max_discount_cents,
    )
    fee = payment_fee()
    losing = []
    for package in packages.only("package_code", "price_usd_cents", "base_price_cents"):
        total = engine.order_total(
            [engine.Line(str(package.pk), 1, package.price_usd_cents)], promo
        ).total_cents
        if _below_cost(total, package, fee):
            losing.append(package.package_code)
    if not losing:
        return []
    return [
        f"With this code, {len(losing)} package(s) would sell below provider cost plus the "
        f"payment fee: {_named(losing)}."
    ]


def experiment_warnings(experiment: PriceExperiment, packages: Iterable[EsimPackage]) -> list[str]:
    """For an experiment over `packages`: each variant that would sell one of them below cost
    plus the fee, at its base price (the variant applies after any schedule, which can only
    take more off)."""
    fee = payment_fee()
    covered = list(packages)
    warnings = []
    for row in experiment.variants.all():
        if row.is_control:
            continue
        variant = engine_variant(experiment, row)
        losing = [
            f"{package.package_code} at {usd_text(price)}"
            for package in covered
            if _below_cost(
                price := engine.variant_price(
                    engine.Prices(package.price_usd_cents, package.price_idr), variant, 0
                ).usd_cents,
                package,
                fee,
            )
        ]
        if losing:
            warnings.append(
                f"Variant “{row.name}” would sell {len(losing)} package(s) below provider cost "
                f"plus the payment fee: {_named(losing)}."
            )
    return warnings
