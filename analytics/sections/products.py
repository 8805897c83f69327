"""What sells: revenue and units by package, by country and by region, the top few of each
with the rest grouped, against the previous period."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from analytics.period import Period
from analytics.readers import fetch, sales_by_package
from analytics.report import Block, Chart, ChartKind, Column, Figure, Kind, Section, Series, Table
from catalog.models import Coverage

TOP = 10
MEASURES = ("units", "revenue_minor", "refunded_units", "refunded_minor")
OTHERS = "All others"


@dataclass(frozen=True)
class Place:
    """A package as this page groups it."""

    title: str
    country: str
    region: str


@dataclass
class Sold:
    units: int = 0
    net: int = 0  # paid less refunded
    previous_net: int = 0

    def add(self, other: Sold) -> None:
        self.units += other.units
        self.net += other.net
        self.previous_net += other.previous_net


def build(period: Period, now: datetime) -> Section:
    sold = _by_package(period, now.date())
    places = _places(sold)
    everything = Sold()
    for figures in sold.values():
        everything.add(figures)
    money = (Kind.MONEY, period.currency)
    return Section(
        (
            Figure("Net revenue", everything.net, everything.previous_net, *money),
            Figure("eSIMs sold (net)", everything.units, None, Kind.COUNT),
            Figure("Packages sold", sum(1 for s in sold.values() if s.units), None, Kind.COUNT),
        ),
        tuple(
            _top(period, sold, name, title, key)
            for name, title, key in (
                ("packages", "Package", lambda package_id: places[package_id].title),
                ("countries", "Country", lambda package_id: places[package_id].country),
                ("regions", "Region", lambda package_id: places[package_id].region),
            )
        ),
    )


def _by_package(period: Period, today: date) -> dict[Any, Sold]:
    sold: dict[Any, Sold] = defaultdict(Sold)
    for package_id, units, revenue, refunded_units, refunded in sales_by_package(
        period, today, MEASURES
    ):
        sold[package_id].units = int(units - refunded_units)
        sold[package_id].net = int(revenue - refunded)
    for package_id, _units, revenue, _refunded_units, refunded in sales_by_package(
        period.previous(), today, MEASURES
    ):
        sold[package_id].previous_net = int(revenue - refunded)
    return sold


def _places(sold: dict[Any, Sold]) -> dict[Any, Place]:
    """Every package's title, country and region, read as plain values (the whole catalogue
    is a few thousand rows; loading them as models took longer than the sums)."""
    places = {}
    for package_id, title, coverage, region, code, country in fetch(
        "SELECT id, COALESCE(NULLIF(display_name, ''), name), coverage, region,"
        " location_codes[1], location_names ->> location_codes[1] FROM catalog_esimpackage",
        [],
    ):
        if package_id not in sold:
            continue
        if coverage == Coverage.SINGLE and code:
            name = country or code
        else:
            name = f"Several countries ({region or coverage})"
        places[package_id] = Place(title, name, region or "unknown")
    for package_id in sold:
        places.setdefault(package_id, Place("(package removed)", "unknown", "unknown"))
    return places


def _top(
    period: Period, sold: dict[Any, Sold], name: str, label: str, key: Callable[[Any], str]
) -> Block:
    grouped: dict[str, Sold] = defaultdict(Sold)
    for package_id, figures in sold.items():
        grouped[key(package_id)].add(figures)
    ranked = sorted(grouped.items(), key=lambda item: (-item[1].net, item[0]))
    shown = ranked[:TOP]
    if len(ranked) > TOP:
        rest = Sold()
        for _, figures in ranked[TOP:]:
            rest.add(figures)
        shown.append((f"{OTHERS} ({len(ranked) - TOP})", rest))
    title = f"Net revenue by {label.lower()}"
    return Block(
        title,
        Chart(
            ChartKind.BARS,
            title,
            tuple(group for group, _ in shown),
            (
                Series("This period", tuple(figures.net for _, figures in shown)),
                Series("Previous period", tuple(figures.previous_net for _, figures in shown)),
            ),
            Kind.MONEY,
            period.currency,
        ),
        Table(
            name,
            title,
            (
                Column("name", label, Kind.TEXT),
                Column("units", "eSIMs (net)", Kind.COUNT),
                Column("net", "Net revenue", Kind.MONEY),
                Column("previous", "Previous period", Kind.MONEY),
            ),
            tuple((group, s.units, s.net, s.previous_net) for group, s in shown),
            period.currency,
            note=f"The top {TOP}, the rest grouped; refunds taken off on the day they happened.",
        ),
    )
