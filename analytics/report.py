"""What a section builder hands the dashboard: figures with their previous-period values, and
blocks of a chart over a table. Plain values only; the page, the SVG charts and the CSV export
decide how they look.

Numbers are integers: money in the minor units of its currency (USD cents, whole rupiah),
ratios in basis points (12.34 % = 1234), averages that need decimals times 100 (1.50 = 150).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """What a number (or a table cell) is, which decides how it is written."""

    COUNT = "count"
    MONEY = "money"  # minor units of the figure's, chart's or table's currency
    BPS = "bps"  # a ratio in basis points: 1234 is 12.34 %
    PER_100 = "per_100"  # a value times 100: 150 is 1.50
    TEXT = "text"  # table cells only
    DATE = "date"  # table cells only: a datetime.date
    MONTH = "month"  # table cells only: a datetime.date, written as its month (2026-03)


NUMBER_KINDS = frozenset({Kind.COUNT, Kind.MONEY, Kind.BPS, Kind.PER_100})
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def change_bps(value: int | None, previous: int | None) -> int | None:
    """How much `value` moved against `previous`, in basis points of |previous| (+2500: up a
    quarter), rounded half away from zero; None when there is nothing to compare with."""
    if value is None or not previous:
        return None
    numerator, denominator = (value - previous) * 10_000, abs(previous)
    magnitude = (abs(numerator) * 2 + denominator) // (denominator * 2)
    return magnitude if numerator >= 0 else -magnitude


@dataclass(frozen=True)
class Figure:
    label: str
    value: int | None  # None: cannot be told for this period (e.g. an average of no orders)
    previous: int | None  # the same figure over Period.previous()
    kind: Kind
    currency: str | None = None  # for Kind.MONEY
    note: str = ""
    lower_is_better: bool = False  # refunds, expired points: a rise is bad news

    def __post_init__(self) -> None:
        _check_number_kind(self.kind, self.currency, self.label)

    @property
    def change_bps(self) -> int | None:
        return change_bps(self.value, self.previous)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: Kind


@dataclass(frozen=True)
class Table:
    name: str  # a slug, unique within its section: the CSV link asks for the table by it
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[object, ...], ...]
    currency: str | None = None  # of its Kind.MONEY columns
    note: str = ""

    def __post_init__(self) -> None:
        if not _SLUG.fullmatch(self.name):
            raise ValueError(f"Table name {self.name!r} is not a slug (a-z, 0-9, -).")
        if any(column.kind is Kind.MONEY for column in self.columns) and not self.currency:
            raise ValueError(f"Table {self.name!r} has money columns but no currency.")
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(
                    f"Table {self.name!r}: a row of {len(row)} cells for {len(self.columns)} "
                    "columns."
                )


class ChartKind(StrEnum):
    COLUMNS = "columns"  # vertical columns over time; further series drawn as lines
    BARS = "bars"  # horizontal bars with their labels: a top N
    FUNNEL = "funnel"  # steps shrinking, with the drop between each
    LINE = "line"  # lines over time


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[int | None, ...]  # one per label of the chart; None: no value there


@dataclass(frozen=True)
class Chart:
    kind: ChartKind
    title: str
    labels: tuple[str, ...]
    series: tuple[Series, ...]  # the first is the period's; e.g. the previous period's second
    value_kind: Kind
    currency: str | None = None  # for Kind.MONEY

    def __post_init__(self) -> None:
        _check_number_kind(self.value_kind, self.currency, self.title)
        for series in self.series:
            if len(series.values) != len(self.labels):
                raise ValueError(
                    f"Chart {self.title!r}: series {series.name!r} has {len(series.values)} "
                    f"values for {len(self.labels)} labels."
                )


@dataclass(frozen=True)
class Block:
    title: str
    chart: Chart | None
    table: Table
    note: str = ""


@dataclass(frozen=True)
class Section:
    figures: tuple[Figure, ...] = ()
    blocks: tuple[Block, ...] = ()

    def __post_init__(self) -> None:
        names = [block.table.name for block in self.blocks]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"Table names repeated in a section: {', '.join(repeated)}.")

    def table(self, name: str) -> Table | None:
        return next((block.table for block in self.blocks if block.table.name == name), None)


def _check_number_kind(kind: Kind, currency: str | None, what: str) -> None:
    if kind not in NUMBER_KINDS:
        raise ValueError(f"{what!r}: a figure or chart holds numbers, not {kind}.")
    if kind is Kind.MONEY and not currency:
        raise ValueError(f"{what!r} is money but has no currency.")
