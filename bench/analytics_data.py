"""Two years of a shop's orders for the analytics benchmark (issue 13), written fast.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hiroam_bench_analytics \\
        .venv/bin/python bench/analytics_data.py --reset [--orders 1000000] [--years 2]
        [--end 2026-11-25T00:00:00Z] [--seed 13]
    ... bench/analytics_data.py --append-day 2026-11-25 --orders 1400

The first form migrates the database named by DATABASE_URL, loads the sandbox's catalogue
(through the real catalogue sync) when it has none, adds ~30 promo codes and a few hundred
price schedules, then simulates `--orders` paid orders over the `--years` before `--end`
(default: now) with the abandoned checkouts around them (about a quarter more), their items,
eSIM profiles, Paddle refunds, promo code uses, the customers (accounts and guests, their
first touches) and the points ledger (bench/analytics_shop.py; the mix: bench/analytics_mix.py).
Rows go in with COPY, into the real tables with every constraint and index; nothing is
dropped. `--reset` empties what an earlier run made first (orders, customers, codes,
schedules, the ledger, the analytics summaries; staff accounts and the catalogue stay).

The second form adds one day of new orders to a generated database (what the refresh
benchmark times the refresh job on): the day's checkouts, paid orders and points, and the
day's late events on older orders (Paddle refunds, installs, the 90-day eSIM refunds).
`generate_day(day, orders)` does the same from Python. Results: docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import hmac
import multiprocessing
import multiprocessing.queues
import os
import random
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import analytics_mix as mix

ROOT = Path(__file__).resolve().parents[1]

ID_NAMESPACE = uuid.UUID("5d1f5a52-7a35-4c44-9b0e-1c1a7f2e6b13")  # codes' and schedules' ids
FLUSH_EVERY = 40_000  # orders buffered before a COPY
# Tables a --reset empties (staff accounts and the catalogue stay).
GENERATED = (
    "orders_esimprofile", "orders_orderitem", "orders_paymentrefund", "orders_emaillog",
    "orders_webhooklog", "orders_fulfilmentdrift", "orders_order", "pricing_discountcodeusage",
    "pricing_discountcode", "pricing_pricehistory", "pricing_priceschedule",
    "points_pointstransaction", "points_pointsexpirynotice", "accounts_firsttouch",
    "accounts_customerprofile",
)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=1_000_000, help="paid orders")
    parser.add_argument("--years", type=float, default=2.0)
    parser.add_argument("--end", type=_moment, default=None, help="ISO time (UTC); default now")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--reset", action="store_true", help="empty what a run made first")
    parser.add_argument("--workers", type=int, default=2, help="simulating processes")
    parser.add_argument("--append-day", type=date.fromisoformat, default=None, metavar="DAY")
    options = parser.parse_args()
    setup_django()
    if options.append_day is not None:
        started = time.perf_counter()
        counts = generate_day(options.append_day, options.orders, seed=options.seed)
        print(f"appended {options.append_day}: {counts} in {time.perf_counter() - started:.1f} s")
        return
    generate(
        orders=options.orders,
        years=options.years,
        end=options.end or datetime.now(UTC),
        seed=options.seed,
        reset=options.reset,
        workers=options.workers,
    )


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def setup_django() -> None:
    """Configures this process on the database named by DATABASE_URL (created if missing,
    migrated)."""
    if "DATABASE_URL" not in os.environ:
        sys.exit("Set DATABASE_URL to a database of your own (it is migrated and written to).")
    env = {**os.environ, "HIROAM_READ_DOTENV": "false", "LOG_LEVEL": "WARNING"}
    env.setdefault("DEBUG", "false")
    env.setdefault("SECRET_KEY", "bench-secret-key-not-for-production-0123456789abcdef")
    env.setdefault("FIELD_ENCRYPTION_KEYS", "ZGV2LW9ubHktaW5zZWN1cmUtZmllbGQta2V5LTEyMzQ=")
    env.setdefault("ALLOWED_HOSTS", "localhost")
    env.setdefault("SANDBOX_ALLOW_WITHOUT_DEBUG", "true")  # its catalogue is read in-process
    env.setdefault("DJANGO_SETTINGS_MODULE", "hiroam.settings")
    os.environ.update(env)
    for command in (["ensure_database"], ["migrate", "--no-input", "-v", "0"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# ------------------------------------------------------------------------------ the whole run
def generate(
    *, orders: int, years: float, end: datetime, seed: int, reset: bool, workers: int = 2
) -> None:
    """The whole run. `workers` processes simulate the shop side by side, each with its own
    customers (a customer buys from one of them only) and its share of every day's orders."""
    from django.db import connection, connections

    started = time.perf_counter()
    start = end - timedelta(days=round(365 * years))
    rng = random.Random(seed)
    if reset:
        reset_generated()
        print(f"reset: {time.perf_counter() - started:.1f} s")
    elif _count("orders_order"):
        sys.exit("The database has orders already: add --reset to start again.")
    packages, weights = load_catalogue(start, rng)
    codes = create_codes(start, end, packages)
    schedules = create_schedules(start, end, packages, weights, rng)
    print(
        f"catalogue: {len(packages)} packages, {len(codes)} promo codes, "
        f"{sum(len(rows) for rows in schedules.values())} price schedules "
        f"({time.perf_counter() - started:.1f} s)"
    )
    days = [start.date() + timedelta(days=n) for n in range((end.date() - start.date()).days + 1)]
    day_weights = [
        mix.day_weight(day, n / len(days), rng) * _share_of_day(day, start, end)
        for n, day in enumerate(days)
    ]
    paid_per_day = mix.split_exactly(orders, day_weights)
    shares = [mix.split_exactly(paid, [1.0] * workers) for paid in paid_per_day]
    world = (packages, weights, schedules, codes, end, days)
    connections.close_all()  # the workers open connections of their own
    fork = multiprocessing.get_context("fork")
    results: multiprocessing.queues.Queue[Any] = fork.Queue()
    processes = [
        fork.Process(
            target=_simulate,
            args=(world, [share[part] for share in shares], seed, part, workers, results),
        )
        for part in range(workers)
    ]
    for process in processes:
        process.start()
    tallies = [results.get() for _ in processes]
    for process in processes:
        process.join()
    if any(process.exitcode for process in processes) or None in tallies:
        sys.exit("A worker failed (see above).")
    print(f"every COPY committed ({time.perf_counter() - started:.0f} s)")
    settle(users=None)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    took = time.perf_counter() - started
    print(f"done in {took:.0f} s ({took / 60:.1f} min)")
    report(tallies)


