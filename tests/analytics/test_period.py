"""The period a dashboard page reports on, as read from its query string: defaults, every
refusal (the page still shows something), the comparison period, buckets and month splits."""

from calendar import monthrange
from datetime import date

import pytest

from analytics.period import Bucket, Granularity, Period, parse_period

TODAY = date(2026, 11, 25)


def test_nothing_asked_is_the_last_30_days_to_today_in_usd_by_day():
    period, errors = parse_period({}, today=TODAY)

    assert period == Period(date(2026, 10, 27), TODAY, "USD", Granularity.DAY)
    assert period.days == 30
    assert errors == {}


def test_empty_fields_from_a_submitted_form_are_no_error():
    period, errors = parse_period(
        {"start": "", "end": " ", "currency": "", "granularity": ""}, today=TODAY
    )

    assert (period.start, period.end, period.currency) == (date(2026, 10, 27), TODAY, "USD")
    assert errors == {}


def test_a_valid_request_is_taken_as_asked():
    period, errors = parse_period(
        {"start": "2026-01-01", "end": "2026-03-31", "currency": "idr", "granularity": "week"},
        today=TODAY,
    )

    assert period == Period(date(2026, 1, 1), date(2026, 3, 31), "IDR", Granularity.WEEK)
    assert errors == {}


@pytest.mark.parametrize(
    ("start", "end", "granularity"),
    [
        ("2026-11-01", "2026-12-01", Granularity.DAY),  # 31 days, end clipped later: still day
        ("2026-10-26", "2026-11-25", Granularity.DAY),  # 31 days
        ("2026-10-25", "2026-11-25", Granularity.WEEK),  # 32 days
        ("2026-08-25", "2026-11-24", Granularity.WEEK),  # 92 days
        ("2026-08-25", "2026-11-25", Granularity.MONTH),  # 93 days
    ],
)
def test_with_no_granularity_asked_a_longer_range_is_grouped_coarser(start, end, granularity):
    period, _ = parse_period({"start": start, "end": end}, today=TODAY)

    assert period.granularity is granularity


def test_a_granularity_asked_for_wins_over_the_automatic_one():
    period, _ = parse_period(
        {"start": "2025-01-01", "end": "2026-01-01", "granularity": "day"}, today=TODAY
    )

    assert period.granularity is Granularity.DAY


@pytest.mark.parametrize("bad", ["2026-13-01", "yesterday", "20260301", "2026-W10-1", "1999-12-31"])
def test_a_start_that_is_no_usable_date_is_reported_and_the_default_used(bad):
    period, errors = parse_period({"start": bad, "end": "2026-06-30"}, today=TODAY)

    assert set(errors) == {"start"}
    assert period.start == date(2026, 6, 1)  # 30 days to the end asked for
    assert period.end == date(2026, 6, 30)


def test_the_message_quotes_what_was_typed():
    _, errors = parse_period({"end": "2026-02-30"}, today=TODAY)

    assert errors == {"end": "“2026-02-30” is not a date (YYYY-MM-DD): showing the default."}


def test_an_end_in_the_future_stops_at_today():
    period, errors = parse_period({"start": "2026-11-01", "end": "2027-01-01"}, today=TODAY)

    assert (period.start, period.end) == (date(2026, 11, 1), TODAY)
    assert "future" in errors["end"]


def test_an_end_before_the_start_shows_30_days_to_the_end():
    period, errors = parse_period({"start": "2026-05-10", "end": "2026-05-01"}, today=TODAY)

    assert (period.start, period.end) == (date(2026, 4, 2), date(2026, 5, 1))
    assert "after the end" in errors["start"]


def test_a_range_over_three_years_is_cut_to_the_three_years_to_its_end():
    period, errors = parse_period({"start": "2020-01-01", "end": "2026-06-30"}, today=TODAY)

    assert period.end == date(2026, 6, 30)
    assert period.days == 3 * 365 + 1
    assert "3 years" in errors["start"]


def test_exactly_three_years_and_a_leap_day_is_allowed():
    _, errors = parse_period({"start": "2023-07-01", "end": "2026-06-30"}, today=TODAY)

    assert errors == {}


def test_an_unknown_currency_and_granularity_are_reported_and_defaulted():
    period, errors = parse_period({"currency": "EUR", "granularity": "hour"}, today=TODAY)

    assert (period.currency, period.granularity) == ("USD", Granularity.DAY)
    assert errors == {"currency": "Choose USD or IDR.", "granularity": "Choose day, week or month."}


