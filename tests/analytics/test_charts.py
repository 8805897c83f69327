"""The SVG charts: what a reader sees in them (values, axes in the right currency, the drop
between funnel steps), that no label can inject markup, and a plain message without data."""

import re

import pytest

from analytics.charts import NO_DATA, nice_ticks, render
from analytics.report import Chart, ChartKind, Kind, Series

DAYS = ("2026-03-01", "2026-03-02", "2026-03-03")


def _texts(svg: str) -> list[str]:
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg)


def test_a_chart_is_an_accessible_scalable_image_with_nothing_to_run_or_fetch():
    svg = render(
        Chart(ChartKind.COLUMNS, "Revenue", DAYS, (Series("Revenue", (1, 2, 3)),), Kind.COUNT)
    )

    assert svg.startswith("<svg ")
    assert 'role="img"' in svg and 'width="100%"' in svg and 'viewBox="0 0 640 ' in svg
    assert (
        "<title>Revenue</title><desc>Columns of Revenue, 3 values, 2026-03-01 to 2026-03-03." in svg
    )
    assert "<script" not in svg and "href" not in svg and " on" not in svg.replace(" one", "")


@pytest.mark.parametrize("kind", list(ChartKind))
def test_a_hostile_label_or_name_is_written_as_text(kind):
    hostile = '</text><script>alert(1)</script><a href="javascript:x">'
    chart = Chart(kind, hostile, (hostile, "b"), (Series(hostile, (5, 3)),), Kind.COUNT)

    svg = render(chart)

    assert "<script" not in svg and "<a " not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg


@pytest.mark.parametrize("kind", list(ChartKind))
def test_no_labels_or_only_zeros_say_there_is_no_data(kind):
    empty = render(Chart(kind, "Refunds", (), (), Kind.COUNT))
    zeros = render(Chart(kind, "Refunds", DAYS, (Series("x", (0, None, 0)),), Kind.COUNT))

    for svg in (empty, zeros):
        assert _texts(svg) == [NO_DATA]
        assert "<title>Refunds</title>" in svg
        assert "<rect" not in svg and "<polyline" not in svg


def test_each_column_carries_its_value_and_the_axis_is_in_dollars():
    chart = Chart(
        ChartKind.COLUMNS,
        "Revenue",
        DAYS,
        (
            Series("This period", (123_456, 0, 99_900)),
            Series("Previous period", (100_000, None, 1)),
        ),
        Kind.MONEY,
        "USD",
    )

    svg = render(chart)

    assert "<title>2026-03-01 · This period: $1,234.56</title>" in svg
    assert "<title>2026-03-01 · Previous period: $1,000.00</title>" in svg
    assert _texts(svg)[:2] == ["This period", "Previous period"]  # the legend
    assert {"$0", "$500", "$1,000", "$1,500"} <= set(_texts(svg))
    assert set(DAYS) <= set(_texts(svg))
    # The previous period is a dashed line, broken where it has no value.
    assert svg.count("<polyline") == 2 and 'stroke-dasharray="5 3"' in svg


def test_an_idr_axis_is_in_rupiah_with_dotted_thousands():
    chart = Chart(
        ChartKind.LINE,
        "Revenue",
        DAYS,
        (Series("Revenue", (1_250_000, 3_400_000, 0)),),
        Kind.MONEY,
        "IDR",
    )

    texts = _texts(render(chart))

    assert {"Rp 0", "Rp 1.000.000", "Rp 2.000.000", "Rp 3.000.000", "Rp 4.000.000"} <= set(texts)


def test_negative_values_go_below_a_zero_line():
    chart = Chart(
        ChartKind.COLUMNS,
        "Net revenue",
        DAYS,
        (Series("Net", (5_000, -2_000, 0)),),
        Kind.MONEY,
        "USD",
    )

    svg = render(chart)

    assert _texts(svg)[:5] == ["-$20", "$0", "$20", "$40", "$60"]
    zero = re.findall(r'class="chart-zero" x1="[^"]*" y1="([^"]*)"', svg)
    negative = re.findall(r'<rect [^>]* y="([^"]*)" [^>]*><title>[^<]*: -\$20.00<', svg)
    assert negative == zero  # it hangs from the zero line


def test_a_ratio_axis_is_in_percent():
    chart = Chart(
        ChartKind.LINE, "Conversion", DAYS, (Series("Conversion", (1234, 2500, 900)),), Kind.BPS
    )

    svg = render(chart)

    assert {"0 %", "10 %", "20 %", "30 %"} <= set(_texts(svg))
    assert "<title>2026-03-01 · Conversion: 12.34 %</title>" in svg


def test_many_days_show_only_as_many_labels_as_fit():
    days = tuple(f"2026-{month:02d}-{day:02d}" for month in (1, 2, 3) for day in range(1, 29))
    chart = Chart(
        ChartKind.COLUMNS, "Orders", days, (Series("Orders", (1,) * len(days)),), Kind.COUNT
    )

    shown = [text for text in _texts(render(chart)) if text.startswith("2026-")]

    assert shown[0] == "2026-01-01"
    assert 5 <= len(shown) <= 12


def test_top_n_bars_show_each_label_and_value():
    chart = Chart(
        ChartKind.BARS,
        "Units by package",
        ("Japan 5 GB", "A package with a very long name for thirty days"),
        (Series("Units", (1_200, 80)),),
        Kind.COUNT,
    )

    texts = _texts(render(chart))

    assert texts == ["Japan 5 GB", "1,200", "A package with a very long…", "80"]


def test_a_funnel_shows_each_step_its_share_and_the_drop_between():
    chart = Chart(
        ChartKind.FUNNEL,
        "Funnel",
        ("Checkouts", "Paid", "Delivered", "Installed"),
        (Series("Checkouts", (1_000, 640, 640, 410)),),
        Kind.COUNT,
    )

    texts = _texts(render(chart))

    assert texts == [
        "Checkouts", "1,000 · 100.00 %", "▼ 36.00 % dropped",
        "Paid", "640 · 64.00 %", "▼ 0.00 % dropped",
        "Delivered", "640 · 64.00 %", "▼ 35.94 % dropped",
        "Installed", "410 · 41.00 %",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("low", "high", "ticks"),
    [
        (0, 123_456, [0, 50_000, 100_000, 150_000]),
        (0, 7, [0, 2, 4, 6, 8]),
        (0, 1, [0, 1]),
        (-2_000, 5_000, [-2_000, 0, 2_000, 4_000, 6_000]),
        (0, 0, [0, 1]),
    ],
)
def test_ticks_are_round_numbers_covering_the_values(low, high, ticks):
    assert nice_ticks(low, high) == ticks
