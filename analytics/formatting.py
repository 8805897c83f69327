"""Numbers as the dashboard writes them: money in its currency ($1,234.56, Rp 1.234.567),
ratios as percentages (12.34 %), times 100 values with two decimals (1.50), counts grouped (1,234).
All from integers, by integer arithmetic: nothing here rounds."""

from __future__ import annotations

from datetime import date

from analytics.report import Figure, Kind
from catalog.price_display import format_money

MISSING = "—"


def decimal_text(value: int, places: int, *, grouping: bool = True) -> str:
    """`value` / 10**places written out exactly: decimal_text(-123456, 2) is "-1,234.56"."""
    whole, fraction = divmod(abs(value), 10**places)
    sign = "-" if value < 0 else ""
    whole_text = f"{whole:,}" if grouping else str(whole)
    return f"{sign}{whole_text}.{fraction:0{places}d}" if places else f"{sign}{whole_text}"


def number_text(value: int | None, kind: Kind, currency: str | None = None) -> str:
    if value is None:
        return MISSING
    if kind is Kind.MONEY:
        return format_money(value, currency or "")
    if kind is Kind.BPS:
        return f"{decimal_text(value, 2)} %"
    if kind is Kind.PER_100:
        return decimal_text(value, 2)
    return f"{value:,}"


def cell_text(value: object, kind: Kind, currency: str | None = None) -> str:
    """A table cell: numbers as number_text, dates as 2026-03-05, months as 2026-03."""
    if value is None or value == "":
        return MISSING if kind in (Kind.COUNT, Kind.MONEY, Kind.BPS, Kind.PER_100) else ""
    if isinstance(value, date) and kind in (Kind.DATE, Kind.MONTH):
        return f"{value:%Y-%m}" if kind is Kind.MONTH else value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        return number_text(value, kind, currency) if kind is not Kind.TEXT else str(value)
    return str(value)


def axis_text(value: int, kind: Kind, currency: str | None = None) -> str:
    """A chart's tick: as number_text, less the decimals a round tick does not need
    ($1,200 rather than $1,200.00; 25 % rather than 25.00 %)."""
    if kind is Kind.MONEY and currency != "IDR":
        text = format_money(value, currency or "")
        return text.removesuffix(".00")
    if kind in (Kind.BPS, Kind.PER_100):
        text = decimal_text(value, 2).rstrip("0").rstrip(".")
        return f"{text} %" if kind is Kind.BPS else text
    return number_text(value, kind, currency)


def change_text(figure: Figure) -> tuple[str, str]:
    """(words, direction) for a figure's card: "▲ 12.50 %" and "up", "▼ 1.20 pp" and "down"
    (a ratio moves in percentage points), "—" and "none" with nothing to compare."""
    if figure.value is None or figure.previous is None:
        return MISSING, "none"
    if figure.kind is Kind.BPS:
        difference = figure.value - figure.previous
        words = f"{decimal_text(abs(difference), 2)} pp"
    else:
        change = figure.change_bps
        if change is None:
            return MISSING, "none"
        difference = change
        words = f"{decimal_text(abs(change), 2)} %"
    if difference > 0:
        return f"▲ {words}", "up"
    if difference < 0:
        return f"▼ {words}", "down"
    return f"= {words}", "flat"