def _simulate(
    world: tuple[Any, ...],
    paid_per_day: list[int],
    seed: int,
    part: int,
    parts: int,
    results: Any,
) -> None:
    """One worker: its share of every day, then its customers' points ledger."""
    packages, weights, schedules, codes, end, days = world
    rng = random.Random(f"{seed}/{part}")
    # Millions of live rows and customers, and no reference cycles worth collecting: the
    # cyclic collector's full passes would grow with them and slow every day down.
    gc.disable()
    started = time.perf_counter()
    try:
        writer = CopyWriter()
        tag = "" if part == 0 else "abcdefghij"[part - 1]
        history = new_history(rng, packages, weights, schedules, codes, end, writer, tag)
        history.order_number_lane = (part, parts)
        sign_ups_per_order = (
            (1 - mix.RETURNING_SHARE) * mix.NEW_CUSTOMER_REGISTERS * mix.SIGN_UPS_WITHOUT_PURCHASE
        )
        simulated = 0.0
        for number, (day, paid) in enumerate(zip(days, paid_per_day, strict=True)):
            began = time.perf_counter()
            history.day(day, paid, round(paid * sign_ups_per_order + rng.random() - 0.5))
            simulated += time.perf_counter() - began
            if writer.pending("orders_order") >= FLUSH_EVERY or number == len(days) - 1:
                writer.flush()
                print(
                    f"[{part + 1}/{parts}] {day}: {history.tally.paid:,} paid + "
                    f"{history.tally.unpaid:,} unpaid orders ({time.perf_counter() - started:.0f}"
                    f" s; simulation {simulated:.0f} s, COPY {writer.seconds:.0f} s)",
                    flush=True,
                )
        history.finish()
        for row in history.ledger_rows():
            writer.add("points_pointstransaction", row)
        writer.close()
        print(f"[{part + 1}/{parts}] points ledger: {len(history.ledger):,} rows", flush=True)
        results.put(history.tally)
    except BaseException:
        results.put(None)
        raise


