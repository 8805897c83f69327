"""A table's CSV: what a spreadsheet opens (numbers as numbers, money in major units with its
currency named, ratios in percent), its file name, and no formula smuggled in by a label."""

import csv
import io
from datetime import date

import pytest

from analytics.exports import table_csv
from analytics.period import Granularity, Period
from analytics.report import Column, Kind, Table

MARCH = Period(date(2026, 3, 1), date(2026, 3, 31), "USD", Granularity.DAY)


def _rows(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"))))


def _table(rows, currency="USD", **column_kinds):
    columns = tuple(Column(key, key.capitalize(), kind) for key, kind in column_kinds.items())
    return Table("by-month", "By month", columns, tuple(rows), currency=currency)


def test_a_download_is_named_by_section_table_and_period():
    response = table_csv(_table([]), section="overview", period=MARCH)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="hiroam-overview-by-month-2026-03-01-2026-03-31.csv"'
    )
    assert {"private", "no-store"} <= {d.strip() for d in response["Cache-Control"].split(",")}


def test_money_is_in_major_units_with_the_currency_in_its_header():
    usd = _table(
        [(date(2026, 3, 1), 123_456, -1_250, 7, None)],
        month=Kind.MONTH, revenue=Kind.MONEY, refunded=Kind.MONEY, orders=Kind.COUNT,
        average=Kind.MONEY,
    )  # fmt: skip
    idr = _table([(date(2026, 3, 1), 1_234_567)], currency="IDR", day=Kind.DATE, revenue=Kind.MONEY)

    assert _rows(table_csv(usd, section="overview", period=MARCH)) == [
        ["Month", "Revenue (USD)", "Refunded (USD)", "Orders", "Average (USD)"],
        ["2026-03", "1234.56", "-12.50", "7", ""],
    ]
    assert _rows(table_csv(idr, section="overview", period=MARCH)) == [
        ["Day", "Revenue (IDR)"],
        ["2026-03-01", "1234567"],
    ]


def test_ratios_are_percentages_and_per_100_values_have_two_decimals():
    table = _table(
        [(1234, 5, 150, -250)], share=Kind.BPS, tiny=Kind.BPS, items=Kind.PER_100, change=Kind.BPS
    )

    assert _rows(table_csv(table, section="overview", period=MARCH)) == [
        ["Share (%)", "Tiny (%)", "Items", "Change (%)"],
        ["12.34", "0.05", "1.50", "-2.50"],
    ]


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ('=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab", "'\tTab"),
        ("\rReturn", "'\rReturn"),
        ("-12.5", "-12.5"),
        ("Japan 5 GB", "Japan 5 GB"),
        ("(direct)", "(direct)"),
    ],
)
def test_text_a_spreadsheet_would_run_is_made_inert(text, written):
    table = _table([(text, -300)], source=Kind.TEXT, net=Kind.MONEY)

    rows = _rows(table_csv(table, section="acquisition", period=MARCH))

    assert rows[1] == [written, "-3.00"]  # a negative amount stays a number


def test_a_hostile_header_is_made_inert_too():
    table = Table("t", "T", (Column("x", "=cmd()", Kind.TEXT),), (("a",),))

    assert _rows(table_csv(table, section="s", period=MARCH))[0] == ["'=cmd()"]
