"""The engine's price experiment step: a visitor's variant moves their price after the winning
schedule and before promo codes. A variant's price is the visitor's regular price (never shown
as a discount); only a schedule takes something off it."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from pricing.engine import BPS, DiscountKind, Prices, Schedule, Variant, price_package

RATE = 16_000
T0 = datetime(2026, 12, 1, tzinfo=UTC)
JAPAN = Prices(usd_cents=999, idr=159_000)
SALE = Schedule(
    id="s",
    name="Winter sale",
    kind=DiscountKind.PERCENTAGE,
    value=2_000,
    starts_at=T0 - timedelta(days=1),
    ends_at=T0 + timedelta(days=1),
    created_at=T0 - timedelta(days=2),
)


def _variant(kind=None, value=0, usd=None, idr=None):
    return Variant("e", "Japan test", "v", "Variant", kind, value, usd, idr)


def _price(variant, schedules=()):
    return price_package(
        base=JAPAN, schedules=schedules, moment=T0, usd_to_idr_rate=RATE, variant=variant
    )


def test_a_lower_variant_is_the_visitors_regular_price_not_a_discount():
    price = _price(_variant(DiscountKind.PERCENTAGE, -1_000))

    # 10 % of $9.99 is $0.999, rounded half away from zero to $1.00: $8.99.
    assert (price.regular, price.final) == (Prices(899, 143_100), Prices(899, 143_100))
    assert not price.has_discount and price.savings == Prices(0, 0)
    assert price.original == JAPAN  # the base price stays what it is


def test_a_sale_takes_its_share_off_the_variants_price():
    price = _price(_variant(DiscountKind.PERCENTAGE, 500), [SALE])

    # $9.99 - 20 % (half up: $2.00) = $7.99; +5 % of it ($0.3995: $0.40) = $8.39. The visitor's
    # regular price: $9.99 + 5 % ($0.4995: $0.50) = $10.49. The sale saves them $2.10.
    assert (price.regular.usd_cents, price.final.usd_cents) == (1_049, 839)
    assert price.has_discount and price.savings.usd_cents == 210
    assert price.schedule is SALE


def test_a_fixed_variant_moves_idr_by_the_converted_amount_and_a_set_price_sets_both():
    raised = _price(_variant(DiscountKind.FIXED, 150))
    assert raised.final == Prices(1_149, 159_000 + 24_000)  # $1.50 at 16,000 IDR per USD
    set_price = _price(_variant(DiscountKind.PRICE_OVERRIDE, 0, 500, None), [SALE])
    assert set_price.final == set_price.regular == Prices(500, 80_000)


money = st.integers(min_value=0, max_value=10_000_000)
variants = st.one_of(
    st.builds(lambda v: _variant(DiscountKind.PERCENTAGE, v), st.integers(-BPS, BPS)),
    st.builds(lambda v: _variant(DiscountKind.FIXED, v), st.integers(-100_000, 100_000)),
    st.builds(
        lambda usd, idr: _variant(DiscountKind.PRICE_OVERRIDE, 0, usd, idr),
        money,
        st.none() | money,
    ),
    st.just(_variant()),
)
discounts = st.builds(
    lambda kind, value: Schedule(
        id="d",
        name="Sale",
        kind=kind,
        value=value,
        starts_at=T0 - timedelta(days=1),
        ends_at=T0 + timedelta(days=1),
        created_at=T0 - timedelta(days=2),
    ),
    st.sampled_from([DiscountKind.PERCENTAGE, DiscountKind.FIXED]),
    st.integers(0, BPS),
)


@given(base=st.builds(Prices, money, money), variant=variants, sale=st.none() | discounts)
def test_a_visitors_price_is_never_negative_and_a_sale_never_raises_it(base, variant, sale):
    price = price_package(
        base=base,
        schedules=[sale] if sale else [],
        moment=T0,
        usd_to_idr_rate=RATE,
        variant=variant,
    )

    assert price.final.usd_cents >= 0 and price.final.idr >= 0
    assert price.final.usd_cents <= price.regular.usd_cents  # a discount only takes off
    assert price.final.idr <= price.regular.idr
    if sale is None:
        assert price.final == price.regular and not price.has_discount
    if variant.is_control:  # the control's visitors pay what everyone pays
        plain = price_package(
            base=base, schedules=[sale] if sale else [], moment=T0, usd_to_idr_rate=RATE
        )
        assert (price.final, price.regular) == (plain.final, plain.regular)
