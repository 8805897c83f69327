"""The pricing engine: pure functions over plain dataclasses. No ORM, no clock, no settings:
the moment and the exchange rate are arguments, so every price can be recomputed and explained.

Money is integer minor units: USD cents and whole IDR. Percentages are basis points
(2500 = 25 %). Every rounding is named where it happens:

- a scheduled percentage discount is rounded half up to the unit (25 % off $9.99 = $2.50 off);
- a promo code percentage is floored to the unit (20 % off $9.99 = $1.99 off);
- an experiment variant's percentage is rounded half away from zero (+5 % of $9.99 = +$0.50,
  -5 % of it = -$0.50): applied after the schedule, before promo codes;
- USD amounts become IDR at `usd_to_idr_rate` (IDR per USD), rounded half up to the rupiah.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cached_property
from typing import Any

BPS = 10_000  # basis points in a whole


class DiscountKind(StrEnum):
    PERCENTAGE = "percentage"  # value in basis points
    FIXED = "fixed"  # value in USD cents
    PRICE_OVERRIDE = "price_override"  # a set price for the period


# ------------------------------------------------------------------------------ rounding
def round_half_up_div(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up, for non-negative numbers."""
    return (2 * numerator + denominator) // (2 * denominator)


def usd_cents_to_idr(cents: int, usd_to_idr_rate: int) -> int:
    return round_half_up_div(cents * usd_to_idr_rate, 100)


# ------------------------------------------------------------------------------ package prices
@dataclass(frozen=True)
class Prices:
    usd_cents: int
    idr: int

    def minus(self, other: Prices) -> Prices:
        return Prices(self.usd_cents - other.usd_cents, self.idr - other.idr)


@dataclass(frozen=True)
class Schedule:
    """A price schedule as the engine needs it."""

    id: str
    name: str
    kind: DiscountKind
    starts_at: datetime
    ends_at: datetime
    created_at: datetime
    value: int = 0  # basis points (percentage) or USD cents (fixed)
    override_usd_cents: int | None = None
    override_idr: int | None = None
    priority: int = 0
    is_active: bool = True
    badge_text: str = ""
    badge_color: str = ""

    def is_live_at(self, moment: datetime) -> bool:
        """Half-open window: live at `starts_at`, no longer at `ends_at`."""
        return self.is_active and self.starts_at <= moment < self.ends_at


@dataclass(frozen=True)
class Variant:
    """A price experiment's variant as the engine needs it: a step after the schedule. The
    control (`kind` None) keeps the price; a variant moves it by signed basis points or USD
    cents, or sets it."""

    experiment_id: str
    experiment_name: str
    id: str
    name: str
    kind: DiscountKind | None = None
    value: int = 0  # signed: basis points (percentage) or USD cents (fixed); negative lowers
    override_usd_cents: int | None = None
    override_idr: int | None = None

    @property
    def is_control(self) -> bool:
        return self.kind is None


@dataclass(frozen=True)
class Verdict:
    """What the engine decided about one rule, and why."""

    rule: str
    applied: bool
    reason: str


@dataclass(frozen=True)
class PackagePrice:
    """`original` is the base price; `regular` what this visitor pays when no schedule runs
    (the base price, moved by their experiment variant: a price test's price is the price,
    never shown as a discount); `final` what they pay now. Discounts are `regular` - `final`."""

    original: Prices
    final: Prices
    schedule: Schedule | None
    moment: datetime
    schedules: tuple[Schedule, ...]  # every schedule that was considered
    variant: Variant | None = None  # the visitor's variant of a price experiment, if any
    regular_price: Prices | None = None  # None: the original

    @property
    def regular(self) -> Prices:
        return self.original if self.regular_price is None else self.regular_price

    @cached_property
    def considered(self) -> tuple[Verdict, ...]:
        """Why each schedule applied or not. Worked out when asked for: a page of prices or a
        search for the lowest price over a month never reads it."""
        return tuple(
            Verdict(
                schedule.name,
                schedule is self.schedule,
                "applied"
                if schedule is self.schedule
                else _why_not(schedule, self.moment, self.schedule),
            )
            for schedule in self.schedules
        )

    @property
    def has_discount(self) -> bool:
        return self.final.usd_cents < self.regular.usd_cents

    @property
    def savings(self) -> Prices:
        return Prices(
            max(0, self.regular.usd_cents - self.final.usd_cents),
            max(0, self.regular.idr - self.final.idr),
        )

    @property
    def discount_bps(self) -> int:
        """The USD saving as basis points of the regular price, floored (never overstated)."""
        if not self.regular.usd_cents:
            return 0
        return self.savings.usd_cents * BPS // self.regular.usd_cents

    @property
    def discount_ends_at(self) -> datetime | None:
        return self.schedule.ends_at if self.schedule and self.has_discount else None


