"""The period a dashboard page reports on: a range of whole UTC days, a currency and how the
days are grouped (day, ISO week, calendar month), read from the page's GET parameters.

Reading never fails: a value that cannot be used is reported beside its field and replaced,
so a page always has a period to show.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

CURRENCIES = ("USD", "IDR")
DEFAULT_CURRENCY = "USD"
DEFAULT_DAYS = 30
# Three years and a leap day: the longest range the summaries are read for in one page.
MAX_DAYS = 3 * 365 + 1
# Long before the shop's first sale; it keeps a previous period's arithmetic inside the calendar.
EARLIEST = date(2000, 1, 1)
# With no granularity asked for, a range longer than these is grouped by week, then by month,
# so a chart never has more than about a hundred columns.
WEEKS_OVER_DAYS = 31
MONTHS_OVER_DAYS = 92

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class Granularity(StrEnum):
    DAY = "day"
    WEEK = "week"  # ISO weeks: Monday to Sunday
    MONTH = "month"


@dataclass(frozen=True)
class Bucket:
    """One group of days on a chart or in a table; the first and last are clipped to the
    period, so they may be shorter than a whole week or month."""

    label: str
    start: date
    end: date


@dataclass(frozen=True)
class Period:
    start: date  # inclusive, UTC
    end: date  # inclusive, UTC
    currency: str
    granularity: Granularity

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"A period cannot end ({self.end}) before it starts ({self.start}).")
        if self.currency not in CURRENCIES:
            raise ValueError(f"Unknown currency {self.currency!r}.")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of as many days that ends the day before this one starts."""
        end = self.start - timedelta(days=1)
        return Period(end - timedelta(days=self.days - 1), end, self.currency, self.granularity)

    def buckets(self) -> list[Bucket]:
        buckets = []
        day = self.start
        while day <= self.end:
            last = min(_bucket_end(day, self.granularity), self.end)
            buckets.append(Bucket(_bucket_label(day, self.granularity), day, last))
            day = last + timedelta(days=1)
        return buckets

    def whole_months(self) -> list[date]:
        """The first days of the calendar months lying entirely inside the period."""
        months = []
        month = _first_of_month(self.start)
        if month < self.start:
            month = _next_month(month)
        while _next_month(month) - timedelta(days=1) <= self.end:
            months.append(month)
            month = _next_month(month)
        return months

    def month_split(self) -> tuple[list[date], list[tuple[date, date]]]:
        """(whole months, the inclusive day ranges outside them): a builder reads monthly
        rollups for the months and daily rows for the edges, which together cover the period
        exactly once."""
        months = self.whole_months()
        if not months:
            return [], [(self.start, self.end)]
        edges = []
        if self.start < months[0]:
            edges.append((self.start, months[0] - timedelta(days=1)))
        after = _next_month(months[-1])
        if after <= self.end:
            edges.append((after, self.end))
        return months, edges


def parse_period(params: Mapping[str, str], *, today: date) -> tuple[Period, dict[str, str]]:
    """The period asked for by `start`, `end` (YYYY-MM-DD), `currency` and `granularity`, and
    a message per field that could not be used as given (the period then uses a default
    there). Missing or empty fields are no error: the last 30 days to `today`, in USD, by day
    (by week over 31 days, by month over 92, unless a granularity is chosen)."""
    errors: dict[str, str] = {}
    end = _date_param(params, "end", errors)
    if end is not None and end > today:
        errors["end"] = f"{end} is in the future: the figures stop at today, {today}."
        end = today
    end = end or today
    start = _date_param(params, "start", errors) or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        errors["start"] = f"The start, {start}, is after the end, {end}: showing 30 days."
        start = end - timedelta(days=DEFAULT_DAYS - 1)
    elif (end - start).days + 1 > MAX_DAYS:
        errors["start"] = "A range may be 3 years at most: showing the 3 years to the end."
        start = end - timedelta(days=MAX_DAYS - 1)

    currency = _param(params, "currency").upper() or DEFAULT_CURRENCY
    if currency not in CURRENCIES:
        errors["currency"] = f"Choose {' or '.join(CURRENCIES)}."
        currency = DEFAULT_CURRENCY

    days = (end - start).days + 1
    granularity = automatic_granularity(days)
    asked = _param(params, "granularity").lower()
    if asked in Granularity:
        granularity = Granularity(asked)
    elif asked:
        errors["granularity"] = "Choose day, week or month."
    return Period(start, end, currency, granularity), errors


def automatic_granularity(days: int) -> Granularity:
    if days > MONTHS_OVER_DAYS:
        return Granularity.MONTH
    if days > WEEKS_OVER_DAYS:
        return Granularity.WEEK
    return Granularity.DAY


def _param(params: Mapping[str, str], name: str) -> str:
    value = params.get(name)
    return value.strip() if isinstance(value, str) else ""


def _date_param(params: Mapping[str, str], name: str, errors: dict[str, str]) -> date | None:
    text = _param(params, name)
    if not text:
        return None
    try:
        # Only the form a date field sends: fromisoformat would also take 20260301 or 2026-W10.
        day = date.fromisoformat(text) if _ISO_DATE.fullmatch(text) else None
    except ValueError:
        day = None
    if day is None:
        errors[name] = f"“{text[:40]}” is not a date (YYYY-MM-DD): showing the default."
    elif day < EARLIEST:
        errors[name] = f"Nothing is reported before {EARLIEST}: showing the default."
        day = None
    return day


def _bucket_end(day: date, granularity: Granularity) -> date:
    if granularity is Granularity.WEEK:
        return day + timedelta(days=6 - day.weekday())
    if granularity is Granularity.MONTH:
        return _next_month(_first_of_month(day)) - timedelta(days=1)
    return day


def _bucket_label(day: date, granularity: Granularity) -> str:
    if granularity is Granularity.WEEK:
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if granularity is Granularity.MONTH:
        return f"{day:%Y-%m}"
    return day.isoformat()


def _first_of_month(day: date) -> date:
    return day.replace(day=1)


def _next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)