def test_the_previous_period_of_30_days_is_the_30_days_before():
    period = Period(date(2026, 10, 27), date(2026, 11, 25), "IDR", Granularity.WEEK)

    assert period.previous() == Period(
        date(2026, 9, 27), date(2026, 10, 26), "IDR", Granularity.WEEK
    )


def test_the_previous_period_of_a_whole_month_has_as_many_days_ending_the_day_before():
    march = Period(date(2026, 3, 1), date(2026, 3, 31), "USD", Granularity.DAY)

    previous = march.previous()

    assert (previous.start, previous.end) == (date(2026, 1, 29), date(2026, 2, 28))
    assert previous.days == march.days == 31


def test_day_buckets_are_each_day():
    period = Period(date(2026, 2, 27), date(2026, 3, 2), "USD", Granularity.DAY)

    assert [bucket.label for bucket in period.buckets()] == [
        "2026-02-27",
        "2026-02-28",
        "2026-03-01",
        "2026-03-02",
    ]


def test_iso_week_buckets_cross_a_year_clipped_to_the_period():
    # 2026-01-01 is a Thursday in ISO week 2026-W01, which began on Monday 2025-12-29.
    period = Period(date(2025, 12, 24), date(2026, 1, 7), "USD", Granularity.WEEK)

    assert period.buckets() == [
        Bucket("2025-W52", date(2025, 12, 24), date(2025, 12, 28)),
        Bucket("2026-W01", date(2025, 12, 29), date(2026, 1, 4)),
        Bucket("2026-W02", date(2026, 1, 5), date(2026, 1, 7)),
    ]


def test_week_53_keeps_its_iso_year():
    # 2020 has 53 ISO weeks; 2021-01-01 (a Friday) belongs to 2020-W53.
    period = Period(date(2021, 1, 1), date(2021, 1, 4), "USD", Granularity.WEEK)

    assert [bucket.label for bucket in period.buckets()] == ["2020-W53", "2021-W01"]


def test_month_buckets_are_calendar_months_clipped_to_the_period():
    period = Period(date(2025, 12, 15), date(2026, 2, 10), "USD", Granularity.MONTH)

    assert period.buckets() == [
        Bucket("2025-12", date(2025, 12, 15), date(2025, 12, 31)),
        Bucket("2026-01", date(2026, 1, 1), date(2026, 1, 31)),
        Bucket("2026-02", date(2026, 2, 1), date(2026, 2, 10)),
    ]


def test_month_split_reads_whole_months_and_days_at_both_edges():
    period = Period(date(2025, 11, 20), date(2026, 3, 3), "USD", Granularity.MONTH)

    months, edges = period.month_split()

    assert months == [date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)]
    assert edges == [(date(2025, 11, 20), date(2025, 11, 30)), (date(2026, 3, 1), date(2026, 3, 3))]
    assert period.whole_months() == months


def test_month_split_of_whole_months_has_no_edges():
    period = Period(date(2026, 1, 1), date(2026, 2, 28), "USD", Granularity.MONTH)

    assert period.month_split() == ([date(2026, 1, 1), date(2026, 2, 1)], [])


def test_month_split_inside_one_month_is_all_days():
    period = Period(date(2026, 2, 2), date(2026, 2, 27), "USD", Granularity.DAY)

    assert period.month_split() == ([], [(date(2026, 2, 2), date(2026, 2, 27))])


def test_month_split_of_a_leap_february_ending_on_the_29th_is_a_whole_month():
    period = Period(date(2028, 2, 1), date(2028, 2, 29), "USD", Granularity.DAY)

    assert period.month_split() == ([date(2028, 2, 1)], [])


def test_month_split_covers_every_day_once():
    period = Period(date(2024, 12, 31), date(2026, 1, 1), "IDR", Granularity.MONTH)

    months, edges = period.month_split()

    month_ranges = [(m, m.replace(day=monthrange(m.year, m.month)[1])) for m in months]
    days = [
        start.toordinal() + offset
        for start, end in [*edges, *month_ranges]
        for offset in range((end - start).days + 1)
    ]
    assert len(months) == 12
    assert sorted(days) == list(range(period.start.toordinal(), period.end.toordinal() + 1))


def test_a_period_cannot_be_made_backwards_or_in_another_currency():
    with pytest.raises(ValueError, match="before it starts"):
        Period(date(2026, 2, 2), date(2026, 2, 1), "USD", Granularity.DAY)
    with pytest.raises(ValueError, match="currency"):
        Period(date(2026, 2, 1), date(2026, 2, 1), "EUR", Granularity.DAY)
