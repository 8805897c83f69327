"""The shop's history, simulated order by order in time for bench/analytics_data.py: who buys
what, at what price (the real pricing engine: schedules, codes, points), what happens next
(payment, delivery, installs, refunds, the 90-day eSIM refunds) and the points ledger, written
out as rows of the real tables. No database here: rows are tuples in the tables' column
order, and the caller copies them in.

A run is deterministic for a seed: every draw comes from one `random.Random`, ids included.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import random
from bisect import bisect
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import accumulate
from typing import Any

import analytics_mix as mix

from points.rules import FIRST_PURCHASE_BONUS, points_for_paid_cents
from pricing import engine
from pricing.engine import Prices

ORDER_WINDOW = timedelta(minutes=60)  # ORDER_PAYMENT_WINDOW_MINUTES' default
REFUND_AFTER = timedelta(days=90)
POINTS_EXPIRE_AFTER = timedelta(days=365)
UNUSED_VALID = timedelta(days=180)  # an eSIM never installed lapses after this
REFUND_JOB_AT = time(4, 0)  # the 90-day refund job's daily run (UTC)
EXPIRY_JOB_AT = time(2, 30)  # the points expiry job's daily run (UTC)
SMDP_ADDRESS = "smdp.sandbox.esimaccess.local"
ORDER_NUMBER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
SHIFTS = (0, 5, 10, 15, 20)
UUID_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))  # the version and variant bits ...
UUID_V4 = (0x4000 << 64) | (0x8000 << 48)  # ... set as uuid.uuid4 sets them
UNUSABLE_PASSWORD = "!bench-generated-account"  # noqa: S105 (an unusable hash: no one logs in)
REFUND_REASONS = (
    ("Trip cancelled", 40),
    ("Phone not compatible with eSIM", 25),
    ("Bought the wrong package", 20),
    ("Bought twice by mistake", 10),
    ("No coverage at the destination", 5),
)

TABLES: dict[str, tuple[str, ...]] = {
    "accounts_user": (
        "id", "password", "is_superuser", "email", "full_name", "phone", "is_staff",
        "is_active", "date_joined", "email_verified_at", "last_login",
    ),
    "accounts_customerprofile": (
        "user_id", "preferred_currency", "email_notifications", "points_balance",
        "points_reserved", "total_points_earned", "total_points_spent", "total_points_expired",
        "total_orders", "total_spent_cents", "created_at", "updated_at",
    ),
    "accounts_firsttouch": (
        "email_hash", "utm_source", "utm_medium", "utm_campaign", "referrer_host",
        "recorded_at", "recorded_by",
    ),
    "orders_order": (
        "id", "order_number", "user_id", "customer_email", "customer_name", "currency_code",
        "subtotal_cents", "product_discount_cents", "code_discount_cents",
        "points_discount_cents", "total_discount_cents", "total_cents", "discount_code_id",
        "discount_code_used", "pricing_breakdown", "priced_at", "status", "payment_status",
        "esim_status", "reservation", "needs_review", "review_reason", "paddle_transaction_id",
        "paddle_customer_id", "paddle_checkout_url", "payment_failure_reason",
        "last_payment_event_at", "refunded_at", "points_earned", "points_redeemed",
        "points_applied", "access_token_hash", "metadata", "utm_source", "utm_medium",
        "utm_campaign", "referrer_host", "created_at", "expires_at", "paid_at",
        "fulfilment_requested_at", "completed_at", "updated_at",
    ),
    "orders_orderitem": (
        "id", "order_id", "package_id", "package_code", "package_name", "quantity",
        "unit_price_cents", "product_discount_cents", "final_unit_price_cents", "total_cents",
        "code_discount_cents", "points_discount_cents", "schedule_name", "price_schedule_id",
        "esim_order_no", "transaction_id", "provider_unit_price_units", "status",
        "profiles_ordered", "profiles_delivered", "profiles_cancelled", "created_at",
        "updated_at",
    ),
    "orders_esimprofile": (
        "id", "order_id", "order_item_id", "profile_index", "esim_tran_no", "esim_order_no",
        "iccid", "qr_code_url", "short_url", "sm_dp_address", "activation_code", "manual_code",
        "esim_status", "smdp_status", "resource_ready_at", "downloaded_at", "installed_at",
        "enabled_at", "data_used_bytes", "data_total_bytes", "usage_percentage", "expires_at",
        "refund_eligible_at", "refund_status", "refunded_at", "refund_amount_cents",
        "refund_attempts", "refund_error", "metadata", "created_at", "updated_at",
    ),
    "orders_paymentrefund": (
        "order_id", "status", "is_full", "amount_cents", "reason", "paddle_adjustment_id",
        "requested_at", "sent_at", "decided_at", "error_message",
    ),
    "pricing_discountcodeusage": (
        "discount_id", "status", "order_id", "user_id", "guest_email", "discount_amount_cents",
        "order_total_cents", "used_at",
    ),
    "points_pointstransaction": (
        "user_id", "kind", "points", "balance_after", "order_id", "reason", "note", "unused",
        "expires_at", "shortfall", "created_at",
    ),
}  # fmt: skip
LEDGER_UNUSED = TABLES["points_pointstransaction"].index("unused")
Row = tuple[Any, ...]

PAID = ("completed", "refunded", "failed", "failed_refunded")
UNPAID_OUTCOMES = (("expired", 70), ("declined", 15), ("cancelled", 10), ("checkout_failed", 5))


# ------------------------------------------------------------------------------ what is sold
@dataclass(frozen=True)
class Package:
    id: str
    code: str
    slug: str
    title: str
    location: str
    usd_cents: int
    idr: int
    cost_units: int
    volume_bytes: int
    days: int
    daily: bool


@dataclass(frozen=True)
class Code:
    id: str
    spec: mix.CodeSpec
    usd: engine.PromoCode
    idr: engine.PromoCode


class Picker:
    """Draws items in proportion to their weights (bisect on the running total)."""

    def __init__(self, items: Sequence[Any], weights: Sequence[float]) -> None:
        self.items = list(items)
        self.totals = list(accumulate(weights))

    def pick(self, rng: random.Random) -> Any:
        return self.items[bisect(self.totals, rng.random() * self.totals[-1])]


DOMAINS = Picker([d for d, _ in mix.EMAIL_DOMAINS], [w for _, w in mix.EMAIL_DOMAINS])
IDR_DOMAINS = Picker([d for d, _ in mix.IDR_EMAIL_DOMAINS], [w for _, w in mix.IDR_EMAIL_DOMAINS])


# ------------------------------------------------------------------------------ who buys
class Points:
    """A customer's points, as points.services keeps them: the balance, what unpaid orders
    hold, and the earned lots still unused, oldest first (first in, first out)."""

    __slots__ = ("balance", "lots", "reserved", "user_id")

    def __init__(self, user_id: str) -> None:
        self.user_id = user_id
        self.balance = 0
        self.reserved = 0
        self.lots: deque[list[Any]] = deque()  # the ledger rows (lists) with unused points


class Customer:
    __slots__ = (
        "completed", "currency", "email", "index", "name", "points", "registered_at", "touch",
    )  # fmt: skip

    def __init__(self, email: str, name: str, currency: str, touch: mix.Touch) -> None:
        self.email = email
        self.name = name
        self.currency = currency
        self.touch = touch
        self.completed = 0  # completed orders so far (for the first-purchase rules)
        self.index = -1  # in ShopHistory.customers, once they have paid
        self.points: Points | None = None  # an account holder's
        self.registered_at: datetime | None = None


@dataclass
class OrderPoints:
    earned: int = 0
    taken_for_esims: int = 0
    spent: int = 0
    reversed: bool = False


@dataclass
class Tally:
    """What was made, for the summary."""

    paid: int = 0
    unpaid: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    currencies: dict[str, int] = field(default_factory=dict)
    with_code: int = 0
    with_points: int = 0
    with_schedule_lines: int = 0
    registered_orders: int = 0
    new_customers: int = 0
    returning_orders: int = 0


class ShopHistory:
    """Generates orders in time order. `emit(table, row)` receives every row but the points
    ledger's, which `ledger_rows()` answers at the end (its earned rows change until then)."""

    def __init__(
        self,
        *,
        rng: random.Random,
        packages: Sequence[Package],
        weights: Sequence[float],
        schedules: dict[str, list[engine.Schedule]],
        codes: Sequence[Code],
        end: datetime,
        emit: Callable[[str, Row], None],
        access_token_hash: Callable[[str], str],
        points_per_dollar: int,
        points_max_share_bps: int,
        tag: str = "",
    ) -> None:
        self.rng = rng
        self.end = end
        self.emit = emit
        self.access_token_hash = access_token_hash
        self.points_per_dollar = points_per_dollar
        self.points_max_share_bps = points_max_share_bps
        self.tag = tag  # makes serial numbers (emails, eSIM numbers) unique to a run
        self.packages = Picker(packages, weights)
        self.weight_of = dict(zip((p.id for p in packages), weights, strict=True))
        self.package_by_id = {package.id: package for package in packages}
        self.schedules = schedules
        self.schedule_days = _days_on_sale(schedules, self.package_by_id)
        self.promoted: dict[date, Picker | None] = {}
        self.codes = list(codes)
        self.customers: list[Customer] = []
        self.tickets: list[int] = []  # a customer's index once per order (and more: loyalty)
        self.code_uses: dict[tuple[str, str], int] = {}
        self.order_numbers: set[str] = set()
        self.ledger: list[list[Any]] = []
        self.order_points: dict[str, OrderPoints] = {}
        self.events: list[tuple[datetime, int, str, tuple[Any, ...]]] = []
        self.serial = 0
        self.tally = Tally()
        self.order_number_lane = (0, 1)
        self.users_with_orders: set[str] = set()
        self.since: datetime | None = None  # checkouts of a day come after this, if set

    # -------------------------------------------------------------------- ids and numbers
    def new_id(self) -> str:
        """A random (version 4) UUID in its text form, drawn from the run's generator."""
        bits = self.rng.getrandbits(128) & UUID_CLEAR | UUID_V4
        text = f"{bits:032x}"
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"

    def next_serial(self) -> int:
        self.serial += 1
        return self.serial

    def order_number(self, moment: datetime) -> str:
        while True:
            bits = self.rng.getrandbits(25)  # five letters of a 32-letter alphabet
            lane, lanes = self.order_number_lane  # side by side, runs draw different first letters
            bits = bits - bits % 32 + (bits % 32) // lanes * lanes + lane
            suffix = "".join(ORDER_NUMBER_ALPHABET[(bits >> shift) & 31] for shift in SHIFTS)
            number = f"ORD-{moment.year:04d}{moment.month:02d}{moment.day:02d}-{suffix}"
            if number not in self.order_numbers:
                self.order_numbers.add(number)
                return number

    # -------------------------------------------------------------------- customers
    def new_customer(self, moment: datetime, *, registered: bool) -> Customer:
        rng = self.rng
        currency = "IDR" if rng.random() < mix.IDR_SHARE else "USD"
        first, last = rng.choice(mix.FIRST_NAMES), rng.choice(mix.LAST_NAMES)
        domain = (IDR_DOMAINS if currency == "IDR" else DOMAINS).pick(rng)
        style = rng.random()
        local = f"{first}.{last}" if style < 0.5 else f"{first}{last[0]}" if style < 0.8 else last
        serial = _base36(self.next_serial())
        email = f"{local}.{self.tag}{serial}@{domain}" if self.tag else f"{local}{serial}@{domain}"
        touch = mix.first_touch(currency, moment, rng)
        customer = Customer(email, f"{first.title()} {last.title()}", currency, touch)
        if registered:
            signed_up = moment - timedelta(minutes=rng.uniform(1, 20))
            if rng.random() < 0.35:  # signed up days before buying
                signed_up = moment - timedelta(days=rng.expovariate(1 / 12))
            self.register(customer, signed_up, recorded=True)
        else:
            self.record_first_touch(customer, moment, "checkout")
        return customer

    def register(self, customer: Customer, moment: datetime, *, recorded: bool = False) -> None:
        user_id = self.new_id()
        customer.points = Points(user_id)
        customer.registered_at = moment
        verified = moment + timedelta(minutes=self.rng.uniform(1, 30))
        verified_at = verified if self.rng.random() < mix.VERIFIED_SHARE else None
        if customer.completed:  # had bought as a guest: proves the address to link them
            verified_at = verified
        if verified > self.end:  # the link is not opened yet
            verified_at = None
        self.emit(
            "accounts_user",
            (user_id, UNUSABLE_PASSWORD, False, customer.email, customer.name, "", False,
             True, moment, verified_at, verified_at or moment),
        )  # fmt: skip
        self.emit(
            "accounts_customerprofile",
            (user_id, customer.currency, True, 0, 0, 0, 0, 0, 0, 0, moment, moment),
        )
        if recorded:
            self.record_first_touch(customer, moment, "sign_up")

    def record_first_touch(self, customer: Customer, moment: datetime, by: str) -> None:
        touch = customer.touch
        self.emit(
            "accounts_firsttouch",
            (email_hash(customer.email), touch.utm_source, touch.utm_medium,
             touch.utm_campaign, touch.referrer_host, moment, by),
        )  # fmt: skip

    def sign_up_only(self, moment: datetime) -> None:
        """An account that never buys (the conversion of sign-ups counts them)."""
        self.new_customer(moment, registered=True)

    def returning_customer(self, daily_orders: int) -> Customer:
        rng, tickets = self.rng, self.tickets
        if rng.random() < 0.7:  # mostly someone who bought lately
            back = int(rng.expovariate(1 / max(1, daily_orders * 45)))
            index = tickets[max(0, len(tickets) - 1 - back)]
        else:
            index = tickets[rng.randrange(len(tickets))]
        return self.customers[index]

    def add_customer(self, customer: Customer) -> None:
        customer.index = len(self.customers)
        self.customers.append(customer)

    # -------------------------------------------------------------------- one day
    def day(self, day: date, paid_orders: int, sign_ups: int) -> None:
        """Every checkout of `day` (paid ones and abandoned ones) and the sign-ups without a
        purchase, in time order, with the points events due meanwhile."""
        rng = self.rng
        plan: list[tuple[datetime, str, Any]] = []
        until, since = self.end, self.since

        def draw() -> datetime:
            if since is None:
                return mix.moment_in(day, rng, until)
            return since + (until - since) * rng.random()  # the rest of a day begun already

        for _ in range(paid_orders):
            plan.append((draw(), "paid", None))
        for _ in range(round(paid_orders * mix.ABANDONED_PER_PAID + rng.random() - 0.5)):
            plan.append((draw(), "abandoned", None))
        for _ in range(sign_ups):
            plan.append((draw(), "sign_up", None))
        plan.sort(key=lambda entry: entry[0])
        for moment, kind, _ in plan:
            self.run_events_until(moment)
            if kind == "paid":
                self.paid_checkout(moment, paid_orders)
            elif kind == "abandoned":
                self.abandoned_checkout(moment, paid_orders)
            else:
                self.sign_up_only(moment)

    def paid_checkout(self, moment: datetime, daily_orders: int) -> None:
        rng = self.rng
        if self.tickets and rng.random() < mix.RETURNING_SHARE:
            customer = self.returning_customer(daily_orders)
            self.tally.returning_orders += 1
            if customer.points is None and rng.random() < mix.GUEST_REGISTERS_ON_RETURN:
                self.register(customer, moment - timedelta(minutes=rng.uniform(2, 15)))
            touch = mix.repeat_touch(customer.touch, moment, rng)
        else:
            registered = rng.random() < mix.NEW_CUSTOMER_REGISTERS
            customer = self.new_customer(moment, registered=registered)
            self.tally.new_customers += 1
            touch = customer.touch if rng.random() < 0.85 else mix.first_touch("USD", moment, rng)
        cart = self.cart(moment)
        if rng.random() < mix.RETRIED_PER_PAID:  # an earlier try, abandoned
            earlier = moment - timedelta(minutes=rng.uniform(4, 50))
            outcome = rng.choices(["expired", "declined"], weights=[3, 2])[0]
            self.order(customer, earlier, touch, outcome, cart)
        draw = rng.random()
        if draw < mix.FAILED_SHARE:
            outcome = "failed_refunded" if rng.random() < 0.8 else "failed"
        elif draw < mix.FAILED_SHARE + mix.REFUNDED_SHARE:
            outcome = "refunded"
        else:
            outcome = "completed"
        self.order(customer, moment, touch, outcome, cart)
        if customer.index < 0:
            self.add_customer(customer)
        loyalty = mix.REGISTERED_LOYALTY if customer.points is not None else 1
        self.tickets.extend([customer.index] * loyalty)

    def abandoned_checkout(self, moment: datetime, daily_orders: int) -> None:
        rng = self.rng
        if self.tickets and rng.random() < 0.4:
            customer = self.returning_customer(daily_orders)
            touch = mix.repeat_touch(customer.touch, moment, rng)
        else:
            customer = self.new_customer(moment, registered=False)
            touch = customer.touch
        outcome = rng.choices(
            [name for name, _ in UNPAID_OUTCOMES], weights=[w for _, w in UNPAID_OUTCOMES]
        )[0]
        self.order(customer, moment, touch, outcome, self.cart(moment))

    # -------------------------------------------------------------------- carts and prices
    def cart(self, moment: datetime) -> list[tuple[Package, int]]:
        rng = self.rng
        lines = _one_two_three(rng.random(), mix.LINES_SHARES)
        chosen: dict[str, tuple[Package, int]] = {}
        promoted = self.promoted_on(moment.date())
        for _ in range(lines):
            if promoted is not None and rng.random() < mix.PROMOTED_LINE_SHARE:
                package = promoted.pick(rng)
            else:
                package = self.packages.pick(rng)
            quantity = _one_two_three(rng.random(), mix.QUANTITY_SHARES)
            chosen.setdefault(package.id, (package, quantity))
        return list(chosen.values())

    def promoted_on(self, day: date) -> Picker | None:
        if day not in self.promoted:
            packages = [self.package_by_id[i] for i in self.schedule_days.get(day, [])]
            self.promoted[day] = (
                Picker(packages, [self.weight_of[p.id] for p in packages]) if packages else None
            )
        return self.promoted[day]

    def price_lines(
        self, cart: list[tuple[Package, int]], currency: str, moment: datetime
    ) -> tuple[list[engine.Line], list[str | None]]:
        lines, schedule_ids = [], []
        for package, quantity in cart:
            unit = package.usd_cents if currency == "USD" else package.idr
            discount, name, schedule_id = 0, "", None
            schedules = self.schedules.get(package.id)
            if schedules:
                price = engine.price_package(
                    base=Prices(package.usd_cents, package.idr),
                    schedules=schedules,
                    moment=moment,
                    usd_to_idr_rate=mix.USD_TO_IDR,
                )
                final = price.final.usd_cents if currency == "USD" else price.final.idr
                if price.schedule is not None and final < unit:
                    discount, name, schedule_id = (
                        unit - final,
                        price.schedule.name,
                        price.schedule.id,
                    )
            lines.append(engine.Line(package.id, quantity, unit, discount, name))
            schedule_ids.append(schedule_id)
        return lines, schedule_ids

    def promo_code(
        self,
        customer: Customer,
        touch: mix.Touch,
        moment: datetime,
        cart: list[tuple[Package, int]],
    ) -> Code | None:
        rng = self.rng
        chance = mix.CODE_USE_BY_SOURCE.get(touch.utm_source, mix.CODE_USE_OTHERWISE)
        if rng.random() >= chance:
            return None
        destinations = {package.location for package, _ in cart}
        eligible, weights = [], []
        for code in self.codes:
            spec = code.spec
            if not (
                spec.starts_at <= moment and (spec.expires_at is None or moment < spec.expires_at)
            ):
                continue
            if spec.first_purchase_only and customer.completed:
                continue
            if spec.authenticated_only and customer.points is None:
                continue
            if spec.destinations and not destinations & set(spec.destinations):
                continue
            if self.code_uses.get((code.id, customer.email), 0) >= spec.max_uses_per_user:
                continue
            weight = spec.weight * (12 if spec.source and spec.source == touch.utm_source else 1)
            if spec.source and spec.source != touch.utm_source:
                weight *= 0.1  # a partner's code found elsewhere
            eligible.append(code)
            weights.append(weight)
        if not eligible:
            return None
        return rng.choices(eligible, weights=weights)[0]

    # -------------------------------------------------------------------- one order
    def order(
        self,
        customer: Customer,
        created: datetime,
        touch: mix.Touch,
        outcome: str,
        cart: list[tuple[Package, int]],
    ) -> None:
        rng = self.rng
        if outcome not in PAID and created + ORDER_WINDOW > self.end:
            outcome = "pending"
        paid = outcome in PAID
        currency = customer.currency
        lines, schedule_ids = self.price_lines(cart, currency, created)
        code = self.promo_code(customer, touch, created, cart)
        offer = None
        account = customer.points
        if paid and account is not None and currency == "USD":
            self.expire_points(account, created)
            available = account.balance - account.reserved
            if available >= 500 and rng.random() < mix.REDEEMS_WHEN_ABLE:
                offer = engine.PointsOffer(
                    points=available - available % 100,
                    points_per_dollar=self.points_per_dollar,
                    max_share_bps=self.points_max_share_bps,
                )
        promo = None if code is None else code.usd if currency == "USD" else code.idr
        total = engine.order_total(lines, promo, offer)
        if code is not None and not total.code_discount_cents:
            code, total = None, engine.order_total(lines, None, offer)
        order_id = self.new_id()
        user_id = account.user_id if account is not None else None
        if user_id is not None:
            self.users_with_orders.add(user_id)
        tally = self.tally
        tally.outcomes[outcome] = tally.outcomes.get(outcome, 0) + 1
        if paid:
            tally.paid += 1
            tally.currencies[currency] = tally.currencies.get(currency, 0) + 1
            tally.with_code += code is not None
            tally.with_points += total.points_redeemed > 0
            tally.with_schedule_lines += any(schedule_ids)
            tally.registered_orders += user_id is not None
        else:
            tally.unpaid += 1

        times = self.timeline(created, outcome)
        paid_at, completed_at, refunded_at = times["paid"], times["completed"], times["refunded"]
        if outcome == "refunded" and refunded_at is None:
            outcome = "completed"  # its refund would come after the end
        delivered = outcome in ("completed", "refunded")
        status, payment, esim, reservation = order_states(outcome)
        redeemed = total.points_redeemed
        earned = bonus = 0
        if delivered:
            paid_usd = total.total_cents if currency == "USD" else _usd(total.total_cents)
            if account is not None:
                earned = points_for_paid_cents(paid_usd)
                bonus = FIRST_PURCHASE_BONUS if not customer.completed else 0
            customer.completed += 1
        if code is not None and paid:
            key = (code.id, customer.email)
            self.code_uses[key] = self.code_uses.get(key, 0) + 1
        order_number = self.order_number(created)
        transaction_id = (
            None if outcome == "checkout_failed" else f"txn_{order_id.replace('-', '')[:26]}"
        )
        updated_at = times["updated"]
        self.emit(
            "orders_order",
            (order_id, order_number, user_id, customer.email, customer.name, currency,
             total.subtotal_cents, total.product_discount_cents, total.code_discount_cents,
             total.points_discount_cents, total.total_discount_cents, total.total_cents,
             code.id if code else None, code.spec.code if code else "",
             json.dumps(total.breakdown(), separators=(",", ":")), created, status, payment,
             esim, reservation, outcome == "failed",
             "eSIM Access refused the order: package temporarily unavailable"
             if outcome == "failed" else "",
             transaction_id, f"ctm_{email_hash(customer.email)[:26]}" if paid else "",
             f"https://sandbox-checkout.paddle.local/?_ptxn={transaction_id}"
             if transaction_id else "",
             failure_reason(outcome), times["payment_event"], refunded_at,
             earned + bonus, redeemed, delivered and account is not None,
             self.access_token_hash(order_id), "{}", touch.utm_source, touch.utm_medium,
             touch.utm_campaign, touch.referrer_host, created, created + ORDER_WINDOW, paid_at,
             paid_at + timedelta(seconds=1) if paid_at else None, completed_at, updated_at),
        )  # fmt: skip
        if code is not None:
            usage = {"pending": "reserved"}.get(outcome, "used" if paid else "released")
            self.emit(
                "pricing_discountcodeusage",
                (code.id, usage, order_id, user_id, customer.email,
                 total.code_discount_cents, total.total_cents, created),
            )  # fmt: skip
        if refunded_at is not None:
            self.emit_payment_refund(order_id, total.total_cents, refunded_at)
        self.items(
            order_id, order_number, cart, total, schedule_ids, outcome, times, account, currency
        )
        if account is not None and (delivered or redeemed or refunded_at):
            self.order_points[order_id] = OrderPoints()
            if redeemed and paid_at is not None:
                account.reserved += redeemed
                self.schedule(paid_at, "spend", (account, order_id, redeemed))
            if delivered and completed_at is not None:
                self.schedule(completed_at, "earn", (account, order_id, earned, bonus))
            if refunded_at is not None:
                self.schedule(refunded_at, "refund", (account, order_id))

    def timeline(self, created: datetime, outcome: str) -> dict[str, datetime | None]:
        rng, end = self.rng, self.end
        times: dict[str, datetime | None] = dict.fromkeys(
            ("paid", "completed", "refunded", "payment_event")
        )
        expires = created + ORDER_WINDOW
        if outcome in PAID:
            paid = min(end, created + timedelta(seconds=rng.uniform(40, 480)))
            times["paid"] = times["payment_event"] = paid
            if outcome in ("completed", "refunded"):
                times["completed"] = min(end, paid + timedelta(seconds=rng.uniform(15, 150)))
            if outcome == "refunded":
                refunded = paid + timedelta(days=rng.uniform(0, 20) ** 1.3 / 20**0.3)
                times["refunded"] = refunded if refunded <= end else None
            elif outcome == "failed_refunded":
                refunded = paid + timedelta(hours=rng.uniform(1, 72))
                times["refunded"] = refunded if refunded <= end else None
            last = times["refunded"] or times["completed"] or paid + timedelta(seconds=90)
            times["updated"] = min(end, last)
        elif outcome == "declined":
            times["payment_event"] = created + timedelta(seconds=rng.uniform(60, 600))
            times["updated"] = expires + timedelta(seconds=rng.uniform(0, 300))
        elif outcome == "cancelled":
            times["updated"] = created + timedelta(seconds=rng.uniform(60, 3000))
        elif outcome == "checkout_failed":
            times["updated"] = created + timedelta(seconds=2)
        elif outcome == "pending":
            times["updated"] = created
        else:  # expired by the sweeper, a few minutes after its window
            times["updated"] = expires + timedelta(seconds=rng.uniform(0, 300))
        times["updated"] = min(end, times["updated"])  # type: ignore[type-var]
        return times

    def emit_payment_refund(self, order_id: str, amount: int, refunded_at: datetime) -> None:
        rng = self.rng
        requested = refunded_at - timedelta(seconds=rng.uniform(5, 900))
        reason = rng.choices([r for r, _ in REFUND_REASONS], weights=[w for _, w in REFUND_REASONS])
        self.emit(
            "orders_paymentrefund",
            (order_id, "approved", True, amount, reason[0],
             f"adj_{self.new_id().replace('-', '')[:26]}", requested,
             requested + timedelta(seconds=2), refunded_at, ""),
        )  # fmt: skip

    def items(
        self,
        order_id: str,
        order_number: str,
        cart: list[tuple[Package, int]],
        total: engine.OrderTotal,
        schedule_ids: list[str | None],
        outcome: str,
        times: dict[str, datetime | None],
        account: Points | None,
        currency: str,
    ) -> None:
        delivered = outcome in ("completed", "refunded")
        created = times["paid"] or self.end
        for (package, quantity), line, schedule_id in zip(
            cart, total.lines, schedule_ids, strict=True
        ):
            item_id = self.new_id()
            unit, off = line.line.unit_price_cents, line.line.unit_discount_cents
            ordered = outcome in PAID and outcome not in ("failed", "failed_refunded")
            item_status = "completed" if delivered else "failed" if outcome in PAID else "pending"
            serial = self.next_serial()
            esim_order_no = f"B{created:%y%m%d}{self.tag}{serial:09d}" if ordered else ""
            cancelled = 0
            if delivered:
                paid_each = line.total_cents // quantity  # after every discount
                if currency != "USD":
                    paid_each = _usd(paid_each)
                for index in range(1, quantity + 1):
                    cancelled += self.profile(
                        order_id, item_id, index, esim_order_no, package, times, account,
                        points_for_paid_cents(paid_each),
                        outcome == "refunded",
                    )  # fmt: skip
            self.emit(
                "orders_orderitem",
                (item_id, order_id, package.id, package.code, package.title[:255], quantity,
                 unit, off, unit - off, (unit - off) * quantity, line.code_discount_cents,
                 line.points_discount_cents, line.line.schedule_name, schedule_id,
                 esim_order_no,
                 f"{order_number}-{item_id.replace('-', '')[:12]}" if ordered else "",
                 package.cost_units if ordered else None, item_status,
                 quantity if ordered else 0, quantity if delivered else 0, cancelled,
                 created if outcome in PAID else times["updated"] or created,
                 times["completed"] or times["updated"] or created),
            )  # fmt: skip

    def profile(
        self,
        order_id: str,
        item_id: str,
        index: int,
        esim_order_no: str,
        package: Package,
        times: dict[str, datetime | None],
        account: Points | None,
        points_each: int,
        order_refunded: bool,
    ) -> int:
        """One eSIM; answers 1 when the 90-day job cancelled it (its cost came back)."""
        rng, end = self.rng, self.end
        ready = times["completed"] or end
        profile_id = self.new_id()
        serial = self.next_serial()
        tran_no = f"{ready:%y%m%d}{self.tag}{serial:010d}"
        total_bytes = package.volume_bytes * (package.days if package.daily else 1)
        never = mix.NEVER_INSTALLED * (3 if order_refunded else 1)
        installed = None
        if rng.random() >= never:
            installed = ready + timedelta(hours=min(24 * 25, rng.lognormvariate(3.2, 1.2)))
            if installed > end:
                installed = None
        downloaded = enabled = refunded = refund_amount = None
        used, percentage = 0, 0
        if installed is not None:
            downloaded = installed - timedelta(seconds=rng.uniform(20, 90))
            if rng.random() < 0.88:
                enabled = installed + timedelta(seconds=rng.uniform(30, 3600))
            expires = installed + timedelta(days=package.days)
            smdp = "enabled" if enabled and enabled <= end else "installed"
            if expires <= end:
                used_up = rng.random() < 0.35
                esim_status = "used_up" if used_up else "expired"
                used = total_bytes if used_up else int(total_bytes * rng.uniform(0.05, 0.95))
                updated = (
                    expires if not used_up else installed + (expires - installed) * rng.random()
                )
            else:
                esim_status = "in_use"
                elapsed = (end - installed) / (expires - installed)
                used = int(total_bytes * rng.uniform(0, 0.9) * elapsed)
                updated = max(installed, end - timedelta(hours=rng.uniform(0, 8)))
            percentage = min(100, used * 100 // total_bytes) if total_bytes else 0
            refund_status = "not_refundable"
            eligible_at = ready + REFUND_AFTER
        else:
            smdp, esim_status, expires = "released", "got_resource", ready + UNUSED_VALID
            eligible_at = ready + REFUND_AFTER
            refund_status, updated = "not_eligible", ready
            if eligible_at <= end:
                run = _next_run(eligible_at, REFUND_JOB_AT) + timedelta(
                    seconds=rng.uniform(5, 1200)
                )
                if run <= end and end - run < timedelta(days=3) and rng.random() < 0.25:
                    refund_status, updated = "eligible", run  # marked, not processed yet
                elif run <= end:
                    refund_status, esim_status = "refunded", "cancelled"
                    refunded = updated = run
                    refund_amount = -(-package.cost_units // 100)  # 1/10000 USD, up to a cent
        self.emit(
            "orders_esimprofile",
            (profile_id, order_id, item_id, index, tran_no, esim_order_no,
             f"8985200{self.tag}{serial:012d}", f"https://p.qrsim.local/{tran_no}.png",
             f"https://p.qrsim.local/{tran_no}", SMDP_ADDRESS, "", "", esim_status, smdp, ready,
             downloaded, installed, enabled if enabled and enabled <= end else None, used,
             total_bytes, percentage, expires, eligible_at, refund_status, refunded,
             refund_amount, 0, "", "{}", ready, min(updated, end)),
        )  # fmt: skip
        if refunded is not None and account is not None:
            self.schedule(refunded, "esim_refund", (account, order_id, profile_id, points_each))
        return 1 if refunded is not None else 0

    # -------------------------------------------------------------------- the points ledger
    def schedule(self, moment: datetime, kind: str, payload: tuple[Any, ...]) -> None:
        heapq.heappush(self.events, (moment, self.next_serial(), kind, payload))

    def run_events_until(self, moment: datetime) -> None:
        events = self.events
        while events and events[0][0] <= moment:
            at, _, kind, payload = heapq.heappop(events)
            account = payload[0]
            self.expire_points(account, at)
            getattr(self, f"_points_{kind}")(at, *payload)

    def finish(self) -> None:
        """The points events left (up to the end) and the expiry runs up to the end."""
        self.run_events_until(self.end)
        for customer in self.customers:
            if customer.points is not None:
                self.expire_points(customer.points, self.end)

    def _write(
        self, account: Points, kind: str, points: int, at: datetime, **fields: Any
    ) -> list[Any]:
        account.balance += points
        if account.balance < 0:
            raise AssertionError(f"negative points balance for {account.user_id}")
        row = [
            account.user_id, kind, points, account.balance, fields.get("order_id"),
            fields["reason"], "", fields.get("unused", 0), fields.get("expires_at"),
            fields.get("shortfall", 0), at,
        ]  # fmt: skip
        self.ledger.append(row)
        if row[LEDGER_UNUSED]:
            account.lots.append(row)
        return row

    def _use_oldest(self, account: Points, points: int) -> None:
        lots = account.lots
        while points > 0:
            row = lots[0]
            used = min(points, row[LEDGER_UNUSED])
            row[LEDGER_UNUSED] -= used
            points -= used
            if not row[LEDGER_UNUSED]:
                lots.popleft()

    def expire_points(self, account: Points, moment: datetime) -> None:
        lots = account.lots
        while lots:
            run = _next_run(lots[0][8], EXPIRY_JOB_AT)
            if run > moment:
                return
            due = sum(row[LEDGER_UNUSED] for row in lots if row[8] <= run)
            points = min(due, account.balance - account.reserved)
            if points <= 0:
                return
            self._use_oldest(account, points)
            self._write(account, "expired", -points, run, reason="expiry")
            if points < due:
                return

    def _points_spend(self, at: datetime, account: Points, order_id: str, points: int) -> None:
        account.reserved -= points
        self._use_oldest(account, points)
        self._write(account, "spent", -points, at, order_id=order_id, reason="redemption")
        self.order_points[order_id].spent = points

    def _points_earn(
        self, at: datetime, account: Points, order_id: str, earned: int, bonus: int
    ) -> None:
        expires = at + POINTS_EXPIRE_AFTER
        for reason, points in (("purchase", earned), ("first_purchase_bonus", bonus)):
            if points > 0:
                self._write(
                    account, "earned", points, at, order_id=order_id, reason=reason,
                    unused=points, expires_at=expires,
                )  # fmt: skip
                self.order_points[order_id].earned += points

    def _points_refund(self, at: datetime, account: Points, order_id: str) -> None:
        book = self.order_points[order_id]
        if book.spent:
            self._write(
                account, "reversed", book.spent, at, order_id=order_id,
                reason="refund_redemption", unused=book.spent, expires_at=at + POINTS_EXPIRE_AFTER,
            )  # fmt: skip
        book.reversed = True
        self._take_back(account, order_id, book.earned - book.taken_for_esims, "refund", at)

    def _points_esim_refund(
        self, at: datetime, account: Points, order_id: str, profile_id: str, points: int
    ) -> None:
        book = self.order_points.get(order_id)
        if book is None or book.reversed:
            return
        owed = min(points, book.earned - book.taken_for_esims)
        book.taken_for_esims += self._take_back(
            account, order_id, owed, f"esim_refund:{profile_id}", at, count_shortfall=True
        )

    def _take_back(
        self,
        account: Points,
        order_id: str,
        owed: int,
        reason: str,
        at: datetime,
        *,
        count_shortfall: bool = False,
    ) -> int:
        if owed <= 0:
            return 0
        taken = min(owed, account.balance - account.reserved)
        if taken:
            self._use_oldest(account, taken)
        self._write(
            account, "reversed", -taken, at, order_id=order_id, reason=reason,
            shortfall=owed - taken,
        )  # fmt: skip
        return owed if count_shortfall else taken

    def ledger_rows(self) -> list[Row]:
        self.ledger.sort(key=lambda row: row[10])  # ids follow time
        return [tuple(row) for row in self.ledger]


# ------------------------------------------------------------------------------ helpers
def _one_two_three(draw: float, shares: tuple[float, float]) -> int:
    return 1 if draw < shares[0] else 2 if draw < shares[1] else 3


def order_states(outcome: str) -> tuple[str, str, str, str]:
    """(status, payment_status, esim_status, reservation) at the end of `outcome`."""
    return {
        "completed": ("completed", "completed", "delivered", "converted"),
        "refunded": ("refunded", "refunded", "delivered", "converted"),
        "failed": ("failed", "completed", "failed", "converted"),
        "failed_refunded": ("refunded", "refunded", "failed", "converted"),
        "expired": ("expired", "pending", "pending", "released"),
        "declined": ("expired", "failed", "pending", "released"),
        "cancelled": ("cancelled", "pending", "pending", "released"),
        "checkout_failed": ("failed", "pending", "pending", "released"),
        "pending": ("pending", "pending", "pending", "held"),
    }[outcome]


def failure_reason(outcome: str) -> str:
    if outcome == "declined":
        return "Card declined"
    if outcome == "checkout_failed":
        return "Paddle could not be reached: timed out"
    return ""


def email_hash(email: str) -> str:
    """accounts.FirstTouch's key: MD5 hex of the lower-cased address (not a secret)."""
    return hashlib.md5(email.lower().encode(), usedforsecurity=False).hexdigest()


def _usd(idr: int) -> int:
    return idr * 100 // mix.USD_TO_IDR


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if not number:
            return text


def _next_run(moment: datetime, at: time) -> datetime:
    """The first daily run at `at` (UTC) not before `moment`."""
    run = moment.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    return run if run >= moment else run + timedelta(days=1)


def _days_on_sale(
    schedules: dict[str, list[engine.Schedule]], packages: dict[str, Package]
) -> dict[date, list[str]]:
    days: dict[date, list[str]] = {}
    for package_id, rows in schedules.items():
        if package_id not in packages:
            continue
        for schedule in rows:
            day = schedule.starts_at.date()
            while day < schedule.ends_at.date() or day == schedule.starts_at.date():
                days.setdefault(day, []).append(package_id)
                day += timedelta(days=1)
    return days