def new_history(
    rng: random.Random,
    packages: Sequence[Any],
    weights: Sequence[float],
    schedules: dict[str, list[Any]],
    codes: Sequence[Any],
    end: datetime,
    writer: CopyWriter,
    tag: str = "",
) -> Any:
    import analytics_shop as shop
    from django.conf import settings

    return shop.ShopHistory(
        rng=rng,
        packages=packages,
        weights=weights,
        schedules=schedules,
        codes=codes,
        end=end,
        emit=writer.add,
        access_token_hash=guest_link_hasher(),
        points_per_dollar=settings.POINTS_REDEMPTION_POINTS_PER_DOLLAR,
        points_max_share_bps=settings.POINTS_REDEMPTION_MAX_SHARE_BPS,
        tag=tag,
    )


def guest_link_hasher() -> Any:
    """orders.models' `hash_access_token(access_token_for(order_id))` with the key worked out
    once (the same HMAC as salted_hmac's), checked against the real thing."""
    from django.conf import settings

    from orders.models import access_token_for, hash_access_token

    key = hashlib.sha256(b"hiroam.orders.access-token" + settings.SECRET_KEY.encode()).digest()

    def hashed(order_id: str) -> str:
        token = hmac.new(key, order_id.encode(), hashlib.sha256).hexdigest()
        return hashlib.sha256(token.encode()).hexdigest()

    probe = str(uuid.uuid4())
    if hashed(probe) != hash_access_token(access_token_for(probe)):
        raise RuntimeError("The guest link's hash changed: update guest_link_hasher.")
    return hashed


def _share_of_day(day: date, start: datetime, end: datetime) -> float:
    """How much of `day` lies within [start, end)."""
    begins = datetime(day.year, day.month, day.day, tzinfo=UTC)
    inside = min(end, begins + timedelta(days=1)) - max(start, begins)
    return max(0.0, inside.total_seconds() / 86400)


# ------------------------------------------------------------------------------ COPY
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
NULL = "\\N"


def copy_line(row: Sequence[Any]) -> str:
    """One row in COPY's text format: str() of each value (booleans read as True/False,
    times as ISO 8601 with their offset), NULL for None. Values holding a tab, a line break
    or a backslash are escaped (checked on the line: rare, so the common case stays fast)."""
    texts = [NULL if value is None else str(value) for value in row]
    line = "\t".join(texts)
    if (
        line.count("\t") != len(texts) - 1
        or line.count("\\") != texts.count(NULL)
        or "\n" in line
        or "\r" in line
    ):
        texts = [NULL if v is None else str(v).translate(COPY_ESCAPES) for v in row]
        line = "\t".join(texts)
    return line + "\n"


