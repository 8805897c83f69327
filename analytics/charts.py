"""Charts drawn on the server as inline SVG: no script, nothing fetched, every label escaped.

Each chart has a fixed viewBox and scales to its container (width 100%); it names itself to
screen readers (role img, <title>, <desc>), and each column, point or bar carries its value in
a <title> the browser shows on hover. The table under a chart holds every value; the chart
only has to make the shape readable. Colours come from classes (analytics/dashboard.css, which
follows the admin's light and dark themes), with presentation attributes as a fallback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from analytics.formatting import axis_text, decimal_text, number_text
from analytics.report import Chart, ChartKind, change_bps

WIDTH = 640
PLOT_HEIGHT = 180  # of columns and lines, between the legend and the labels below
FONT = 11
CHAR_WIDTH = 6.2  # an average character at FONT px, to lay out text without measuring it
NO_DATA = "No data for this period"
SERIES_COLOURS = ("#417690", "#d08a2c", "#5a9e3a", "#8f5aa8")
GRID_COLOUR = "#d9d9d9"
TEXT_COLOUR = "#595959"
BAR_ROW = 24
FUNNEL_ROW = 46
BAR_LABEL_CHARS = 28


def render(chart: Chart) -> SafeString:
    """The chart as an <svg> element, ready to put into a page."""
    if not _has_data(chart):
        return _svg(chart, 120, _text(WIDTH / 2, 64, NO_DATA, anchor="middle", cls="chart-empty"))
    if chart.kind is ChartKind.BARS:
        return _bars(chart)
    if chart.kind is ChartKind.FUNNEL:
        return _funnel(chart)
    return _over_time(chart)


def _has_data(chart: Chart) -> bool:
    return bool(chart.labels) and any(value for series in chart.series for value in series.values)


# ---------------------------------------------------------------- columns and lines


def _over_time(chart: Chart) -> SafeString:
    values = [value for series in chart.series for value in series.values if value is not None]
    ticks = nice_ticks(min(0, *values), max(0, *values))
    tick_texts = [axis_text(tick, chart.value_kind, chart.currency) for tick in ticks]
    left = max(40.0, max(len(text) for text in tick_texts) * CHAR_WIDTH + 12)
    top = 26.0 if len(chart.series) > 1 else 10.0
    plot_width = WIDTH - left - 12
    height = top + PLOT_HEIGHT + 30

    def y(value: int) -> float:
        return top + PLOT_HEIGHT * (ticks[-1] - value) / (ticks[-1] - ticks[0])

    slot = plot_width / len(chart.labels)
    centres = [left + slot * (index + 0.5) for index in range(len(chart.labels))]
    parts = [_legend(chart, left)]
    for tick, text in zip(ticks, tick_texts, strict=True):
        parts.append(_line(left, y(tick), WIDTH - 12, y(tick), "chart-grid", GRID_COLOUR))
        parts.append(_text(left - 6, y(tick) + 4, text, anchor="end", cls="chart-axis"))
    parts.append(_x_labels(chart.labels, centres, top + PLOT_HEIGHT + 16, slot))

    lines = chart.series
    if chart.kind is ChartKind.COLUMNS:
        lines = chart.series[1:]
        width = min(slot * 0.7, 48)
        for label, centre, value in zip(chart.labels, centres, chart.series[0].values, strict=True):
            if value is None:
                continue
            rect_top, rect_bottom = sorted((y(value), y(0)))
            parts.append(
                format_html(
                    '<rect class="chart-series-0" fill="{}" x="{}" y="{}" width="{}" '
                    'height="{}"><title>{}</title></rect>',
                    SERIES_COLOURS[0],
                    _n(centre - width / 2),
                    _n(rect_top),
                    _n(width),
                    _n(max(rect_bottom - rect_top, 0.5)),
                    _hover(chart, label, chart.series[0].name, value),
                )
            )
    first = len(chart.series) - len(lines)
    for index, series in enumerate(lines, start=first):
        parts.append(_polyline(chart, series.name, series.values, centres, y, index))
    parts.append(_line(left, y(0), WIDTH - 12, y(0), "chart-zero", TEXT_COLOUR))
    return _svg(chart, height, _join(parts))


def _polyline(
    chart: Chart,
    name: str,
    values: Sequence[int | None],
    centres: Sequence[float],
    y: Callable[[int], float],
    index: int,
) -> SafeString:
    """A series as a line (broken where it has no value), dashed unless it is the first, with
    a dot per point when there is room to see them."""
    colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
    runs: list[list[str]] = [[]]
    dots = []
    for label, centre, value in zip(chart.labels, centres, values, strict=True):
        if value is None:
            runs.append([])
            continue
        runs[-1].append(f"{_n(centre)},{_n(y(value))}")
        if len(values) <= 60:
            dots.append(
                format_html(
                    '<circle cx="{}" cy="{}" r="3" fill="{}"><title>{}</title></circle>',
                    _n(centre),
                    _n(y(value)),
                    colour,
                    _hover(chart, label, name, value),
                )
            )
    dash = "" if index == 0 else "5 3"
    lines = [
        format_html(
            '<polyline points="{}" fill="none" stroke="{}" stroke-width="2"{}/>',
            " ".join(run),
            colour,
            format_html(' stroke-dasharray="{}"', dash) if dash else "",
        )
        for run in runs
        if run
    ]
    return format_html('<g class="chart-series-{}">{}{}</g>', index, _join(lines), _join(dots))


def _x_labels(labels: Sequence[str], centres: Sequence[float], y: float, slot: float) -> SafeString:
    """Every label if they fit, else every second, third…: never written over each other."""
    widest = max(len(label) for label in labels) * CHAR_WIDTH + 8
    step = max(1, -(-int(widest) // max(int(slot), 1)))
    return _join(
        _text(centre, y, label, anchor="middle", cls="chart-axis")
        for index, (label, centre) in enumerate(zip(labels, centres, strict=True))
        if index % step == 0
    )


def _legend(chart: Chart, left: float) -> SafeString:
    if len(chart.series) < 2:
        return format_html("{}", "")
    items = []
    x = left
    for index, series in enumerate(chart.series):
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        items.append(
            format_html(
                '<rect class="chart-series-{}" x="{}" y="6" width="12" height="10" fill="{}"/>',
                index,
                _n(x),
                colour,
            )
        )
        items.append(_text(x + 16, 15, series.name, cls="chart-legend"))
        x += 16 + len(series.name) * CHAR_WIDTH + 18
    return _join(items)


def nice_ticks(low: int, high: int, *, count: int = 4) -> list[int]:
    """Round tick values from at or below `low` to at or above `high`: steps of 1, 2 or 5
    times a power of ten, about `count` of them (integers: ticks are in the data's units)."""
    if high == low:
        high = low + 1
    rough = -(-(high - low) // count)
    power = 10 ** (len(str(rough)) - 1)
    step = next(power * factor for factor in (1, 2, 5, 10) if power * factor >= rough)
    first = (low // step) * step
    last = -(-high // step) * step
    return list(range(first, last + 1, step))


# ---------------------------------------------------------------- horizontal bars


def _bars(chart: Chart) -> SafeString:
    """One row per label: the label, its bar, its value; a second series as a thin bar under
    the first (the previous period's value)."""
    first = chart.series[0]
    largest = max((value or 0 for series in chart.series for value in series.values), default=0)
    top = 26.0 if len(chart.series) > 1 else 6.0
    label_width, value_width = BAR_LABEL_CHARS * CHAR_WIDTH + 10, 100
    bar_room = WIDTH - label_width - value_width
    parts = [_legend(chart, label_width)]
    for row, label in enumerate(chart.labels):
        y = top + row * BAR_ROW
        value = first.values[row]
        shown = label
        if len(label) > BAR_LABEL_CHARS:  # the whole label is in the bar's <title>
            shown = label[: BAR_LABEL_CHARS - 1].rstrip() + "…"
        parts.append(_text(label_width - 8, y + 15, shown, anchor="end", cls="chart-label"))
        length = bar_room * max(value or 0, 0) / largest if largest > 0 else 0
        parts.append(
            format_html(
                '<rect class="chart-series-0" fill="{}" x="{}" y="{}" width="{}" height="14">'
                "<title>{}</title></rect>",
                SERIES_COLOURS[0],
                _n(label_width),
                _n(y + 4),
                _n(max(length, 1)),
                _hover(chart, label, first.name, value),
            )
        )
        for index, series in enumerate(chart.series[1:], start=1):
            other = series.values[row]
            other_length = bar_room * max(other or 0, 0) / largest if largest > 0 else 0
            parts.append(
                format_html(
                    '<rect class="chart-series-{}" fill="{}" x="{}" y="{}" width="{}" '
                    'height="3"><title>{}</title></rect>',
                    index,
                    SERIES_COLOURS[index % len(SERIES_COLOURS)],
                    _n(label_width),
                    _n(y + 19),
                    _n(other_length),
                    _hover(chart, label, series.name, other),
                )
            )
        value_text = number_text(value, chart.value_kind, chart.currency)
        parts.append(_text(label_width + length + 6, y + 15, value_text, cls="chart-value"))
    return _svg(chart, top + len(chart.labels) * BAR_ROW + 6, _join(parts))


# ---------------------------------------------------------------- funnel


def _funnel(chart: Chart) -> SafeString:
    """Each step a bar centred under the one before, as long as its share of the first step;
    beside it the count and that share, and between two steps how many dropped out."""
    values = [value or 0 for value in chart.series[0].values]
    widest = max(values)
    label_width, value_width = 150.0, 150.0
    bar_room = WIDTH - label_width - value_width
    centre = label_width + bar_room / 2
    parts = []
    for row, (label, value) in enumerate(zip(chart.labels, values, strict=True)):
        y = 6 + row * FUNNEL_ROW
        length = bar_room * max(value, 0) / widest if widest > 0 else 0
        parts.append(_text(label_width - 8, y + 17, label, anchor="end", cls="chart-label"))
        parts.append(
            format_html(
                '<rect class="chart-series-0" fill="{}" x="{}" y="{}" width="{}" height="24">'
                "<title>{}</title></rect>",
                SERIES_COLOURS[0],
                _n(centre - max(length, 1) / 2),
                _n(y + 2),
                _n(max(length, 1)),
                _hover(chart, label, chart.series[0].name, value),
            )
        )
        share = f" · {decimal_text(value * 10_000 // values[0], 2)} %" if values[0] > 0 else ""
        value_text = number_text(value, chart.value_kind, chart.currency) + share
        parts.append(_text(WIDTH - value_width + 8, y + 18, value_text, cls="chart-value"))
        if row + 1 < len(values):
            change = change_bps(values[row + 1], value)
            if change is not None and change <= 0:
                drop = f"▼ {decimal_text(-change, 2)} % dropped"
                parts.append(
                    _text(centre, y + FUNNEL_ROW - 4, drop, anchor="middle", cls="chart-drop")
                )
    return _svg(chart, 12 + len(values) * FUNNEL_ROW - 10, _join(parts))


# ---------------------------------------------------------------- pieces


def _svg(chart: Chart, height: float, body: SafeString) -> SafeString:
    return format_html(
        '<svg class="analytics-chart chart-{}" xmlns="http://www.w3.org/2000/svg" '
        'viewBox="0 0 {} {}" width="100%" role="img" font-size="{}">'
        "<title>{}</title><desc>{}</desc>{}</svg>",
        chart.kind,
        WIDTH,
        _n(height),
        FONT,
        chart.title,
        _description(chart),
        body,
    )


def _description(chart: Chart) -> str:
    if not _has_data(chart):
        return f"{chart.title}: {NO_DATA.lower()}."
    shape = {
        ChartKind.COLUMNS: "Columns",
        ChartKind.LINE: "Lines",
        ChartKind.BARS: "Bars",
        ChartKind.FUNNEL: "Funnel",
    }[chart.kind]
    names = " and ".join(series.name for series in chart.series)
    span = chart.labels[0] if len(chart.labels) == 1 else f"{chart.labels[0]} to {chart.labels[-1]}"
    first = chart.series[0]
    pairs = zip(chart.labels, first.values, strict=True)
    known = [(value, label) for label, value in pairs if value is not None]
    highest = ""
    if known:
        value, label = max(known, key=lambda pair: pair[0])
        highest = (
            f" Highest {first.name}: {number_text(value, chart.value_kind, chart.currency)}"
            f" ({label})."
        )
    return f"{shape} of {names}, {len(chart.labels)} values, {span}.{highest} The table lists all."


def _hover(chart: Chart, label: str, name: str, value: int | None) -> str:
    return f"{label} · {name}: {number_text(value, chart.value_kind, chart.currency)}"


def _text(x: float, y: float, text: str, *, anchor: str = "start", cls: str) -> SafeString:
    return format_html(
        '<text class="{}" x="{}" y="{}" text-anchor="{}" fill="{}">{}</text>',
        cls,
        _n(x),
        _n(y),
        anchor,
        TEXT_COLOUR,
        text,
    )


def _line(x1: float, y1: float, x2: float, y2: float, cls: str, colour: str) -> SafeString:
    return format_html(
        '<line class="{}" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"/>',
        cls,
        _n(x1),
        _n(y1),
        _n(x2),
        _n(y2),
        colour,
    )


def _join(parts: Iterable[SafeString]) -> SafeString:
    # Every part was built by format_html, so it is already escaped and stays as it is.
    return format_html_join("", "{}", ((part,) for part in parts))


def _n(number: float) -> str:
    """A coordinate to one decimal, no trailing .0: the markup stays short."""
    return f"{number:.1f}".removesuffix(".0")
