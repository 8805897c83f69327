"""The report values builders hand the frame: the change against the previous period, how a
figure's card reads, and mistakes a builder would make caught where they are made."""

import pytest

from analytics.formatting import change_text, number_text
from analytics.page import figure_card
from analytics.report import Block, Chart, ChartKind, Column, Figure, Kind, Section, Series, Table


@pytest.mark.parametrize(
    ("value", "previous", "change"),
    [
        (125, 100, 2500),
        (75, 100, -2500),
        (100, 100, 0),
        (2, 3, -3333),
        (1, 3, -6667),  # -66.665 %: half away from zero
        (5, 0, None),
        (5, None, None),
        (None, 5, None),
        (-50, -100, 5000),  # less negative is up
    ],
)
def test_change_is_in_basis_points_of_the_previous_value(value, previous, change):
    assert Figure("Revenue", value, previous, Kind.MONEY, "USD").change_bps == change


def test_a_card_reads_value_change_and_direction():
    revenue = Figure("Revenue", 123_456, 100_000, Kind.MONEY, "IDR")
    orders = Figure("Orders", 90, 100, Kind.COUNT)
    new = Figure("Orders", 5, 0, Kind.COUNT)
    conversion = Figure("Conversion", 1234, 1000, Kind.BPS)
    items = Figure("Items per order", 150, 150, Kind.PER_100)

    assert number_text(revenue.value, revenue.kind, revenue.currency) == "Rp 123.456"
    assert change_text(revenue) == ("▲ 23.46 %", "up")
    assert change_text(orders) == ("▼ 10.00 %", "down")
    assert change_text(new) == ("—", "none")
    # A ratio moves in percentage points: 10 % to 12.34 % is 2.34 points, not 23.4 %.
    assert change_text(conversion) == ("▲ 2.34 pp", "up")
    assert number_text(items.value, items.kind) == "1.50"
    assert change_text(items) == ("= 0.00 %", "flat")


def test_builder_mistakes_are_caught_where_they_are_made():
    with pytest.raises(ValueError, match="no currency"):
        Figure("Revenue", 1, 1, Kind.MONEY)
    with pytest.raises(ValueError, match="not a slug"):
        Table("By Month", "x", (), ())
    with pytest.raises(ValueError, match="money columns but no currency"):
        Table("m", "x", (Column("r", "Revenue", Kind.MONEY),), ())
    with pytest.raises(ValueError, match="a row of 1 cells for 2 columns"):
        Table("m", "x", (Column("a", "A", Kind.TEXT), Column("b", "B", Kind.COUNT)), (("a",),))
    with pytest.raises(ValueError, match="2 values for 3 labels"):
        Chart(ChartKind.LINE, "x", ("a", "b", "c"), (Series("s", (1, 2)),), Kind.COUNT)
    table = Table("same", "x", (), ())
    with pytest.raises(ValueError, match="repeated in a section: same"):
        Section(blocks=(Block("a", None, table), Block("b", None, table)))


def test_a_rise_is_good_news_unless_lower_is_better():
    revenue = figure_card(Figure("Revenue", 120, 100, Kind.MONEY, "USD"))
    refunds = figure_card(Figure("Refunded", 120, 100, Kind.MONEY, "USD", lower_is_better=True))
    fewer_refunds = figure_card(
        Figure("Refunded", 80, 100, Kind.MONEY, "USD", lower_is_better=True)
    )

    assert (revenue.change, revenue.tone) == ("▲ 20.00 %", "good")
    assert (refunds.change, refunds.tone) == ("▲ 20.00 %", "bad")
    assert (fewer_refunds.change, fewer_refunds.tone) == ("▼ 20.00 %", "good")
