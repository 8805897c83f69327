"""The engine's timeline of which schedule wins when, the same-priority overlap check and the
margin guard."""

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from pricing.engine import (
    DiscountKind,
    PaymentFee,
    Prices,
    Schedule,
    price_package,
    price_timeline,
    same_priority_overlaps,
    sells_below_cost,
)

T0 = datetime(2026, 12, 1, tzinfo=UTC)
BASE = Prices(1_000, 160_000)


def _schedule(name, start_day, end_day, *, priority=0, bps=1_000, active=True, created=0):
    return Schedule(
        id=name,
        name=name,
        kind=DiscountKind.PERCENTAGE,
        value=bps,
        starts_at=T0 + timedelta(days=start_day),
        ends_at=T0 + timedelta(days=end_day),
        created_at=T0 - timedelta(days=30 - created),
        priority=priority,
        is_active=active,
    )


def test_the_timeline_shows_which_schedule_wins_when():
    black_friday = _schedule("Black Friday", 0, 3, bps=2_500)
    flash = _schedule("Flash", 1, 2, priority=5, bps=5_000)
    christmas = _schedule("Christmas", 10, 20, bps=1_000)

    periods = price_timeline(
        base=BASE, schedules=[christmas, flash, black_friday], since=T0, usd_to_idr_rate=16_000
    )

    assert [
        (p.starts_at - T0, None if p.ends_at is None else p.ends_at - T0, p.price.usd_cents)
        for p in periods
    ] == [
        (timedelta(0), timedelta(days=1), 750),
        (timedelta(days=1), timedelta(days=2), 500),  # the flash sale outranks Black Friday
        (timedelta(days=2), timedelta(days=3), 750),
        (timedelta(days=3), timedelta(days=10), 1_000),
        (timedelta(days=10), timedelta(days=20), 900),
        (timedelta(days=20), None, 1_000),
    ]
    assert [p.schedule.name if p.schedule else None for p in periods] == [
        "Black Friday",
        "Flash",
        "Black Friday",
        None,
        "Christmas",
        None,
    ]


def test_a_switched_off_schedule_is_not_on_the_timeline():
    periods = price_timeline(
        base=BASE,
        schedules=[_schedule("Off", 0, 3, active=False)],
        since=T0,
        usd_to_idr_rate=16_000,
    )

    assert [(p.starts_at, p.ends_at, p.schedule) for p in periods] == [(T0, None, None)]


schedules = st.lists(
    st.builds(
        _schedule,
        name=st.text(alphabet="abcdef", min_size=1, max_size=3),
        start_day=st.integers(-5, 20),
        end_day=st.integers(21, 40),
        priority=st.integers(0, 3),
        bps=st.integers(1, 10_000),
        active=st.booleans(),
        created=st.integers(0, 20),
    ),
    max_size=6,
)


@given(schedules, st.integers(0, 45))
def test_the_timeline_agrees_with_the_engine_at_every_moment(rules, day):
    moment = T0 + timedelta(days=day, hours=7)
    periods = price_timeline(base=BASE, schedules=rules, since=T0, usd_to_idr_rate=16_000)
    [period] = [
        p for p in periods if p.starts_at <= moment and (p.ends_at is None or moment < p.ends_at)
    ]
    assert (
        period.price
        == price_package(base=BASE, schedules=rules, moment=moment, usd_to_idr_rate=16_000).final
    )
    # Neighbouring periods always differ: a change of winner, never a repeated row.
    assert all(a.schedule is not b.schedule for a, b in itertools.pairwise(periods))


def test_only_overlapping_active_schedules_at_the_same_priority_clash():
    sale = _schedule("Sale", 0, 10)
    same_time_same_priority = _schedule("Other", 5, 15)
    after = _schedule("After", 10, 20)  # starts as the sale ends: half-open, no overlap
    higher = _schedule("Higher", 0, 10, priority=1)
    off = _schedule("Off", 0, 10, active=False)

    clashes = same_priority_overlaps(sale, [sale, same_time_same_priority, after, higher, off])

    assert [clash.name for clash in clashes] == ["Other"]


def test_the_margin_guard_counts_the_payment_fee():
    paddle = PaymentFee(bps=500, fixed_cents=50)  # 5 % + $0.50
    # At $10.00 the fee is $1.00 and we keep $9.00.
    assert not sells_below_cost(price_cents=1_000, cost_cents=900, fee=paddle)
    assert sells_below_cost(price_cents=1_000, cost_cents=901, fee=paddle)
    assert sells_below_cost(price_cents=0, cost_cents=0, fee=paddle)  # free still pays the fee
