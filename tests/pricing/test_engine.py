"""The pricing engine: the plan's examples, the rounding rules, and properties for any input."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pricing.engine import (
    BPS,
    Currency,
    DiscountKind,
    Line,
    PointsOffer,
    Prices,
    PromoCode,
    RecordedPriceChange,
    Schedule,
    base_price_at,
    lowest_price_between,
    next_price_change,
    order_total,
    price_package,
    winning_schedule,
)

RATE = 16_000  # IDR per USD
T0 = datetime(2026, 12, 1, tzinfo=UTC)
JAPAN = Prices(usd_cents=999, idr=159_000)


def schedule(
    name="Sale",
    kind=DiscountKind.PERCENTAGE,
    value=2_500,
    start=0,
    end=30,
    priority=0,
    created=0,
    **extra,
):
    return Schedule(
        id=name,
        name=name,
        kind=kind,
        value=value,
        starts_at=T0 + timedelta(days=start),
        ends_at=T0 + timedelta(days=end),
        created_at=T0 - timedelta(days=100 - created),
        priority=priority,
        **extra,
    )


def _price(schedules, day=1.0, base=JAPAN):
    return price_package(
        base=base, schedules=schedules, moment=T0 + timedelta(days=day), usd_to_idr_rate=RATE
    )


# ---------------------------------------------------------------- the plan's section 4 examples
@pytest.mark.parametrize(
    ("rule", "usd"),
    [
        (schedule("Christmas Sale", value=2_500), 749),  # 25 % off $9.99 -> $7.49
        (schedule("New Year Flash", value=4_000), 599),  # 40 % off -> $5.99
        (schedule("Winter Sale", kind=DiscountKind.FIXED, value=200), 799),  # $2 off -> $7.99
        (
            schedule(
                "Flash",
                kind=DiscountKind.PRICE_OVERRIDE,
                override_usd_cents=599,
                override_idr=95_000,
            ),
            599,
        ),
    ],
)
def test_the_plans_examples(rule, usd):
    price = _price([rule])

    assert price.final.usd_cents == usd
    assert price.has_discount
    assert price.schedule is rule
    assert price.savings.usd_cents == 999 - usd


def test_a_percentage_applies_to_idr_amounts_with_the_same_rounding():
    price = _price([schedule(value=2_500)], base=Prices(999, 159_050))

    assert price.final.idr == 159_050 - 39_763  # 39,762.5 rounded half up


def test_a_fixed_usd_discount_converts_to_idr_at_the_given_rate():
    price = price_package(
        base=JAPAN,
        schedules=[schedule(kind=DiscountKind.FIXED, value=200)],
        moment=T0,
        usd_to_idr_rate=15_500,
    )

    assert price.final.idr == 159_000 - 31_000


def test_an_override_without_idr_is_converted_from_usd():
    price = _price([schedule(kind=DiscountKind.PRICE_OVERRIDE, override_usd_cents=599)])

    assert price.final == Prices(599, 95_840)


def test_a_final_price_is_never_below_zero():
    price = _price([schedule(kind=DiscountKind.FIXED, value=5_000)])

    assert price.final == Prices(0, 0)


def test_the_discount_percentage_is_never_overstated():
    assert _price([schedule(value=2_500)]).discount_bps == 2_502  # 250 / 999 = 25.025 %
    assert _price([schedule(kind=DiscountKind.FIXED, value=333)]).discount_bps == 3_333


# ---------------------------------------------------------------- section 4.4: priority and overlap
HOLIDAY = schedule("Holiday Season", value=2_000, start=14, end=35, priority=1)
CHRISTMAS = schedule("Christmas Week", value=3_000, start=23, end=27, priority=2)
NYE = schedule("NYE Flash", value=4_000, start=30, end=31, priority=3)


@pytest.mark.parametrize(
    ("day", "winner"),
    [
        (10, None),
        (15, HOLIDAY),
        (24, CHRISTMAS),
        (28, HOLIDAY),
        (30.5, NYE),
        (33, HOLIDAY),
        (36, None),
    ],
)
def test_the_highest_priority_live_schedule_wins(day, winner):
    assert winning_schedule([HOLIDAY, CHRISTMAS, NYE], T0 + timedelta(days=day)) == winner


def test_a_schedule_is_live_at_its_start_and_not_at_its_end():
    sale = schedule(start=1, end=2)

    assert sale.is_live_at(T0 + timedelta(days=1))
    assert not sale.is_live_at(T0 + timedelta(days=2))
    assert sale.is_live_at(T0 + timedelta(days=2) - timedelta(microseconds=1))


def test_ties_go_to_the_earliest_created():
    older, newer = (
        schedule("older", priority=1, created=1),
        schedule("newer", priority=1, created=5),
    )

    assert winning_schedule([newer, older], T0 + timedelta(days=1)) is older


def test_a_switched_off_schedule_never_applies_and_every_rule_is_explained():
    off = schedule("Paused", priority=9, is_active=False)
    later = schedule("Later", start=5, end=6)
    low = schedule("Low", value=1_000, priority=0)
    high = schedule("High", value=2_000, priority=1)

    price = _price([off, later, low, high])

    assert price.schedule is high
    reasons = {verdict.rule: verdict.reason for verdict in price.considered}
    assert reasons["High"] == "applied"
    assert reasons["Paused"] == "switched off"
    assert reasons["Later"].startswith("starts ")
    assert reasons["Low"].startswith("outranked by 'High'")


def test_the_next_price_change_is_the_nearest_edge():
    assert next_price_change([HOLIDAY, CHRISTMAS], T0 + timedelta(days=24)) == CHRISTMAS.ends_at
    assert next_price_change([HOLIDAY], T0 + timedelta(days=40)) is None


# ---------------------------------------------------------------- the lowest price before a sale
TEN = Prices(usd_cents=1_000, idr=160_000)
DAY = timedelta(days=1)


def _change(day, currency, old, new):
    return RecordedPriceChange(T0 + timedelta(days=day), currency, old, new)


def _lowest(rules=(), changes=(), base=TEN, since=-30, until=0):
    return lowest_price_between(
        base=base,
        base_changes=list(changes),
        schedules=list(rules),
        since=T0 + since * DAY,
        until=T0 + until * DAY,
        usd_to_idr_rate=RATE,
    )


def test_the_base_price_in_force_is_read_from_its_changes():
    changes = [_change(-5, Currency.USD, 900, 1_000), _change(-2, Currency.USD, 1_000, 1_100)]

    assert base_price_at(TEN, changes, T0 - 6 * DAY) == Prices(900, 160_000)
    assert base_price_at(TEN, changes, T0 - 5 * DAY) == Prices(1_000, 160_000)  # from the change
    assert base_price_at(TEN, changes, T0 - 1 * DAY) == Prices(1_100, 160_000)
    assert base_price_at(TEN, [], T0) == TEN
    assert base_price_at(TEN, [_change(-5, Currency.IDR, 150_000, 160_000)], T0 - 6 * DAY) == (
        Prices(1_000, 150_000)
    )


def test_without_schedules_or_changes_the_lowest_price_is_the_base_price():
    assert _lowest() == TEN


def test_a_flash_sale_in_the_period_is_the_lowest_price():
    flash = schedule(
        "Flash", kind=DiscountKind.PRICE_OVERRIDE, override_usd_cents=800, start=-10, end=-9
    )

    assert _lowest([flash]) == Prices(800, 128_000)  # IDR converted from the override


def test_a_sale_before_the_period_or_from_its_end_on_does_not_count():
    before = schedule("Old", value=5_000, start=-40, end=-30)  # over when the period begins
    current = schedule("Current", value=2_000, start=0, end=10)  # the promotion itself

    assert _lowest([before, current]) == TEN


def test_a_sale_running_into_the_period_counts_from_its_start():
    assert _lowest([schedule(value=1_000, start=-35, end=-29)]) == Prices(900, 144_000)


def test_a_raised_base_price_counts_at_its_old_value_until_the_change():
    changes = [_change(-5, Currency.USD, 900, 1_000), _change(-5, Currency.IDR, 144_000, 160_000)]

    assert _lowest(changes=changes) == Prices(900, 144_000)


def test_a_change_after_the_period_tells_the_price_during_it():
    assert _lowest(changes=[_change(3, Currency.USD, 1_200, 1_000)]) == Prices(1_200, 160_000)


def test_usd_and_idr_lows_are_found_separately():
    changes = [_change(-20, Currency.USD, 900, 1_000), _change(-10, Currency.IDR, 150_000, 170_000)]
    base = Prices(1_000, 170_000)

    assert _lowest(changes=changes, base=base) == Prices(900, 150_000)


def test_a_discount_on_an_old_base_price_uses_that_price():
    changes = [_change(-5, Currency.USD, 800, 1_000)]
    sale = schedule(value=5_000, start=-8, end=-2)  # half off $8, then half off $10

    assert _lowest([sale], changes).usd_cents == 400


def test_an_empty_period_is_refused():
    with pytest.raises(ValueError, match="empty"):
        _lowest(since=0, until=0)


# ---------------------------------------------------------------- section 5.2 and 17: order totals
def test_the_plans_stacking_example():
    # $50 subtotal; 10 % product discount on item A (-$5.00); SAVE10 ($10 off) -> $35.00
    lines = [Line("A", 1, 5_000, unit_discount_cents=500)]

    total = order_total(lines, PromoCode("SAVE10", DiscountKind.FIXED, 1_000))

    assert (total.subtotal_cents, total.product_discount_cents, total.code_discount_cents) == (
        5_000,
        500,
        1_000,
    )
    assert total.total_cents == 3_500


@pytest.mark.parametrize(
    ("lines", "code", "expected"),
    [
        ([Line("1", 1, 999)], None, (999, 0, 0, 999)),
        ([Line("1", 2, 999, 200)], None, (1_998, 400, 0, 1_598)),
        (
            [Line("1", 1, 1_000, 100)],
            PromoCode("X", DiscountKind.FIXED, 200),
            (1_000, 100, 200, 700),
        ),
        ([Line("1", 1, 999)], PromoCode("P20", DiscountKind.PERCENTAGE, 2_000), (999, 0, 199, 800)),
    ],
)
def test_the_plans_section_17_cases(lines, code, expected):
    total = order_total(lines, code)

    assert (
        total.subtotal_cents,
        total.product_discount_cents,
        total.code_discount_cents,
        total.total_cents,
    ) == expected


def test_a_percentage_code_is_capped():
    total = order_total(
        [Line("1", 10, 5_000)],
        PromoCode("BIG", DiscountKind.PERCENTAGE, 5_000, max_discount_cents=1_500),
    )

    assert total.code_discount_cents == 1_500


def test_a_fixed_code_never_exceeds_the_subtotal():
    assert (
        order_total([Line("1", 1, 300)], PromoCode("X", DiscountKind.FIXED, 1_000)).total_cents == 0
    )


def test_a_code_that_may_not_stack_is_refused_with_product_discounts():
    code = PromoCode("SOLO", DiscountKind.FIXED, 100, stackable_with_product_discount=False)

    total = order_total([Line("1", 1, 1_000, 100)], code)

    assert total.code_discount_cents == 0
    assert total.code_verdict is not None
    assert not total.code_verdict.applied
    assert "combined" in total.code_verdict.reason


def test_a_code_applies_only_to_the_packages_it_covers():
    code = PromoCode("JP", DiscountKind.PERCENTAGE, 1_000, applicable_package_ids=frozenset({"jp"}))

    total = order_total([Line("jp", 1, 1_000), Line("fr", 1, 2_000)], code)

    assert [line.code_discount_cents for line in total.lines] == [100, 0]
    refused = order_total([Line("fr", 1, 2_000)], code)
    assert (
        refused.code_verdict is not None
        and refused.code_verdict.reason == "not applicable to these packages"
    )


def test_the_breakdown_explains_and_adds_up():
    total = order_total(
        [Line("A", 2, 999, 250, "Christmas"), Line("B", 1, 450)],
        PromoCode("TEN", DiscountKind.PERCENTAGE, 1_000),
    )
    breakdown = total.breakdown()

    assert breakdown["lines"][0]["schedule"] == "Christmas"
    assert breakdown["code"] == {"code": "TEN", "applied": True, "reason": "applied"}
    assert sum(line["total_cents"] for line in breakdown["lines"]) == breakdown["total_cents"]
    assert breakdown["total_cents"] == (
        breakdown["subtotal_cents"]
        - breakdown["product_discount_cents"]
        - breakdown["code_discount_cents"]
    )


# ---------------------------------------------------------------- properties
money = st.integers(min_value=0, max_value=10_000_000)
kinds = st.sampled_from(list(DiscountKind))


@st.composite
def schedules(draw):
    start = draw(st.integers(min_value=-50, max_value=50))
    return Schedule(
        id=str(draw(st.integers(min_value=0, max_value=10**6))),
        name=draw(st.sampled_from(["Christmas", "Flash", "Winter", "Weekend"])),
        kind=draw(kinds),
        value=draw(st.integers(min_value=0, max_value=2 * BPS)),
        override_usd_cents=draw(st.none() | money),
        override_idr=draw(st.none() | money),
        starts_at=T0 + timedelta(hours=start),
        ends_at=T0 + timedelta(hours=start + draw(st.integers(min_value=1, max_value=100))),
        created_at=T0 - timedelta(hours=draw(st.integers(min_value=0, max_value=1_000))),
        priority=draw(st.integers(min_value=-5, max_value=5)),
        is_active=draw(st.booleans()),
    )


@given(
    base=st.builds(Prices, money, money),
    rules=st.lists(schedules(), max_size=6),
    hour=st.integers(min_value=-60, max_value=160),
)
def test_a_discounted_price_is_never_negative_nor_above_base(base, rules, hour):
    moment = T0 + timedelta(hours=hour)
    price = price_package(base=base, schedules=rules, moment=moment, usd_to_idr_rate=RATE)

    assert price.final.usd_cents >= 0 and price.final.idr >= 0
    if price.schedule is None or price.schedule.kind is not DiscountKind.PRICE_OVERRIDE:
        assert price.final.usd_cents <= base.usd_cents and price.final.idr <= base.idr
    live = [rule for rule in rules if rule.is_live_at(moment)]
    if live:
        assert price.schedule is not None
        assert price.schedule.priority == max(rule.priority for rule in live)
    else:
        assert price.schedule is None and price.final == base
    assert sum(verdict.applied for verdict in price.considered) == (1 if live else 0)


lines = st.lists(
    st.builds(
        Line,
        package_id=st.sampled_from(["a", "b", "c"]),
        quantity=st.integers(min_value=1, max_value=10),
        unit_price_cents=st.integers(min_value=0, max_value=100_000),
        unit_discount_cents=st.integers(min_value=0, max_value=100_000),
    ),
    min_size=1,
    max_size=5,
)
codes = st.builds(
    PromoCode,
    code=st.just("CODE"),
    kind=st.sampled_from([DiscountKind.PERCENTAGE, DiscountKind.FIXED]),
    value=st.integers(min_value=0, max_value=2 * BPS),
    max_discount_cents=st.none() | st.integers(min_value=0, max_value=50_000),
    stackable_with_product_discount=st.booleans(),
    applicable_package_ids=st.none() | st.frozensets(st.sampled_from(["a", "b", "c"])),
)


@given(items=lines, code=st.none() | codes)
def test_totals_add_up_and_a_code_never_takes_more_than_allowed(items, code):
    total = order_total(items, code)

    assert total.total_cents >= 0
    assert (
        total.total_cents
        == total.subtotal_cents - total.product_discount_cents - total.code_discount_cents
    )
    assert total.total_cents == sum(line.total_cents for line in total.lines)
    assert all(line.total_cents >= 0 for line in total.lines)
    assert total.code_discount_cents <= total.subtotal_cents - total.product_discount_cents
    if (
        code is not None
        and code.max_discount_cents is not None
        and code.kind is DiscountKind.PERCENTAGE
    ):
        assert total.code_discount_cents <= code.max_discount_cents
    if code is None:
        assert total.code_discount_cents == 0
    breakdown = total.breakdown()
    assert sum(line["total_cents"] for line in breakdown["lines"]) == breakdown["total_cents"]


def test_points_take_a_dollar_per_hundred_up_to_half_of_what_is_left_to_pay():
    items = [Line("a", 1, 1000), Line("b", 2, 500, 100)]  # 1000 + 800 to pay
    half = PointsOffer(points=5000, points_per_dollar=100, max_share_bps=5000)

    assert order_total(items, points=half).points_discount_cents == 900  # capped at 50 %
    assert order_total(items, points=half).points_redeemed == 900  # no more than needed
    small = order_total(items, points=PointsOffer(250, 100, 5000))
    assert (small.points_discount_cents, small.points_redeemed, small.total_cents) == (
        250,
        250,
        1550,
    )
    # A coarser rate: 150 points a dollar; 100 points are worth 66 cents, which cost 99 points.
    coarse = order_total(items, points=PointsOffer(100, 150, 5000))
    assert (coarse.points_discount_cents, coarse.points_redeemed) == (66, 99)
    assert coarse.breakdown()["points"] == {"redeemed": 99, "discount_cents": 66}
    # 50 points a dollar (2 cents each) and 7 cents allowed: 3 points for 6 cents, never a
    # fourth point for the odd cent.
    fine = order_total([Line("a", 1, 14)], points=PointsOffer(100, 50, 5000))
    assert (fine.points_discount_cents, fine.points_redeemed) == (6, 3)


offers = st.builds(
    PointsOffer,
    points=st.integers(min_value=0, max_value=1_000_000),
    points_per_dollar=st.integers(min_value=1, max_value=1000),
    max_share_bps=st.integers(min_value=0, max_value=BPS - 1),
)


@given(items=lines, code=st.none() | codes, points=offers)
def test_points_never_pay_more_than_their_share_nor_cost_more_than_offered(items, code, points):
    without = order_total(items, code)
    total = order_total(items, code, points)

    payable = without.total_cents
    assert total.points_discount_cents <= payable * points.max_share_bps // BPS
    assert total.total_cents == payable - total.points_discount_cents
    assert payable == 0 or total.total_cents > 0  # points never pay for the whole order
    assert total.points_redeemed <= points.points
    # The points taken are worth exactly the discount (to the cent), and one fewer would not be.
    worth = total.points_redeemed * 100 // points.points_per_dollar
    assert worth == total.points_discount_cents
    if total.points_redeemed:
        assert (total.points_redeemed - 1) * 100 < total.points_discount_cents * (
            points.points_per_dollar
        )
    assert all(line.total_cents >= 0 for line in total.lines)
    assert total.total_cents == sum(line.total_cents for line in total.lines)


@st.composite
def base_changes(draw):
    """A consistent change history per currency (each change starts from the previous value),
    shuffled: the engine must not rely on the order it is given."""
    changes = []
    for currency in Currency:
        hours = sorted(
            draw(st.lists(st.integers(min_value=-60, max_value=160), max_size=4, unique=True))
        )
        value = draw(money)
        for hour in hours:
            new_value = draw(money)
            changes.append(
                RecordedPriceChange(T0 + timedelta(hours=hour), currency, value, new_value)
            )
            value = new_value
    return draw(st.permutations(changes))


@given(
    base=st.builds(Prices, money, money),
    rules=st.lists(schedules(), max_size=6),
    changes=base_changes(),
    since=st.integers(min_value=-60, max_value=120),
    hours=st.integers(min_value=1, max_value=80),
)
def test_the_lowest_price_is_the_lowest_at_any_moment_of_the_period(
    base, rules, changes, since, hours
):
    lowest = lowest_price_between(
        base=base,
        base_changes=changes,
        schedules=rules,
        since=T0 + timedelta(hours=since),
        until=T0 + timedelta(hours=since + hours),
        usd_to_idr_rate=RATE,
    )

    # Every schedule edge and change falls on a whole hour, so the price is constant within
    # each hour: the hours of the period are every price it had.
    had = [
        price_package(
            base=base_price_at(base, changes, moment),
            schedules=rules,
            moment=moment,
            usd_to_idr_rate=RATE,
        ).final
        for moment in (T0 + timedelta(hours=hour) for hour in range(since, since + hours))
    ]
    assert lowest.usd_cents == min(price.usd_cents for price in had)
    assert lowest.idr == min(price.idr for price in had)


@given(
    base=st.builds(Prices, money, money),
    since=st.integers(min_value=-60, max_value=120),
    hours=st.integers(min_value=1, max_value=80),
)
def test_with_nothing_scheduled_or_changed_the_lowest_price_is_the_base_price(base, since, hours):
    lowest = lowest_price_between(
        base=base,
        base_changes=[],
        schedules=[],
        since=T0 + timedelta(hours=since),
        until=T0 + timedelta(hours=since + hours),
        usd_to_idr_rate=RATE,
    )

    assert lowest == base
