"""One more day of data on a database bench/analytics_data.py filled: what the refresh
benchmark times the analytics refresh on ("< 5 s per day of new data").

A day brings new checkouts (paid and abandoned, by new customers and by customers of the last
60 days, with their points) and changes older rows, as the workers would that day: Paddle
refunds of orders paid in the last 20 days, eSIMs installed (and their validity running out),
the 90-day job's refunds of eSIMs never installed, and the day's points expiry for the
customers it loads. Every time written lies within the day and before now.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import analytics_mix as mix
import analytics_shop as shop

POOL_DAYS = 60  # customers who paid within this many days may come back today


def append_day(day: date, orders: int, *, seed: int) -> dict[str, int]:
    import analytics_data as data
    from django.db import connection

    from pricing.models import DiscountCode, PriceSchedule
    from pricing.prices import engine_schedules

    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
    ends = min(midnight + timedelta(days=1), datetime.now(UTC))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT order_number FROM orders_order WHERE order_number LIKE %s",
            [f"ORD-{day:%Y%m%d}-%"],
        )
        numbers = {row[0] for row in cursor.fetchall()}
        # A day appended to already goes on after what is there (the ledger stays in order).
        cursor.execute(
            """
            SELECT greatest(
                (SELECT max(updated_at) FROM orders_order WHERE updated_at >= %(day)s),
                (SELECT max(updated_at) FROM orders_esimprofile WHERE updated_at >= %(day)s),
                (SELECT max(created_at) FROM points_pointstransaction WHERE created_at >= %(day)s)
            )
            """,
            {"day": midnight},
        )
        latest = cursor.fetchone()[0]
    begins = max(midnight, latest + timedelta(milliseconds=1)) if latest else midnight
    if ends <= begins:
        raise ValueError(f"Nothing of {day} is left to add (it ends at {ends}).")
    # Appending the same day again draws other ids and numbers: the count of the day's orders
    # so far goes into the seed and into every serial (emails, eSIM numbers).
    run = len(numbers)
    rng = random.Random(f"{seed}/day/{day}/{run}")
    packages, weights = data.load_catalogue(begins - timedelta(days=730), rng)
    stored = {row.code: str(row.pk) for row in DiscountCode.objects.all()}
    codes = []
    for spec in mix.code_specs(begins - timedelta(days=730), ends):
        if spec.code in stored:
            codes.append(_code(stored[spec.code], spec))
    grouped = engine_schedules(PriceSchedule.objects.filter(is_active=True))
    schedules = {str(package_id): rows for package_id, rows in grouped.items()}
    writer = data.CopyWriter()
    history = data.new_history(
        rng, packages, weights, schedules, codes, ends, writer, f"d{day:%y%m%d}.{run}."
    )
    history.order_numbers.update(numbers)
    history.since = begins if begins > midnight else None
    loader = Accounts(history)
    loader.load_returning(begins)
    refunded = refund_orders(history, loader, begins, ends, round(orders * mix.REFUNDED_SHARE))
    esims = refund_unused_esims(history, loader, begins, ends)
    installed, lapsed = install_and_lapse(f"{day}/{run}", begins, ends)
    sign_ups = (
        orders
        * (1 - mix.RETURNING_SHARE)
        * mix.NEW_CUSTOMER_REGISTERS
        * mix.SIGN_UPS_WITHOUT_PURCHASE
    )
    history.day(day, orders, round(sign_ups))
    history.finish()
    for row in history.ledger_rows():
        writer.add("points_pointstransaction", row)
    writer.close()
    loader.write_back_unused()
    touched = {row[0] for row in history.ledger} | history.users_with_orders
    data.settle(users=sorted(touched))
    return {
        "paid orders": history.tally.paid,
        "unpaid orders": history.tally.unpaid,
        "orders refunded": refunded,
        "eSIMs refunded (90 days)": esims,
        "eSIMs installed": installed,
        "eSIMs lapsed": lapsed,
        **{table: count for table, count in writer.written.items() if count},
    }


def _code(code_id: str, spec: mix.CodeSpec) -> shop.Code:
    from pricing import engine
    from pricing.models import DiscountCode

    row = DiscountCode.objects.get(pk=code_id)
    ids = frozenset(str(pid) for pid in row.applicable_packages or []) or None

    def promo(value: int, cap: int | None) -> engine.PromoCode:
        return engine.PromoCode(
            code=spec.code,
            kind=engine.DiscountKind(spec.kind),
            value=value,
            max_discount_cents=cap,
            stackable_with_product_discount=spec.stackable,
            applicable_package_ids=ids,
        )

    to_idr = _to_idr
    idr_cap = None if spec.max_discount_cents is None else to_idr(spec.max_discount_cents)
    idr_value = spec.value if spec.kind == "percentage" else to_idr(spec.value)
    return shop.Code(
        code_id, spec, promo(spec.value, spec.max_discount_cents), promo(idr_value, idr_cap)
    )


def _to_idr(cents: int) -> int:
    from pricing.engine import usd_cents_to_idr

    return usd_cents_to_idr(cents, mix.USD_TO_IDR)


class Accounts:
    """Customers and points accounts read back from the database into the simulation: the
    balance, and the unused earned rows (written back with what the day used of them)."""

    def __init__(self, history: shop.ShopHistory) -> None:
        self.history = history
        self.by_user: dict[str, shop.Customer] = {}
        self.loaded_lots: list[list[Any]] = []  # ledger rows as lists, their id last

    def load_returning(self, begins: datetime) -> None:
        """Customers who paid in the last POOL_DAYS: they may buy again today."""
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT DISTINCT ON (o.customer_email) o.customer_email, o.customer_name,
                       o.currency_code, o.user_id::text, coalesce(f.utm_source, ''),
                       coalesce(f.utm_medium, ''), coalesce(f.utm_campaign, ''),
                       coalesce(f.referrer_host, '')
                FROM orders_order o
                LEFT JOIN accounts_firsttouch f ON f.email_hash = md5(o.customer_email)
                WHERE o.paid_at >= %s AND o.paid_at < %s
                ORDER BY o.customer_email, o.paid_at DESC
                """,
                [begins - timedelta(days=POOL_DAYS), begins],
            )
            rows = cursor.fetchall()
        history = self.history
        customers = []
        for email, name, currency, user_id, *touch in rows:
            customer = shop.Customer(email, name, currency, mix.Touch(*touch))
            customer.completed = 1
            history.add_customer(customer)
            loyalty = mix.REGISTERED_LOYALTY if user_id else 1
            history.tickets.extend([customer.index] * loyalty)
            if user_id:
                self.by_user[user_id] = customer
            customers.append(customer)
        self.load_points(list(self.by_user))

    def account(self, user_id: str) -> shop.Points:
        """The points account of `user_id`, loaded if it is not yet."""
        if user_id not in self.by_user:
            customer = shop.Customer("", "", "USD", mix.DIRECT)
            customer.completed = 1
            self.by_user[user_id] = customer
            self.load_points([user_id])
        points = self.by_user[user_id].points
        assert points is not None  # noqa: S101 (load_points gave every user one)
        return points

    def load_points(self, user_ids: Sequence[str]) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT user_id::text, points_balance, points_reserved "
                "FROM accounts_customerprofile WHERE user_id = ANY(%s::uuid[])",
                [list(user_ids)],
            )
            for user_id, balance, reserved in cursor.fetchall():
                points = shop.Points(user_id)
                points.balance, points.reserved = balance, reserved
                self.by_user[user_id].points = points
            cursor.execute(
                """
                SELECT user_id::text, kind, points, balance_after, order_id, reason, note,
                       unused, expires_at, shortfall, created_at, id
                FROM points_pointstransaction
                WHERE unused > 0 AND user_id = ANY(%s::uuid[])
                ORDER BY user_id, expires_at, created_at, id
                """,
                [list(user_ids)],
            )
            for row in cursor.fetchall():
                lot = [*row, row[shop.LEDGER_UNUSED]]  # ..., id, unused as read
                account = self.by_user[row[0]].points
                if account is not None:
                    account.lots.append(lot)
                    self.loaded_lots.append(lot)
        for user_id in user_ids:  # an account with no profile row yet: nothing to spend
            customer = self.by_user[user_id]
            if customer.points is None:
                customer.points = shop.Points(user_id)

    def write_back_unused(self) -> None:
        """What the day spent, expired or took back of the rows read."""
        from django.db import connection

        changed = [
            (lot[11], lot[shop.LEDGER_UNUSED]) for lot in self.loaded_lots if lot[7] != lot[12]
        ]
        with connection.cursor() as cursor:
            for row_id, unused in changed:
                cursor.execute(
                    "UPDATE points_pointstransaction SET unused = %s WHERE id = %s",
                    [unused, row_id],
                )

    def order_book(self, order_id: str) -> shop.OrderPoints:
        """What the ledger holds about an order: earned, spent, taken back for its eSIMs."""
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT coalesce(sum(points) FILTER (WHERE kind = 'earned'), 0),
                       coalesce(-sum(points) FILTER (WHERE kind = 'spent'), 0),
                       coalesce(sum(shortfall - points)
                                FILTER (WHERE reason LIKE 'esim\\_refund:%%'), 0),
                       bool_or(reason = 'refund')
                FROM points_pointstransaction WHERE order_id = %s
                """,
                [order_id],
            )
            earned, spent, taken, reversed_ = cursor.fetchone()
        return shop.OrderPoints(int(earned), int(taken), int(spent), bool(reversed_))


def refund_orders(
    history: shop.ShopHistory, loader: Accounts, begins: datetime, ends: datetime, count: int
) -> int:
    """`count` orders paid in the last 20 days refunded in Paddle today."""
    from django.db import connection

    rng = history.rng
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT id::text, user_id::text, total_cents FROM orders_order
            WHERE status = 'completed' AND paid_at >= %s AND paid_at < %s
            ORDER BY md5(id::text || %s) LIMIT %s
            """,
            [begins - timedelta(days=20), begins, str(begins), count],
        )
        rows = cursor.fetchall()
        for order_id, user_id, total in rows:
            at = begins + (ends - begins) * rng.random()
            cursor.execute(
                "UPDATE orders_order SET status = 'refunded', payment_status = 'refunded', "
                "refunded_at = %s, updated_at = %s WHERE id = %s",
                [at, at, order_id],
            )
            history.emit_payment_refund(order_id, total, at)
            if user_id:
                account = loader.account(user_id)
                history.order_points[order_id] = loader.order_book(order_id)
                history.schedule(at, "refund", (account, order_id))
    return len(rows)