class CopyWriter:
    """Rows formatted as they come, copied in (COPY ... FROM STDIN) by a process of its own on
    a connection of its own, one transaction a flush, parents before children: the database
    works on a batch while this process simulates the next one."""

    ORDER = (
        "accounts_user", "accounts_customerprofile", "accounts_firsttouch", "orders_order",
        "orders_orderitem", "orders_esimprofile", "orders_paymentrefund",
        "pricing_discountcodeusage", "points_pointstransaction",
    )  # fmt: skip

    def __init__(self) -> None:
        self.lines: dict[str, list[str]] = {table: [] for table in self.ORDER}
        self.written: dict[str, int] = dict.fromkeys(self.ORDER, 0)
        self.seconds = 0.0  # spent by the copying process
        self.pipe, child_end = multiprocessing.Pipe()
        self.process = multiprocessing.get_context("fork").Process(
            target=_copy_batches, args=(_conninfo(), child_end), daemon=True
        )
        self.process.start()
        self.awaiting = False

    def add(self, table: str, row: Sequence[Any]) -> None:
        self.lines[table].append(copy_line(row))

    def pending(self, table: str) -> int:
        return len(self.lines[table])

    def flush(self) -> None:
        batch = [
            (table, "".join(self.lines[table]).encode())
            for table in self.ORDER
            if self.lines[table]
        ]
        for table in self.ORDER:
            self.written[table] += len(self.lines[table])
            self.lines[table] = []
        self._wait()  # one batch at a time in the pipe: memory stays bounded
        self.pipe.send(batch)
        self.awaiting = True

    def close(self) -> None:
        """Copies what is left and waits for every COPY to be committed."""
        self.flush()
        self._wait()
        self.pipe.send(None)
        self.process.join()

    def _wait(self) -> None:
        if self.awaiting:
            outcome, value = self.pipe.recv()
            self.awaiting = False
            if outcome != "ok":
                self.process.join()
                raise RuntimeError(f"COPY failed: {value}")
            self.seconds += value


def _copy_batches(conninfo: str, pipe: Any) -> None:
    """The copying process: each batch received, in one transaction; answers its time."""
    import analytics_shop as shop
    import psycopg

    with psycopg.connect(conninfo, autocommit=True) as connection:
        while (batch := pipe.recv()) is not None:
            began = time.perf_counter()
            try:
                with connection.transaction(), connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit TO off")
                    for table, data in batch:
                        columns = ", ".join(shop.TABLES[table])
                        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                            copy.write(data)
            except psycopg.Error as error:
                pipe.send(("error", f"{type(error).__name__}: {error}"))
                return
            pipe.send(("ok", time.perf_counter() - began))


def _conninfo() -> str:
    from django.conf import settings
    from psycopg.conninfo import make_conninfo

    database = settings.DATABASES["default"]
    return make_conninfo(
        dbname=database["NAME"],
        user=database.get("USER") or None,
        password=database.get("PASSWORD") or None,
        host=database.get("HOST") or None,
        port=str(database.get("PORT") or "") or None,
    )


# ------------------------------------------------------------------------------ set-up
def reset_generated() -> None:
    """Empties what runs made: orders and their rows, customers (not staff), codes,
    schedules, the ledger and the analytics summaries."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename LIKE 'analytics\\_%%'"
        )
        summaries = [row[0] for row in cursor.fetchall()]
        cursor.execute(f"TRUNCATE {', '.join([*GENERATED, *summaries])}")
        cursor.execute("DELETE FROM accounts_user WHERE NOT is_staff AND NOT is_superuser")


def load_catalogue(start: datetime, rng: random.Random) -> tuple[list[Any], list[float]]:
    """The sandbox's catalogue (synced in-process through catalog.sync, as the worker syncs
    it) dated before the range, and each package's share of sales."""
    import analytics_shop as shop
    from django.db import connection

    from catalog.demo import feature_demo_packages
    from catalog.models import EsimPackage
    from catalog.sync import sync_catalogue
    from hiroam.integrations.esim_access.results import ProviderPackage
    from hiroam.sandbox import catalogue as sandbox_catalogue
    from pricing.models import ExchangeRate

    listed_since = start - timedelta(days=60)
    if not EsimPackage.objects.exists():
        run = sync_catalogue(
            fetch=lambda: [
                ProviderPackage.from_wire(sandbox_catalogue.wire_form(package))
                for package in sandbox_catalogue.matching_packages({})
            ],
            now=listed_since,
            trigger="command",
        )
        if run.error:
            sys.exit(f"The catalogue sync failed: {run.error}")
        feature_demo_packages()
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE catalog_esimpackage SET created_at = %s, updated_at = %s",
                [listed_since, listed_since],
            )
    if not ExchangeRate.objects.exists():
        ExchangeRate.objects.create(
            usd_to_idr_rate=mix.USD_TO_IDR, valid_from=listed_since, created_at=listed_since
        )
    rows = EsimPackage.objects.filter(is_active=True).order_by("package_code")
    packages = [
        shop.Package(
            id=str(row.pk),
            code=row.package_code,
            slug=row.slug or row.package_code,
            title=row.title,
            location=row.provider_location_code or (row.location_codes or ["?"])[0],
            usd_cents=row.price_usd_cents,
            idr=row.price_idr,
            cost_units=row.provider_price_units,
            volume_bytes=row.volume_bytes,
            days=row.duration,
            daily=row.data_type != 1,
        )
        for row in rows
    ]
    if not packages:
        sys.exit("No active package to sell.")
    weights = [mix.package_weight(p.slug, p.location, rng) for p in packages]
    return packages, weights