def winning_schedule(schedules: Sequence[Schedule], moment: datetime) -> Schedule | None:
    """The live schedule with the highest priority; on a tie the earliest created wins."""
    live = [schedule for schedule in schedules if schedule.is_live_at(moment)]
    return min(live, key=lambda s: (-s.priority, s.created_at, s.id), default=None)


def _why_not(schedule: Schedule, moment: datetime, winner: Schedule | None) -> str:
    if not schedule.is_active:
        return "switched off"
    if moment < schedule.starts_at:
        return f"starts {schedule.starts_at.isoformat()}"
    if moment >= schedule.ends_at:
        return f"ended {schedule.ends_at.isoformat()}"
    assert winner is not None  # it is live, so some schedule won  # noqa: S101
    if winner.priority > schedule.priority:
        return f"outranked by {winner.name!r} (priority {winner.priority} > {schedule.priority})"
    return f"tied with {winner.name!r} at priority {schedule.priority}; the earlier created wins"


def _set_price(
    price: Prices, usd_cents: int | None, idr: int | None, usd_to_idr_rate: int
) -> Prices:
    """A price override (a schedule's or a variant's): its USD price (None: keep `price`'s),
    and its IDR price or, None, the USD price converted."""
    usd = price.usd_cents if usd_cents is None else usd_cents
    idr = idr if idr is not None else usd_cents_to_idr(usd, usd_to_idr_rate)
    return Prices(max(0, usd), max(0, idr))


def _scheduled_price(base: Prices, schedule: Schedule, usd_to_idr_rate: int) -> Prices:
    if schedule.kind is DiscountKind.PRICE_OVERRIDE:
        return _set_price(base, schedule.override_usd_cents, schedule.override_idr, usd_to_idr_rate)
    if schedule.kind is DiscountKind.PERCENTAGE:
        bps = min(max(schedule.value, 0), BPS)
        off = Prices(
            round_half_up_div(base.usd_cents * bps, BPS), round_half_up_div(base.idr * bps, BPS)
        )
    else:
        off = Prices(schedule.value, usd_cents_to_idr(schedule.value, usd_to_idr_rate))
    return Prices(max(0, base.usd_cents - off.usd_cents), max(0, base.idr - off.idr))


def _signed_share(amount: int, bps: int) -> int:
    """`amount` x `bps` / 10,000, its size rounded half up (half away from zero)."""
    size = round_half_up_div(amount * abs(bps), BPS)
    return size if bps >= 0 else -size


def variant_price(price: Prices, variant: Variant, usd_to_idr_rate: int) -> Prices:
    """What a variant makes of `price` (the price after schedules). Never below zero."""
    if variant.kind is None:
        return price
    if variant.kind is DiscountKind.PRICE_OVERRIDE:
        return _set_price(price, variant.override_usd_cents, variant.override_idr, usd_to_idr_rate)
    if variant.kind is DiscountKind.PERCENTAGE:
        bps = min(max(variant.value, -BPS), BPS)
        moved = Prices(_signed_share(price.usd_cents, bps), _signed_share(price.idr, bps))
    else:
        idr = usd_cents_to_idr(abs(variant.value), usd_to_idr_rate)
        moved = Prices(variant.value, idr if variant.value >= 0 else -idr)
    return Prices(max(0, price.usd_cents + moved.usd_cents), max(0, price.idr + moved.idr))


def price_package(
    *,
    base: Prices,
    schedules: Sequence[Schedule],
    moment: datetime,
    usd_to_idr_rate: int,
    variant: Variant | None = None,
) -> PackagePrice:
    """A package's price at `moment`: its base price, changed by the winning live schedule,
    then by the visitor's experiment variant."""
    winner = winning_schedule(schedules, moment)
    final = base if winner is None else _scheduled_price(base, winner, usd_to_idr_rate)
    regular = None
    if variant is not None:
        final = variant_price(final, variant, usd_to_idr_rate)
        regular = variant_price(base, variant, usd_to_idr_rate)
    return PackagePrice(
        original=base,
        final=final,
        schedule=winner,
        moment=moment,
        schedules=tuple(schedules),
        variant=variant,
        regular_price=regular,
    )