def refund_unused_esims(
    history: shop.ShopHistory, loader: Accounts, begins: datetime, ends: datetime
) -> int:
    """The 90-day job's run of the day: every eSIM never installed whose 90 days are over."""
    from django.db import connection

    run = datetime.combine(begins.date(), shop.REFUND_JOB_AT, tzinfo=UTC)
    if not begins <= run <= ends:  # the day's run is still to come, or done already
        return 0
    rng = history.rng
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT p.id::text, p.order_id::text, p.order_item_id::text, o.user_id::text,
                   o.currency_code, i.provider_unit_price_units,
                   (i.total_cents - i.code_discount_cents - i.points_discount_cents) / i.quantity
            FROM orders_esimprofile p
            JOIN orders_orderitem i ON i.id = p.order_item_id
            JOIN orders_order o ON o.id = p.order_id
            WHERE p.refund_status IN ('not_eligible', 'eligible') AND p.smdp_status = 'released'
              AND p.esim_status = 'got_resource' AND p.refund_eligible_at <= %s
            ORDER BY p.refund_eligible_at, p.esim_order_no, p.id
            """,
            [run],
        )
        rows = cursor.fetchall()
        at = run
        for profile_id, order_id, item_id, user_id, currency, units, paid_each in rows:
            at += timedelta(seconds=rng.uniform(0.1, 0.6))
            cursor.execute(
                "UPDATE orders_esimprofile SET refund_status = 'refunded', "
                "esim_status = 'cancelled', refunded_at = %s, refund_amount_cents = %s, "
                "updated_at = %s WHERE id = %s",
                [at, -(-int(units or 0) // 100), at, profile_id],
            )
            cursor.execute(
                "UPDATE orders_orderitem SET profiles_cancelled = profiles_cancelled + 1 "
                "WHERE id = %s",
                [item_id],
            )
            if user_id:
                usd = (
                    int(paid_each) if currency == "USD" else int(paid_each) * 100 // mix.USD_TO_IDR
                )
                account = loader.account(user_id)
                if order_id not in history.order_points:
                    history.order_points[order_id] = loader.order_book(order_id)
                points = shop.points_for_paid_cents(usd)
                history.schedule(at, "esim_refund", (account, order_id, profile_id, points))
    return len(rows)


def install_and_lapse(draw: str, begins: datetime, ends: datetime) -> tuple[int, int]:
    """eSIMs delivered in the last 25 days and not installed yet: about one in ten is
    installed today. eSIMs in use whose validity ends today: expired."""
    from django.db import connection

    span = (ends - begins).total_seconds()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH chosen AS (
                SELECT id, %(begins)s + make_interval(secs => %(span)s
                       * (('x' || substr(md5(id::text || %(day)s), 1, 8))::bit(32)::bigint
                          / 4294967296.0)) AS at
                FROM orders_esimprofile
                WHERE smdp_status = 'released' AND esim_status = 'got_resource'
                  AND resource_ready_at >= %(begins)s - interval '25 days'
                  AND resource_ready_at < %(begins)s
                  AND ('x' || substr(md5(id::text || %(day)s), 9, 2))::bit(8)::int < 26
            )
            UPDATE orders_esimprofile p SET
                smdp_status = 'enabled', esim_status = 'in_use',
                refund_status = 'not_refundable', downloaded_at = c.at - interval '40 seconds',
                installed_at = c.at, enabled_at = c.at + interval '2 minutes',
                updated_at = c.at + interval '2 minutes',
                expires_at = c.at + make_interval(days => i.duration)
            FROM chosen c, orders_orderitem oi, catalog_esimpackage i
            WHERE p.id = c.id AND oi.id = p.order_item_id AND i.id = oi.package_id
              AND c.at + interval '2 minutes' < %(ends)s
            """,
            {"begins": begins, "ends": ends, "span": span, "day": draw},
        )
        installed = cursor.rowcount
        cursor.execute(
            """
            UPDATE orders_esimprofile SET esim_status = 'expired', updated_at = expires_at
            WHERE esim_status = 'in_use' AND expires_at >= %s AND expires_at < %s
            """,
            [begins, ends],
        )
        lapsed = cursor.rowcount
    return installed, lapsed