def create_codes(start: datetime, end: datetime, packages: Sequence[Any]) -> list[Any]:
    import analytics_shop as shop

    from pricing import engine
    from pricing.models import DiscountCode

    by_location: dict[str, list[str]] = {}
    for package in packages:
        by_location.setdefault(package.location, []).append(package.id)
    codes = []
    for spec in mix.code_specs(start, end):
        applicable = (
            [pid for location in spec.destinations for pid in by_location.get(location, [])]
            if spec.destinations
            else None
        )
        row, _ = DiscountCode.objects.update_or_create(
            id=uuid.uuid5(ID_NAMESPACE, f"code:{spec.code}"),
            defaults={
                "code": spec.code,
                "name": spec.name,
                "description": f"{spec.name} (generated for the analytics benchmark)",
                "discount_type": spec.kind,
                "discount_value": spec.value,
                "max_discount_cents": spec.max_discount_cents,
                "min_purchase_cents": spec.min_purchase_cents,
                "max_uses_per_user": spec.max_uses_per_user,
                "starts_at": spec.starts_at,
                "expires_at": spec.expires_at,
                "applicable_packages": applicable,
                "first_purchase_only": spec.first_purchase_only,
                "authenticated_only": spec.authenticated_only,
                "stackable_with_product_discount": spec.stackable,
                "is_active": spec.expires_at is None or spec.expires_at > end,
                "created_at": spec.starts_at - timedelta(days=3),
            },
        )
        ids = frozenset(applicable) if applicable else None

        def promo(value: int, cap: int | None, *, spec: Any = spec, ids: Any = ids) -> Any:
            return engine.PromoCode(
                code=spec.code,
                kind=engine.DiscountKind(spec.kind),
                value=value,
                max_discount_cents=cap,
                stackable_with_product_discount=spec.stackable,
                applicable_package_ids=ids,
            )

        to_idr = _to_idr
        idr_value = spec.value if spec.kind == "percentage" else to_idr(spec.value)
        idr_cap = None if spec.max_discount_cents is None else to_idr(spec.max_discount_cents)
        codes.append(
            shop.Code(
                id=str(row.pk),
                spec=spec,
                usd=promo(spec.value, spec.max_discount_cents),
                idr=promo(idr_value, idr_cap),
            )
        )
    return codes


def _to_idr(cents: int) -> int:
    from pricing.engine import usd_cents_to_idr

    return usd_cents_to_idr(cents, mix.USD_TO_IDR)


def create_schedules(
    start: datetime,
    end: datetime,
    packages: Sequence[Any],
    weights: Sequence[float],
    rng: random.Random,
) -> dict[str, list[Any]]:
    """A few hundred schedules on the best sellers: seasonal sales on many packages at once,
    flash sales on one. Answers the engine's schedules by package id."""
    from pricing.models import PriceSchedule
    from pricing.prices import engine_schedules

    ranked = [p for _, p in sorted(zip(weights, packages, strict=True), key=lambda x: -x[0])]
    rows = []
    for sale in mix.sale_specs(start, end, rng):
        if sale.priority == 0:
            chosen = [rng.choice(ranked[:80])]
        else:
            pool = [p for p in ranked if not sale.destinations or p.location in sale.destinations]
            chosen = pool[: sale.packages]
        for package in chosen:
            rows.append(
                PriceSchedule(
                    id=uuid.uuid5(ID_NAMESPACE, f"schedule:{sale.name}:{package.id}"),
                    package_id=package.id,
                    schedule_name=sale.name,
                    schedule_type=PriceSchedule.ScheduleType.DISCOUNT,
                    discount_type=PriceSchedule.DiscountType.PERCENTAGE,
                    discount_value=sale.bps,
                    starts_at=sale.starts_at,
                    ends_at=sale.ends_at,
                    priority=sale.priority,
                    badge_text=sale.badge,
                    badge_color="red",
                    created_at=sale.starts_at - timedelta(days=7),
                    updated_at=sale.starts_at - timedelta(days=7),
                )
            )
    PriceSchedule.objects.bulk_create(rows, ignore_conflicts=True)
    grouped = engine_schedules(PriceSchedule.objects.filter(is_active=True))
    return {str(package_id): schedules for package_id, schedules in grouped.items()}


