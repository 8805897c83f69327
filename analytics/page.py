"""A built Section as the dashboard page shows it: figure cards, charts drawn, table cells
written, and the links that keep the page's period (the nav, each table's CSV)."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import QueryDict
from django.utils.safestring import SafeString

from analytics import charts
from analytics.formatting import cell_text, change_text, number_text
from analytics.period import Granularity, Period, automatic_granularity
from analytics.report import NUMBER_KINDS, Block, Figure, Section, Table

CSV_PARAM = "csv"


@dataclass(frozen=True)
class FigureCard:
    label: str
    value: str
    previous: str
    change: str
    tone: str  # good, bad, flat or none: the change's colour
    note: str


@dataclass(frozen=True)
class Cell:
    text: str
    is_number: bool


@dataclass(frozen=True)
class TableView:
    title: str
    headers: list[Cell]
    rows: list[list[Cell]]
    note: str
    csv_url: str


@dataclass(frozen=True)
class BlockView:
    title: str
    chart: SafeString | None
    table: TableView
    note: str


# (direction of the change, lower is better) -> the card's colour
TONES = {
    ("up", False): "good",
    ("down", False): "bad",
    ("up", True): "bad",
    ("down", True): "good",
    **{(neutral, lower): neutral for neutral in ("flat", "none") for lower in (False, True)},
}


def figure_card(figure: Figure) -> FigureCard:
    change, direction = change_text(figure)
    tone = TONES[direction, figure.lower_is_better]
    return FigureCard(
        label=figure.label,
        value=number_text(figure.value, figure.kind, figure.currency),
        previous=number_text(figure.previous, figure.kind, figure.currency),
        change=change,
        tone=tone,
        note=figure.note,
    )


def table_view(table: Table, query: QueryDict) -> TableView:
    numeric = [column.kind in NUMBER_KINDS for column in table.columns]
    return TableView(
        title=table.title,
        headers=[
            Cell(column.label, is_number)
            for column, is_number in zip(table.columns, numeric, strict=True)
        ],
        rows=[
            [
                Cell(cell_text(value, column.kind, table.currency), is_number)
                for value, column, is_number in zip(row, table.columns, numeric, strict=True)
            ]
            for row in table.rows
        ],
        note=table.note,
        csv_url=with_params(query, **{CSV_PARAM: table.name}),
    )


def block_view(block: Block, query: QueryDict) -> BlockView:
    return BlockView(
        title=block.title,
        chart=charts.render(block.chart) if block.chart else None,
        table=table_view(block.table, query),
        note=block.note,
    )


def section_context(section: Section, query: QueryDict) -> dict[str, object]:
    return {
        "figures": [figure_card(figure) for figure in section.figures],
        "blocks": [block_view(block, query) for block in section.blocks],
    }


def granularity_choices(period: Period, asked: str) -> list[tuple[str, str, bool]]:
    """(value, label, selected) for the form's select: "automatic" says what it chose."""
    automatic = automatic_granularity(period.days)
    asked = asked.strip().lower()  # as parse_period reads it
    chosen = asked if asked in Granularity else ""
    return [("", f"Automatic ({automatic})", chosen == "")] + [
        (granularity.value, granularity.value.capitalize(), chosen == granularity.value)
        for granularity in Granularity
    ]


def page_query(params: QueryDict) -> QueryDict:
    """The page's own parameters (its period), without a CSV request."""
    query = params.copy()
    query.pop(CSV_PARAM, None)
    return query


def with_params(query: QueryDict, **extra: str) -> str:
    """ "?…" for a link: `query` and `extra`, or "" when there is nothing to say."""
    params = query.copy()
    for name, value in extra.items():
        params[name] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else ""
