"""A dashboard table as a CSV download: numbers a spreadsheet reads as numbers (money in major
units with its currency in the header, ratios as percentages), nothing it would run."""

from __future__ import annotations

import csv
import re
from datetime import date

from django.http import HttpResponse
from django.utils.cache import patch_cache_control

from analytics.formatting import decimal_text
from analytics.period import Period
from analytics.report import Kind, Table

# Money's decimals per currency: USD has cents, rupiah are whole.
MINOR_DIGITS = {"USD": 2, "IDR": 0}
# A cell starting with these is a formula to Excel, LibreOffice or Google Sheets.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def table_csv(table: Table, *, section: str, period: Period) -> HttpResponse:
    """`table` as hiroam-<section>-<table>-<start>-<end>.csv, one header row then its rows."""
    filename = f"hiroam-{section}-{table.name}-{period.start}-{period.end}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    patch_cache_control(response, private=True, no_store=True)
    writer = csv.writer(response)
    writer.writerow([_safe(header) for header in headers(table)])
    for row in table.rows:
        writer.writerow(
            [
                csv_cell(value, column.kind, table.currency)
                for value, column in zip(row, table.columns, strict=True)
            ]
        )
    return response


def headers(table: Table) -> list[str]:
    """Column labels, with the unit a number is in: "Revenue (USD)", "Conversion (%)"."""
    units = {Kind.MONEY: table.currency, Kind.BPS: "%"}
    return [
        f"{column.label} ({units[column.kind]})" if column.kind in units else column.label
        for column in table.columns
    ]


def csv_cell(value: object, kind: Kind, currency: str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool) and kind is not Kind.TEXT:
        if kind is Kind.MONEY:
            return decimal_text(value, MINOR_DIGITS.get(currency or "", 2), grouping=False)
        if kind in (Kind.BPS, Kind.PER_100):
            return decimal_text(value, 2, grouping=False)
        return str(value)
    if isinstance(value, date) and kind is Kind.MONTH:
        return f"{value:%Y-%m}"
    if isinstance(value, date):
        return value.isoformat()
    return _safe(str(value))


def _safe(text: str) -> str:
    """Text a spreadsheet would take for a formula, made inert by a leading apostrophe; a
    plain number such as -12.5 is left as it is."""
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text