# ------------------------------------------------------------------------------ afterwards
def settle(users: Sequence[str] | None) -> None:
    """What the services keep beside the rows: guest orders linked to the verified account of
    their address, each customer's statistics and points figures (from their orders and
    ledger), and each code's uses. `users`: only these customers (None: everyone)."""
    from django.db import connection

    params: dict[str, Any] = {"everyone": users is None, "users": list(users or [])}
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE orders_order o SET user_id = u.id FROM accounts_user u
            WHERE o.user_id IS NULL AND o.customer_email = u.email
              AND u.email_verified_at IS NOT NULL
              AND (%(everyone)s OR u.id = ANY(%(users)s::uuid[]))""",
            params,
        )
        cursor.execute(
            """
            UPDATE pricing_discountcodeusage d SET user_id = u.id FROM accounts_user u
            WHERE d.user_id IS NULL AND d.guest_email = u.email
              AND u.email_verified_at IS NOT NULL
              AND (%(everyone)s OR u.id = ANY(%(users)s::uuid[]))""",
            params,
        )
        cursor.execute(
            """
            WITH stats AS (
                SELECT user_id, count(*) AS orders, sum(total_cents) AS spent,
                       min(paid_at) AS first, max(paid_at) AS last,
                       max(greatest(completed_at, refunded_at)) AS changed
                FROM orders_order WHERE status = 'completed' AND user_id IS NOT NULL
                  AND (%(everyone)s OR user_id = ANY(%(users)s::uuid[]))
                GROUP BY user_id
            ), ledger AS (
                SELECT user_id,
                       sum(points) FILTER (WHERE kind = 'earned') AS earned,
                       -sum(points) FILTER (WHERE kind = 'spent') AS spent,
                       -sum(points) FILTER (WHERE kind = 'expired') AS expired,
                       (array_agg(balance_after ORDER BY created_at DESC, id DESC))[1] AS balance,
                       max(created_at) AS changed
                FROM points_pointstransaction
                WHERE %(everyone)s OR user_id = ANY(%(users)s::uuid[]) GROUP BY user_id
            )
            UPDATE accounts_customerprofile p SET
                total_orders = coalesce(s.orders, 0),
                total_spent_cents = coalesce(s.spent, 0),
                first_order_at = s.first,
                last_order_at = s.last,
                points_balance = coalesce(l.balance, 0),
                points_reserved = 0,
                total_points_earned = coalesce(l.earned, 0),
                total_points_spent = coalesce(l.spent, 0),
                total_points_expired = coalesce(l.expired, 0),
                updated_at = greatest(p.created_at, s.changed, l.changed)
            FROM accounts_customerprofile p2
            LEFT JOIN stats s ON s.user_id = p2.user_id
            LEFT JOIN ledger l ON l.user_id = p2.user_id
            WHERE p.id = p2.id AND (s.user_id IS NOT NULL OR l.user_id IS NOT NULL)
            """,
            params,
        )
        cursor.execute(
            """
            UPDATE pricing_discountcode c SET
                current_uses = coalesce(u.used, 0), reserved_uses = coalesce(u.reserved, 0)
            FROM pricing_discountcode c2 LEFT JOIN (
                SELECT discount_id, count(*) FILTER (WHERE status = 'used') AS used,
                       count(*) FILTER (WHERE status = 'reserved') AS reserved
                FROM pricing_discountcodeusage GROUP BY discount_id
            ) u ON u.discount_id = c2.id
            WHERE c.id = c2.id
            """
        )


def _count(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (our own table names)
        return int(cursor.fetchone()[0])


def report(tallies: Sequence[Any] = ()) -> None:
    """Rows per table, the database's size and a few sanity figures."""
    import analytics_shop as shop
    from django.db import connection

    tables = [*shop.TABLES, "catalog_esimpackage", "pricing_discountcode", "pricing_priceschedule"]
    print("rows:", ", ".join(f"{table} {_count(table):,}" for table in tables))
    queries = {
        "database size": "SELECT pg_size_pretty(pg_database_size(current_database()))",
        "paid orders by currency": """
            SELECT currency_code, count(*), sum(total_cents) FROM orders_order
            WHERE paid_at IS NOT NULL GROUP BY 1 ORDER BY 1""",
        "orders by status": """
            SELECT status, count(*) FROM orders_order GROUP BY 1 ORDER BY 2 DESC""",
        "refunded share of paid orders": """
            SELECT round(100.0 * count(*) FILTER (WHERE refunded_at IS NOT NULL) / count(*), 2)
            FROM orders_order WHERE paid_at IS NOT NULL""",
        "paid orders by registered users (%)": """
            SELECT round(100.0 * count(user_id) / count(*), 1) FROM orders_order
            WHERE paid_at IS NOT NULL""",
        "customers, repeat customers (%)": """
            SELECT count(*), round(100.0 * count(*) FILTER (WHERE n > 1) / count(*), 1)
            FROM (SELECT coalesce(user_id::text, customer_email) AS who, count(*) AS n
                  FROM orders_order WHERE paid_at IS NOT NULL GROUP BY 1) c""",
        "paid orders with a code, with points, with a scheduled line (%)": """
            SELECT round(100.0 * count(discount_code_id) / count(*), 1),
                   round(100.0 * count(*) FILTER (WHERE points_redeemed > 0) / count(*), 1),
                   round(100.0 * count(*) FILTER (WHERE product_discount_cents > 0) / count(*), 1)
            FROM orders_order WHERE paid_at IS NOT NULL""",
        "paid orders by source (top 12)": """
            SELECT coalesce(nullif(utm_source, ''), nullif(referrer_host, ''), '(direct)'),
                   count(*) FROM orders_order WHERE paid_at IS NOT NULL
            GROUP BY 1 ORDER BY 2 DESC LIMIT 12""",
        "eSIM profiles by refund status": """
            SELECT refund_status, count(*) FROM orders_esimprofile GROUP BY 1 ORDER BY 2 DESC""",
        "points by kind": """
            SELECT kind, count(*), sum(points) FROM points_pointstransaction
            GROUP BY 1 ORDER BY 1""",
        "revenue per month (paid, before refunds), USD cents | IDR": """
            SELECT to_char(date_trunc('month', paid_at), 'YYYY-MM'),
                   sum(total_cents) FILTER (WHERE currency_code = 'USD'),
                   sum(total_cents) FILTER (WHERE currency_code = 'IDR'), count(*)
            FROM orders_order WHERE paid_at IS NOT NULL GROUP BY 1 ORDER BY 1""",
    }
    with connection.cursor() as cursor:
        for title, sql in queries.items():
            cursor.execute(sql)
            rows = cursor.fetchall()
            print(f"{title}: " + "; ".join(" ".join(str(v) for v in row) for row in rows))
    for tally in tallies:
        print(f"simulation tally: {tally}")


# ------------------------------------------------------------------------------ one more day
def generate_day(day: date, orders: int, *, seed: int = 13) -> dict[str, int]:
    """Adds `day`'s data to a generated database: `orders` paid orders (and the abandoned
    checkouts around them), and the late events of that day on older orders. Times stay
    within the day and before now. Answers the rows written per table."""
    import analytics_day

    return analytics_day.append_day(day, orders, seed=seed)


if __name__ == "__main__":
    main()