def next_price_change(schedules: Sequence[Schedule], moment: datetime) -> datetime | None:
    """The next moment any schedule starts or ends: a price computed now holds until then."""
    edges = [
        edge
        for schedule in schedules
        if schedule.is_active
        for edge in (schedule.starts_at, schedule.ends_at)
        if edge > moment
    ]
    return min(edges, default=None)


# ------------------------------------------------------------------------------ price history
class Currency(StrEnum):
    USD = "USD"  # USD cents
    IDR = "IDR"  # whole rupiah


@dataclass(frozen=True)
class RecordedPriceChange:
    """One change of a package's base price in one currency, as the price history records it:
    `new_value` is in force from `changed_at` on, `old_value` was in force until then."""

    changed_at: datetime
    currency: Currency
    old_value: int
    new_value: int


def _amount_at(current: int, changes: Sequence[RecordedPriceChange], moment: datetime) -> int:
    ordered = sorted(changes, key=lambda change: change.changed_at)  # stable: ties keep order
    if not ordered:
        return current
    in_force = ordered[0].old_value
    for change in ordered:
        if change.changed_at > moment:
            break
        in_force = change.new_value
    return in_force


def base_price_at(
    current: Prices, changes: Sequence[RecordedPriceChange], moment: datetime
) -> Prices:
    """The base price in force at `moment`, from the changes of each currency: before the first
    change, that change's old value; from a change on, its new value; with no change of a
    currency, its `current` amount."""
    return Prices(
        _amount_at(current.usd_cents, [c for c in changes if c.currency is Currency.USD], moment),
        _amount_at(current.idr, [c for c in changes if c.currency is Currency.IDR], moment),
    )


def lowest_price_between(
    *,
    base: Prices,
    base_changes: Sequence[RecordedPriceChange],
    schedules: Sequence[Schedule],
    since: datetime,
    until: datetime,
    usd_to_idr_rate: int,
) -> Prices:
    """The lowest final price, USD and IDR each on its own, at any moment of [since, until).

    A price only changes when a schedule starts or ends or a base price changes, so it is
    evaluated at `since` and at each of those moments inside the window. `base` is the current
    base price, in force throughout when `base_changes` says nothing of a currency."""
    if until <= since:
        raise ValueError("the window is empty: until must be after since")
    edges = {
        edge
        for schedule in schedules
        for edge in (schedule.starts_at, schedule.ends_at)
        if since < edge < until
    }
    edges.update(change.changed_at for change in base_changes if since < change.changed_at < until)
    prices = [
        price_package(
            base=base_price_at(base, base_changes, moment),
            schedules=schedules,
            moment=moment,
            usd_to_idr_rate=usd_to_idr_rate,
        ).final
        for moment in (since, *edges)
    ]
    return Prices(min(price.usd_cents for price in prices), min(price.idr for price in prices))


# ------------------------------------------------------------------------------ order totals
@dataclass(frozen=True)
class Line:
    package_id: str
    quantity: int
    unit_price_cents: int  # the original (base) price
    unit_discount_cents: int = 0  # the product discount per unit (from the package's schedule)
    schedule_name: str = ""
    schedule_id: str = ""  # the schedule that set unit_discount_cents (kept with the order)
    variant: Variant | None = None  # the price experiment's variant that priced the line


# Why a promo code took nothing off: stable texts, so callers can tell the cases apart.
CODE_NOT_APPLICABLE = "not applicable to these packages"
CODE_NOT_COMBINABLE = "cannot be combined with the packages' own discounts"
CODE_NOTHING_LEFT = "nothing left to discount"


@dataclass(frozen=True)
class PromoCode:
    code: str
    kind: DiscountKind  # PERCENTAGE (basis points) or FIXED (cents)
    value: int
    max_discount_cents: int | None = None
    stackable_with_product_discount: bool = True
    applicable_package_ids: frozenset[str] | None = None  # None: every package
    excluded_package_ids: frozenset[str] = field(default_factory=frozenset)

    def covers(self, package_id: str) -> bool:
        if package_id in self.excluded_package_ids:
            return False
        return self.applicable_package_ids is None or package_id in self.applicable_package_ids


