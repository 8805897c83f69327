"""Customer prices as SQL, to sort and filter a whole catalogue by what a visitor pays now, and
the catalogue's price source (EnginePrices).

A package's price in SQL is, in this order:

1. the engine's own price when a live schedule prices it (the schedules and the visitor's
   variant on top, worked out in Python, passed as one JSON map looked up per row);
2. else, when an experiment the visitor is in covers it, the variant applied to its base price
   in SQL (`variant_sql`), with the engine's own rounding: a variant over a whole catalogue
   would otherwise put every package in the map (2,500 entries parsed per query);
3. else its base price.

tests/pricing/test_price_sql.py checks that the SQL price equals the engine's everywhere.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, cast

from django.db.models import BigIntegerField, F, Min, Q
from django.db.models.expressions import Combinable, RawSQL

from catalog.cache import cached_answer, seconds_until
from catalog.models import EsimPackage
from catalog.price_display import EVERYONE, Audience, base_price_field
from pricing import engine
from pricing.experiments.audience import ExperimentAudience, audience_for
from pricing.experiments.live import LiveExperiment, next_experiment_change
from pricing.models import ExchangeRate, PriceExperiment, PriceSchedule
from pricing.prices import ENGINE_COLUMNS, display_prices, schedule_from_values, usd_to_idr_rate

NO_CLAMP = 10**12  # a price so high no variant brings it to zero: to read a variant's shift


# ------------------------------------------------------------------------------ variants
@dataclass(frozen=True)
class VariantTerms:
    """A variant as SQL applies it, per currency, worked out by the engine where it can be:
    "same" (the control), "percentage" (signed basis points, rounded in SQL as the engine
    rounds), "shift" (a signed amount) or "set" (a price)."""

    experiment_id: str
    kind: str
    usd: int
    idr: int


def variant_terms(experiment_id: str, variant: engine.Variant, rate: int) -> VariantTerms:
    if variant.kind is None:
        return VariantTerms(experiment_id, "same", 0, 0)
    if variant.kind is engine.DiscountKind.PERCENTAGE:
        bps = min(max(variant.value, -engine.BPS), engine.BPS)
        return VariantTerms(experiment_id, "percentage", bps, bps)
    if variant.kind is engine.DiscountKind.FIXED:
        high = engine.Prices(NO_CLAMP, NO_CLAMP)
        moved = engine.variant_price(high, variant, rate).minus(high)
        return VariantTerms(experiment_id, "shift", moved.usd_cents, moved.idr)
    price = engine.variant_price(engine.Prices(0, 0), variant, rate)  # a set price
    return VariantTerms(experiment_id, "set", price.usd_cents, price.idr)


def variant_sql(kind: str, amount: int, base: str) -> tuple[str, list[Any]]:
    """SQL (and its parameters) for what a variant makes of the price `base` (SQL of a
    non-negative price in minor units), never below zero. A percentage moves it by
    round_half_up_div(base x |bps|, 10,000), signed, as the engine does; worked out on
    base = q x 10,000 + r as q x |bps| + (2 r |bps| + 10,000) div 20,000 (exact), so no product
    outgrows a bigint, however high the price."""
    if kind == "same":
        return base, []
    if kind == "set":
        return "%s::bigint", [amount]
    price = f"({base})::bigint"
    if kind == "shift":
        return f"GREATEST(0, {price} + %s)", [amount]
    bps, sign = abs(amount), "+" if amount >= 0 else "-"
    whole, rest = f"{price} / {engine.BPS} * %s", f"{price} %% {engine.BPS} * %s"
    size = f"({whole} + ({rest} + {engine.BPS}) / {2 * engine.BPS})"
    return f"GREATEST(0, {price} {sign} {size})", [bps, 2 * bps]


def _coverage_sql(experiment: LiveExperiment, table: str) -> tuple[str, list[Any]]:
    """SQL for "a live experiment covers this package": its named packages (by a subquery: a
    whole catalogue named is not 2,500 literals in every query), a country's, a region's."""
    if experiment.covers_everything:
        return "true", []
    through = PriceExperiment.packages.through._meta.db_table
    tests: list[str] = []
    params: list[Any] = []
    if experiment.package_ids:
        tests.append(  # only the table names are formatted in
            f'"{table}"."id" IN (SELECT "esimpackage_id" FROM "{through}" '  # noqa: S608
            'WHERE "priceexperiment_id" = %s::uuid)'
        )
        params.append(experiment.id)
    if experiment.country_code:
        tests.append(f'"{table}"."location_codes" @> ARRAY[%s]::varchar[]')
        params.append(experiment.country_code)
    if experiment.region:
        tests.append(f'"{table}"."region" = %s')
        params.append(experiment.region)
    return " OR ".join(tests) or "false", params


# ------------------------------------------------------------------------------ live prices
def _scheduled_prices(now: datetime, audience: Audience) -> dict[str, dict[str, int]]:
    """For every package a live schedule prices now: its customer price for `audience` by
    currency ({"USD": {package id: cents}, "IDR": {package id: rupiah}}), from the engine (the
    audience's variant on top). Two queries (the live schedules with their packages; the rate),
    however big the catalogue."""
    grouped: dict[Any, list[engine.Schedule]] = defaultdict(list)
    packages: dict[Any, EsimPackage] = {}
    live = PriceSchedule.objects.filter(is_active=True, starts_at__lte=now, ends_at__gt=now)
    columns = ("package__price_usd_cents", "package__price_idr")
    for values in live.values(
        *ENGINE_COLUMNS, *columns, "package__location_codes", "package__region"
    ):
        grouped[values["package_id"]].append(schedule_from_values(values))
        packages[values["package_id"]] = EsimPackage(
            pk=values["package_id"],
            price_usd_cents=values["package__price_usd_cents"],
            price_idr=values["package__price_idr"],
            location_codes=values["package__location_codes"],
            region=values["package__region"],
        )
    rate = usd_to_idr_rate(now) if packages else 0
    variant_of = audience.variant_of if isinstance(audience, ExperimentAudience) else None
    prices: dict[str, dict[str, int]] = {"USD": {}, "IDR": {}}
    for package_id, package in packages.items():
        final = engine.price_package(
            base=engine.Prices(package.price_usd_cents, package.price_idr),
            schedules=grouped[package_id],
            moment=now,
            usd_to_idr_rate=rate,
            variant=variant_of(package) if variant_of else None,
        ).final
        prices["USD"][str(package_id)] = final.usd_cents
        prices["IDR"][str(package_id)] = final.idr
    return prices


def _variants(now: datetime, audience: Audience) -> list[dict[str, Any]]:
    if not isinstance(audience, ExperimentAudience):
        return []
    needs_rate = any(
        variant.kind in (engine.DiscountKind.FIXED, engine.DiscountKind.PRICE_OVERRIDE)
        for variant in audience.variants
    )
    rate = usd_to_idr_rate(now) if needs_rate else 0
    terms = [
        variant_terms(experiment.id, variant, rate)
        for experiment, variant in zip(audience.experiments, audience.variants, strict=True)
    ]
    # Only controls: nobody's price moves, and the packages they claim keep their base price.
    return [asdict(term) for term in terms] if any(t.kind != "same" for t in terms) else []


def live_prices(now: datetime, audience: Audience = EVERYONE) -> dict[str, Any]:
    """What holds until the next price change, shared by every request of the same audience
    until then (or until the catalogue changes): the scheduled packages' prices as JSON by
    currency ("" when none), the audience's variants' terms under "variants" (in the order
    that claims a package covered twice) and, under "next_change", that moment in ISO 8601
    ("" for none)."""

    def build() -> tuple[dict[str, Any], float]:
        change = next_change(now)
        prices = _scheduled_prices(now, audience)
        snapshot: dict[str, Any] = {
            currency: json.dumps(by_id) if by_id else "" for currency, by_id in prices.items()
        }
        snapshot["variants"] = _variants(now, audience)
        snapshot["next_change"] = change.isoformat() if change else ""
        return snapshot, seconds_until(change, now)

    return cast(dict[str, Any], cached_answer("live-prices", {"audience": audience.key}, build))


def next_price_change(now: datetime) -> datetime | None:
    """`next_change`, read from the shared snapshot."""
    moment = live_prices(now)["next_change"]
    return datetime.fromisoformat(moment) if moment else None


def price_expression(currency: str, now: datetime, audience: Audience = EVERYONE) -> Combinable:
    """What a customer of `audience` pays for a package at `now`, as SQL (see the module): one
    fragment, cheap to compile, for the catalogue's queries to filter and sort by."""
    snapshot = live_prices(now, audience)
    field = base_price_field(currency)
    table = EsimPackage._meta.db_table
    base = f'"{table}"."{field}"'
    price, params = base, []
    if snapshot["variants"] and isinstance(audience, ExperimentAudience):
        amount = "usd" if currency == "USD" else "idr"
        experiments = {experiment.id: experiment for experiment in audience.experiments}
        cases = []
        for terms in snapshot["variants"]:  # the first experiment covering a package prices it
            covered, covered_params = _coverage_sql(experiments[terms["experiment_id"]], table)
            varied, varied_params = variant_sql(terms["kind"], terms[amount], base)
            cases.append(f"WHEN {covered} THEN {varied}")
            params += [*covered_params, *varied_params]
        price = f"CASE {' '.join(cases)} ELSE {base} END"
    if snapshot[currency]:
        price = f'COALESCE((%s::jsonb ->> "{table}"."id"::text)::bigint, {price})'
        params = [snapshot[currency], *params]
    if price == base:
        return F(field)
    return RawSQL(price, params, output_field=BigIntegerField())  # noqa: S611 (names only)


def next_change(now: datetime) -> datetime | None:
    """The next moment any schedule or experiment starts or ends, or a new exchange rate takes
    effect: until then every price holds."""
    found = PriceSchedule.objects.filter(is_active=True, ends_at__gt=now).aggregate(
        start=Min("starts_at", filter=Q(starts_at__gt=now)), end=Min("ends_at")
    )
    new_rate = ExchangeRate.objects.filter(valid_from__gt=now).aggregate(at=Min("valid_from"))
    moments = [*found.values(), new_rate["at"], next_experiment_change(now)]
    return min((moment for moment in moments if moment is not None), default=None)


class EnginePrices:
    """The catalogue's price source (registered in pricing.apps)."""

    audience = staticmethod(audience_for)
    display_prices = staticmethod(display_prices)
    price_expression = staticmethod(price_expression)
    next_change = staticmethod(next_price_change)