@dataclass(frozen=True)
class PointsOffer:
    """Points a signed-in customer offers to pay with: each `points_per_dollar` of them take
    a dollar off what is left after the code, up to `max_share_bps` of it (never all of it)."""

    points: int
    points_per_dollar: int
    max_share_bps: int

    def value_cents(self) -> int:
        return self.worth_cents(max(self.points, 0))

    def worth_cents(self, points: int) -> int:
        return points * 100 // self.points_per_dollar  # floored: no part cents

    def discount_within(self, cap_cents: int) -> tuple[int, int]:
        """(discount, points) for at most `cap_cents` off: whole points, each paying its full
        worth (a fraction of a cent is never charged a point), and the fewest points that buy
        that discount."""
        cents = min(self.value_cents(), max(cap_cents, 0))
        discount = self.worth_cents(cents * self.points_per_dollar // 100)
        return discount, -(-discount * self.points_per_dollar // 100)  # points rounded up


@dataclass(frozen=True)
class LineTotal:
    line: Line
    subtotal_cents: int
    product_discount_cents: int
    code_discount_cents: int
    points_discount_cents: int = 0

    @property
    def total_cents(self) -> int:
        return (
            self.subtotal_cents
            - self.product_discount_cents
            - self.code_discount_cents
            - self.points_discount_cents
        )


@dataclass(frozen=True)
class OrderTotal:
    lines: tuple[LineTotal, ...]
    code_verdict: Verdict | None
    points_redeemed: int = 0  # what the points discount costs the customer

    @property
    def subtotal_cents(self) -> int:
        return sum(line.subtotal_cents for line in self.lines)

    @property
    def product_discount_cents(self) -> int:
        return sum(line.product_discount_cents for line in self.lines)

    @property
    def code_discount_cents(self) -> int:
        return sum(line.code_discount_cents for line in self.lines)

    @property
    def points_discount_cents(self) -> int:
        return sum(line.points_discount_cents for line in self.lines)

    @property
    def total_discount_cents(self) -> int:
        return self.product_discount_cents + self.code_discount_cents + self.points_discount_cents

    @property
    def total_cents(self) -> int:
        return self.subtotal_cents - self.total_discount_cents

    def breakdown(self) -> dict[str, Any]:
        """Every line and rule, as stored with an order and shown in Admin."""
        return {
            "lines": [
                {
                    "package_id": item.line.package_id,
                    "quantity": item.line.quantity,
                    "unit_price_cents": item.line.unit_price_cents,
                    "unit_discount_cents": item.line.unit_discount_cents,
                    "schedule": item.line.schedule_name or None,
                    "experiment": _experiment_named(item.line.variant),
                    "subtotal_cents": item.subtotal_cents,
                    "product_discount_cents": item.product_discount_cents,
                    "code_discount_cents": item.code_discount_cents,
                    "points_discount_cents": item.points_discount_cents,
                    "total_cents": item.total_cents,
                }
                for item in self.lines
            ],
            "code": None
            if self.code_verdict is None
            else {
                "code": self.code_verdict.rule,
                "applied": self.code_verdict.applied,
                "reason": self.code_verdict.reason,
            },
            "points": {
                "redeemed": self.points_redeemed,
                "discount_cents": self.points_discount_cents,
            }
            if self.points_redeemed
            else None,
            "subtotal_cents": self.subtotal_cents,
            "product_discount_cents": self.product_discount_cents,
            "code_discount_cents": self.code_discount_cents,
            "points_discount_cents": self.points_discount_cents,
            "total_cents": self.total_cents,
        }


def _experiment_named(variant: Variant | None) -> dict[str, str] | None:
    if variant is None:
        return None
    return {
        "experiment_id": variant.experiment_id,
        "experiment": variant.experiment_name,
        "variant_id": variant.id,
        "variant": variant.name,
    }


def _code_discount(code: PromoCode, base_cents: int) -> int:
    if code.kind is DiscountKind.PERCENTAGE:
        amount = base_cents * min(max(code.value, 0), BPS) // BPS  # floored to the cent
        if code.max_discount_cents is not None:
            amount = min(amount, code.max_discount_cents)
    else:
        amount = max(code.value, 0)
    return min(amount, base_cents)  # never more than what it applies to


def _spread(amount: int, weights: Sequence[int]) -> list[int]:
    """Splits `amount` over lines in proportion to `weights` (largest remainders), so the
    per-line shares always add up to exactly `amount`."""
    total = sum(weights)
    if not total:
        return [0 for _ in weights]
    shares = [amount * weight // total for weight in weights]
    remainders = sorted(
        range(len(weights)), key=lambda index: (-(amount * weights[index] % total), index)
    )
    for index in remainders[: amount - sum(shares)]:
        shares[index] += 1
    return shares


def order_total(
    lines: Sequence[Line], code: PromoCode | None = None, points: PointsOffer | None = None
) -> OrderTotal:
    """Product discounts per line first; then the code on what is left of the lines it covers,
    if it may combine with product discounts; then points on what is left to pay."""
    subtotals = [line.unit_price_cents * line.quantity for line in lines]
    product = [
        min(line.unit_discount_cents, line.unit_price_cents) * line.quantity for line in lines
    ]
    code_shares = [0 for _ in lines]
    verdict: Verdict | None = None
    if code is not None:
        covered = [index for index, line in enumerate(lines) if code.covers(line.package_id)]
        has_product_discount = any(product[index] for index in covered)
        if not covered:
            verdict = Verdict(code.code, False, CODE_NOT_APPLICABLE)
        elif has_product_discount and not code.stackable_with_product_discount:
            verdict = Verdict(code.code, False, CODE_NOT_COMBINABLE)
        else:
            remaining = [subtotals[index] - product[index] for index in covered]
            amount = _code_discount(code, sum(remaining))
            for index, share in zip(covered, _spread(amount, remaining), strict=True):
                code_shares[index] = share
            verdict = Verdict(code.code, amount > 0, "applied" if amount else CODE_NOTHING_LEFT)
    points_shares, redeemed = [0 for _ in lines], 0
    if points is not None:
        payable = [subtotals[i] - product[i] - code_shares[i] for i in range(len(lines))]
        share_bps = min(max(points.max_share_bps, 0), BPS)
        amount, redeemed = points.discount_within(sum(payable) * share_bps // BPS)
        points_shares = _spread(amount, payable)
    return OrderTotal(
        lines=tuple(
            LineTotal(line, subtotals[i], product[i], code_shares[i], points_shares[i])
            for i, line in enumerate(lines)
        ),
        code_verdict=verdict,
        points_redeemed=redeemed,
    )


# ------------------------------------------------------------------------------ timeline
@dataclass(frozen=True)
class PricePeriod:
    """A stretch of time with one price: from `starts_at` until `ends_at` (None: no end known)."""

    starts_at: datetime
    ends_at: datetime | None
    schedule: Schedule | None
    price: Prices


def price_timeline(
    *, base: Prices, schedules: Sequence[Schedule], since: datetime, usd_to_idr_rate: int
) -> list[PricePeriod]:
    """Which schedule wins when, from `since` on: one period per change of winner."""
    edges = sorted(
        {since}
        | {
            edge
            for schedule in schedules
            if schedule.is_active
            for edge in (schedule.starts_at, schedule.ends_at)
            if edge > since
        }
    )
    periods: list[PricePeriod] = []
    for starts_at, ends_at in zip(edges, [*edges[1:], None], strict=True):
        winner = winning_schedule(schedules, starts_at)
        if periods and periods[-1].schedule is winner:
            periods[-1] = PricePeriod(periods[-1].starts_at, ends_at, winner, periods[-1].price)
            continue
        price = base if winner is None else _scheduled_price(base, winner, usd_to_idr_rate)
        periods.append(PricePeriod(starts_at, ends_at, winner, price))
    return periods


def same_priority_overlaps(schedule: Schedule, others: Sequence[Schedule]) -> list[Schedule]:
    """The other active schedules sharing `schedule`'s priority whose windows overlap it: the
    earliest created would silently win, which is rarely what an admin meant."""
    if not schedule.is_active:
        return []
    return [
        other
        for other in others
        if other.id != schedule.id
        and other.is_active
        and other.priority == schedule.priority
        and other.starts_at < schedule.ends_at
        and schedule.starts_at < other.ends_at
    ]


# ------------------------------------------------------------------------------ margin guard
@dataclass(frozen=True)
class PaymentFee:
    """What the payment provider keeps of a sale: a share of the price plus a fixed amount."""

    bps: int
    fixed_cents: int

    def of(self, price_cents: int) -> int:
        return round_half_up_div(price_cents * self.bps, BPS) + self.fixed_cents


def sells_below_cost(*, price_cents: int, cost_cents: int, fee: PaymentFee) -> bool:
    """True when a sale at `price_cents` keeps less than the provider's cost after the fee."""
    return price_cents - fee.of(price_cents) < cost_cents
