"""The 90-day refund job (issue 9): one run over N due eSIMs against the sandbox eSIM Access.

    .venv/bin/python bench/refund_job.py --esims 100000            # the rate limit lifted
    .venv/bin/python bench/refund_job.py --esims 200 --rate 8      # the provider's 8 a second

Runs on its own database (hiroam_bench) and Redis (db 13). The data is bulk-created by a child
process (so the job's peak memory is the job's own): the sandbox's account, orders and profiles
(GOT_RESOURCE + RELEASED, each with its price) and ours (completed orders of `--per-order`
eSIMs each, items with the provider's unit price, profiles delivered 91 days ago, unused and
due); `--signed-in` of the orders belong to customers who earned points for them (a refund
takes back each eSIM's share). gunicorn serves the sandbox; this process calls
`refunds.job.process_esim_refunds(now=..., trigger="command")` once, then checks that every
eSIM ended refunded and cancelled at the sandbox, whose balance rose by exactly their cost.

No Celery worker runs: the refund emails (ours) and the ESIM_STATUS webhooks (the sandbox's)
are queued in the bench Redis, which is emptied at the start and at the end of each run.

Knobs: gunicorn `--server-workers` x `--server-threads`; the job's `--job-workers`
(REFUND_JOB_WORKERS) and `--batch-size` (refunds.job.BATCH_SIZE); `--debug` runs both sides
with DEBUG on (query logging), otherwise they run as in production (DEBUG off).
Where the time goes: `--sample` (where the job's threads are, every 2 ms), `--count-queries`
(its SQL statements per eSIM), `--profile FILE` (a cProfile of the job: only the calling
thread, so use `--job-workers 1`), `--profile-server DIR` (a cProfile of each gunicorn worker);
`--tracemalloc` also reports Python's peak heap. Results: docs/BENCHMARKS.md.

Target (issue 9): 100,000 eSIMs in under 120 s, memory flat in the number of eSIMs.
"""

import argparse
import cProfile
import os
import pstats
import resource
import subprocess
import sys
import threading
import time
import tracemalloc
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path
from typing import Any

import redis
from support import (
    PRODUCTION_LIKE,
    bench_environment,
    free_port,
    prepare_database,
    use_django,
    web_server,
)

BENCH_EMAIL_DOMAIN = "refund-bench.example.com"
PACKAGES = 3  # sandbox packages the orders are spread over (different provider prices)
CHUNK_ORDERS = 2_000  # orders bulk-created per transaction


def parse_options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--esims", type=int, default=100_000)
    parser.add_argument("--per-order", type=int, default=5, help="eSIMs per order")
    parser.add_argument(
        "--signed-in", type=float, default=0.5, help="share of orders with a points customer"
    )
    parser.add_argument("--rate", type=float, default=0, help="provider calls/s (0: no limit)")
    parser.add_argument("--server-workers", type=int, default=4)
    parser.add_argument("--server-threads", type=int, default=1)
    parser.add_argument("--job-workers", type=int, default=8, help="REFUND_JOB_WORKERS")
    parser.add_argument("--batch-size", type=int, default=100, help="refunds.job.BATCH_SIZE")
    parser.add_argument("--debug", action="store_true", help="DEBUG on (query logging)")
    parser.add_argument("--profile", type=Path, help="write the job's cProfile here")
    parser.add_argument(
        "--profile-server", type=Path, help="write each gunicorn worker's cProfile in this folder"
    )
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument(
        "--sample", action="store_true", help="sample the job's threads: where their time goes"
    )
    parser.add_argument(
        "--count-queries", action="store_true", help="list the job's SQL statements per eSIM"
    )
    parser.add_argument("--seed-only", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


def environment(options: argparse.Namespace, port: int) -> dict[str, str]:
    return bench_environment(
        port,
        **({} if options.debug else PRODUCTION_LIKE),
        ESIM_ACCESS_REQUESTS_PER_SECOND=str(options.rate),
        REFUND_JOB_WORKERS=str(options.job_workers),
        SANDBOX_ESIM_ALLOCATION_SECONDS="0",
        THROTTLING_ENABLED="false",
    )


# ---------------------------------------------------------------------------- the data


def clear_tables() -> None:
    """Every row a previous run left in the tables the job and the sandbox touch."""
    from django.db import connection

    from accounts.models import CustomerProfile, User
    from hiroam.sandbox.models import EsimOrder, Webhook
    from hiroam.sandbox.models import EsimProfile as SandboxProfile
    from orders.models import EmailLog, EsimProfile, Order, OrderItem
    from points.models import PointsTransaction
    from refunds.models import RefundRun

    tables = [
        model._meta.db_table
        for model in (
            EmailLog,
            PointsTransaction,
            EsimProfile,
            OrderItem,
            Order,
            RefundRun,
            SandboxProfile,
            EsimOrder,
            Webhook,
        )
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
    bench_users = User.objects.filter(email__endswith=f"@{BENCH_EMAIL_DOMAIN}")
    CustomerProfile.objects.filter(user__in=bench_users).delete()
    bench_users.delete()


def seed(options: argparse.Namespace) -> None:
    """Bulk-creates both sides of `--esims` delivered, unused eSIMs due for a refund."""
    from django.conf import settings
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import CustomerProfile, User
    from catalog.models import EsimPackage
    from hiroam.sandbox.catalogue import catalogue
    from hiroam.sandbox.esim_access import SMDP_ADDRESS, account_for
    from hiroam.sandbox.models import EsimOrder
    from hiroam.sandbox.models import EsimProfile as SandboxProfile
    from orders.models import EsimProfile, Order, OrderItem
    from points.models import PointsTransaction
    from points.rules import points_for_paid_cents
    from tests.catalog.factories import PackageFactory

    started = time.perf_counter()
    clear_tables()
    now = timezone.now()
    delivered_at = now - timedelta(days=91)
    account = account_for(settings.ESIM_ACCESS_CODE)
    assert account is not None  # noqa: S101
    account.balance_units = 10**12  # cancels only add to it
    account.save(update_fields=["balance_units"])

    provider_packages = [raw for raw in catalogue() if raw["_type"] == "BASE"][:PACKAGES]
    packages = []
    for raw in provider_packages:
        package = EsimPackage.objects.filter(package_code=raw["packageCode"]).first()
        if package is None:  # the catalogue was not synced on this database
            package = PackageFactory.create(
                package_code=raw["packageCode"], provider_price_units=raw["price"], slug=None
            )
        packages.append(package)

    per_order = options.per_order
    orders_total = -(-options.esims // per_order)
    signed_in_every = round(1 / options.signed_in) if options.signed_in > 0 else 0
    esim_number = signed_in = 0
    for first in range(0, orders_total, CHUNK_ORDERS):
        numbers = range(first, min(first + CHUNK_ORDERS, orders_total))
        users, customer_profiles, points_rows = [], [], []
        orders, items, profiles, sandbox_orders, sandbox_profiles = [], [], [], [], []
        for number in numbers:
            quantity = min(per_order, options.esims - number * per_order)
            raw = provider_packages[number % PACKAGES]
            package = packages[number % PACKAGES]
            unit_cents = package.price_usd_cents
            order = Order(
                order_number=f"ORD-BENCH-{number:08d}",
                customer_email=f"customer-{number}@{BENCH_EMAIL_DOMAIN}",
                currency_code="USD",
                subtotal_cents=unit_cents * quantity,
                total_cents=unit_cents * quantity,
                pricing_breakdown={},
                priced_at=delivered_at,
                status="completed",
                payment_status="completed",
                esim_status="delivered",
                reservation="converted",
                access_token_hash="0" * 64,
                created_at=delivered_at,
                expires_at=delivered_at + timedelta(hours=1),
                paid_at=delivered_at,
                fulfilment_requested_at=delivered_at,
                completed_at=delivered_at,
            )
            if signed_in_every and number % signed_in_every == 0:
                user = User(email=order.customer_email, date_joined=delivered_at)
                user.set_unusable_password()
                earned = points_for_paid_cents(order.total_cents)
                users.append(user)
                customer_profiles.append(
                    CustomerProfile(
                        user=user,
                        points_balance=earned,
                        total_points_earned=earned,
                        total_orders=1,
                        total_spent_cents=order.total_cents,
                        first_order_at=delivered_at,
                        last_order_at=delivered_at,
                    )
                )
                points_rows.append(
                    PointsTransaction(
                        user=user,
                        kind=PointsTransaction.Kind.EARNED,
                        points=earned,
                        balance_after=earned,
                        order_id=order.id,
                        reason="purchase",
                        unused=earned,
                        expires_at=delivered_at + timedelta(days=365),
                        created_at=delivered_at,
                    )
                )
                order.user, order.points_earned = user, earned
                signed_in += 1
            orders.append(order)
            provider_order_no = f"B{number:011d}"
            transaction_id = f"refund-bench-{number}"
            item = OrderItem(
                order=order,
                package=package,
                package_code=package.package_code,
                package_name=package.name,
                quantity=quantity,
                unit_price_cents=unit_cents,
                final_unit_price_cents=unit_cents,
                total_cents=unit_cents * quantity,
                esim_order_no=provider_order_no,
                transaction_id=transaction_id,
                provider_unit_price_units=raw["price"],
                status="completed",
                profiles_ordered=quantity,
                profiles_delivered=quantity,
            )
            items.append(item)
            sandbox_order = EsimOrder(
                account=account,
                order_no=provider_order_no,
                transaction_id=transaction_id,
                total_units=raw["price"] * quantity,
                created_at=delivered_at,
                ready_at=delivered_at,
                allocated_at=delivered_at,
            )
            sandbox_orders.append(sandbox_order)
            for index in range(1, quantity + 1):
                esim_number += 1
                tran_no, iccid = f"26{esim_number:012d}", f"8985{esim_number:016d}"
                matching_id = f"BENCH{esim_number:015d}"
                sandbox_profiles.append(
                    SandboxProfile(
                        order=sandbox_order,
                        esim_tran_no=tran_no,
                        iccid=iccid,
                        imsi=f"45400{esim_number:010d}",
                        matching_id=matching_id,
                        package_code=raw["packageCode"],
                        price_units=raw["price"],
                        esim_status="GOT_RESOURCE",
                        smdp_status="RELEASED",
                        total_volume_bytes=raw["volume"],
                        total_duration=raw["duration"],
                        expired_at=delivered_at + timedelta(days=raw["unusedValidTime"]),
                    )
                )
                profiles.append(
                    EsimProfile(
                        order=order,
                        order_item=item,
                        profile_index=index,
                        esim_tran_no=tran_no,
                        esim_order_no=provider_order_no,
                        iccid=iccid,
                        qr_code_url=f"{settings.ESIM_API_URL}/qr/{tran_no}.png",
                        short_url=f"{settings.ESIM_API_URL}/qr/{tran_no}.png",
                        sm_dp_address=SMDP_ADDRESS,
                        activation_code=f"LPA:1${SMDP_ADDRESS}${matching_id}",
                        manual_code=matching_id,
                        esim_status="got_resource",
                        smdp_status="released",
                        resource_ready_at=delivered_at,
                        data_total_bytes=raw["volume"],
                        expires_at=delivered_at + timedelta(days=raw["unusedValidTime"]),
                        refund_eligible_at=delivered_at + timedelta(days=90),
                        created_at=delivered_at,
                    )
                )
        with transaction.atomic():
            User.objects.bulk_create(users)
            CustomerProfile.objects.bulk_create(customer_profiles)
            Order.objects.bulk_create(orders)
            PointsTransaction.objects.bulk_create(points_rows)
            OrderItem.objects.bulk_create(items)
            EsimProfile.objects.bulk_create(profiles, batch_size=5_000)
            EsimOrder.objects.bulk_create(sandbox_orders)
            SandboxProfile.objects.bulk_create(sandbox_profiles, batch_size=5_000)
    from django.db import connection

    with connection.cursor() as cursor:  # fresh statistics, as autovacuum would have them
        cursor.execute(
            "ANALYZE orders_esimprofile, orders_orderitem, orders_order, sandbox_esimprofile,"
            " sandbox_esimorder, points_pointstransaction"
        )
    print(
        f"set-up: {options.esims:,} eSIMs in {orders_total:,} orders "
        f"({signed_in:,} by signed-in customers) "
        f"in {time.perf_counter() - started:.1f} s",
        flush=True,
    )


# ---------------------------------------------------------------------------- measuring

# A gunicorn config that profiles each worker process from its start to its exit.
SERVER_PROFILE_CONFIG = """
import cProfile, os

def post_fork(server, worker):
    worker.profiler = cProfile.Profile()
    worker.profiler.enable()

def worker_exit(server, worker):
    worker.profiler.disable()
    worker.profiler.dump_stats(os.path.join({folder!r}, f"worker-{{os.getpid()}}.prof"))
"""


def server_profile_args(folder: Path | None) -> list[str]:
    if folder is None:
        return []
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "gunicorn_profile.py"
    config.write_text(SERVER_PROFILE_CONFIG.format(folder=str(folder.resolve())))
    return ["--config", str(config)]


class ProviderCalls:
    """Counts and times each eSIM Access call the job makes (client side, per path)."""

    def __init__(self) -> None:
        self.count: Counter[str] = Counter()
        self.seconds: dict[str, float] = defaultdict(float)
        self._lock = threading.Lock()

    def install(self) -> None:
        from hiroam.integrations.esim_access.client import EsimAccessClient

        send = EsimAccessClient._send_now
        calls = self

        def timed(client: EsimAccessClient, path: str, body: bytes) -> Any:
            started = time.perf_counter()
            try:
                return send(client, path, body)
            finally:
                elapsed = time.perf_counter() - started
                with calls._lock:
                    calls.count[path] += 1
                    calls.seconds[path] += elapsed

        setattr(EsimAccessClient, "_send_now", timed)  # noqa: B010 (an instrument, for the bench)

    def summary(self, wall_seconds: float) -> str:
        total = sum(self.count.values())
        parts = [
            f"{path} {count:,} (mean {1000 * self.seconds[path] / count:.1f} ms)"
            for path, count in sorted(self.count.items())
        ]
        rate = total / wall_seconds
        return f"provider calls: {total:,} = {', '.join(parts)}; {rate:,.0f} calls/s"


class CpuTimes:
    """CPU seconds used during the run: this process (the job), its descendants (gunicorn) and
    the whole machine (/proc/stat; the rest is PostgreSQL, Redis and anything else running)."""

    TICKS = os.sysconf("SC_CLK_TCK")

    def __init__(self) -> None:
        self.start = self._sample()

    @classmethod
    def _descendants(cls, pid: int) -> list[int]:
        found = []
        for task in Path(f"/proc/{pid}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                found += [child, *cls._descendants(child)]
        return found

    @classmethod
    def _process_seconds(cls, pid: int) -> float:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / cls.TICKS  # utime + stime

    @classmethod
    def _sample(cls) -> tuple[float, float, float, float]:
        own = resource.getrusage(resource.RUSAGE_SELF)
        server = sum(cls._process_seconds(pid) for pid in cls._descendants(os.getpid()))
        cpu = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        idle = (cpu[3] + cpu[4]) / cls.TICKS  # idle + iowait
        return own.ru_utime + own.ru_stime, server, sum(cpu) / cls.TICKS - idle, idle

    def summary(self) -> str:
        end = self._sample()
        job, server, busy, idle = (
            after - before for after, before in zip(end, self.start, strict=True)
        )
        return (
            f"CPU seconds: job process {job:.1f}, gunicorn {server:.1f}, rest of the machine "
            f"(PostgreSQL, Redis, other) {busy - job - server:.1f}; machine "
            f"{100 * busy / (busy + idle):.0f}% busy of {os.cpu_count()} cores"
        )


class QueryCounter:
    """Counts the job process's SQL statements by their opening words (every thread)."""

    def __init__(self) -> None:
        self.count: Counter[str] = Counter()
        self._lock = threading.Lock()

    def install(self) -> None:
        import re

        from django.db.backends.utils import CursorWrapper

        execute = CursorWrapper.execute
        counter = self
        names = re.compile(r'"(\w+)"')

        def counted(cursor: CursorWrapper, sql: str, params: Any = None) -> Any:
            words = sql.split(None, 3)
            verb = " ".join(words[:2]) if words[:1] == ["SELECT"] else words[0]
            tables = names.findall(sql.split(" WHERE ")[0])
            shape = f"{verb[:12]} {tables[0] if tables else ''}"
            with counter._lock:
                counter.count[shape] += 1
            return execute(cursor, sql, params)

        setattr(CursorWrapper, "execute", counted)  # noqa: B010 (an instrument, for the bench)

    def summary(self, esims: int) -> str:
        total = sum(self.count.values())
        lines = [
            f"  {count / esims:6.2f}  {shape}"
            for shape, count in self.count.most_common()
            if count / esims >= 0.005
        ]
        return f"SQL statements per eSIM (job process): {total / esims:.2f}\n" + "\n".join(lines)


class StackSampler(threading.Thread):
    """A poor man's py-spy: every few milliseconds, where each thread of this process is.
    A thread is `waiting` when its innermost frame waits on a socket, a lock or the pool;
    the other samples (running, or ready to run) are shared out over the stages of a refund
    they are in (inclusive: a sample in the points reversal also counts for its refund)."""

    WAITS = (
        *("recv_into", "readinto", "_read_status", "readline", "_read_from_socket", "connect"),
        *("wait", "acquire", "select"),
    )
    STAGES = {
        "refunds/services.py:claim_batch": "claim a batch",
        "refunds/services.py:mark_eligible": "mark eligible",
        "client.py:query_profiles": "provider call: esim/query",
        "client.py:cancel_profile": "provider call: esim/cancel",
        "circuit_breaker.py:": "  of which the circuit breaker (Redis)",
        "rate_limit.py:": "  of which the rate limit (Redis)",
        "sessions.py:request": "  of which HTTP (requests)",
        "refunds/services.py:_record_refund": "record the refund",
        "refunds/services.py:_locked": "  of which lock + read the claim",
        "points/services.py:reverse_for_esim": "  of which points reversal",
        "orders/emails.py:queue_profile_email": "  of which queue the email (log row)",
        "celery/app/task.py:apply_async": "  of which Celery publish (on commit)",
        "transaction.py:__exit__": "  of which commit",
    }

    def __init__(self, interval: float = 0.002) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.samples = 0
        self.waiting = 0
        self.stages: Counter[str] = Counter()
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(self.interval):
            for ident, frame in sys._current_frames().items():
                if ident == self.ident:
                    continue
                self._take(frame)

    def _take(self, frame: object) -> None:
        seen = []
        innermost = frame.f_code.co_name  # type: ignore[attr-defined]
        while frame is not None:
            code = frame.f_code  # type: ignore[attr-defined]
            seen.append(f"{code.co_filename}:{code.co_name}")
            frame = frame.f_back  # type: ignore[attr-defined]
        if not any("refunds/" in where for where in seen):
            return  # not working on the run (e.g. the main thread before it starts)
        self.samples += 1
        if innermost in self.WAITS:
            self.waiting += 1
            return
        for marker, stage in self.STAGES.items():
            if any(marker in where for where in seen):
                self.stages[stage] += 1

    def stop(self) -> str:
        self._stop_event.set()
        self.join()
        busy = self.samples - self.waiting
        lines = [
            f"  {100 * self.stages[stage] / max(busy, 1):5.1f}%  {stage}"
            for stage in dict.fromkeys(self.STAGES.values())
        ]
        return (
            f"job threads sampled {self.samples:,} times: {100 * self.waiting / self.samples:.0f}%"
            f" waiting (provider, database, pool); of the rest (running or ready to run):\n"
            + "\n".join(lines)
        )


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def run_job(options: argparse.Namespace) -> tuple[object, float]:
    from django.utils import timezone

    from refunds import job

    job.BATCH_SIZE = options.batch_size
    profiler = cProfile.Profile() if options.profile else None
    sampler = StackSampler() if options.sample else None
    if options.tracemalloc:
        tracemalloc.start()
    started = time.perf_counter()
    if sampler:
        sampler.start()
    if profiler:
        profiler.enable()
    run = job.process_esim_refunds(now=timezone.now(), trigger="command")
    if profiler:
        profiler.disable()
    elapsed = time.perf_counter() - started
    if sampler:
        print(sampler.stop())
    if profiler:
        profiler.dump_stats(options.profile)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    return run, elapsed


def verify(options: argparse.Namespace, run: object, balance_before: int) -> list[str]:
    """What must hold after the run; answers the problems found (none: all good)."""
    from django.conf import settings
    from django.db.models import Count, Sum

    from hiroam.integrations.units import balance_cents_from_provider_units
    from hiroam.sandbox.models import EsimAccessAccount
    from hiroam.sandbox.models import EsimProfile as SandboxProfile
    from orders.models import EmailLog, EsimProfile, OrderItem
    from points.models import PointsTransaction

    problems = []
    states = Counter(
        {
            (row["refund_status"], row["esim_status"]): row["n"]
            for row in EsimProfile.objects.values("refund_status", "esim_status").annotate(
                n=Count("pk")
            )
        }
    )
    if states != Counter({("refunded", "cancelled"): options.esims}):
        problems.append(f"our eSIMs: {dict(states)}")
    at_sandbox = Counter(SandboxProfile.objects.values_list("esim_status", flat=True))
    if at_sandbox != Counter({"CANCEL": options.esims}):
        problems.append(f"at the sandbox: {dict(at_sandbox)}")
    cost_units = SandboxProfile.objects.aggregate(total=Sum("price_units"))["total"]
    balance_after = EsimAccessAccount.objects.get(access_code=settings.ESIM_ACCESS_CODE)
    if balance_after.balance_units - balance_before != cost_units:
        problems.append(
            f"balance rose by {balance_after.balance_units - balance_before}, cost {cost_units}"
        )
    expected_cents = sum(
        balance_cents_from_provider_units(units)
        for units in SandboxProfile.objects.values_list("price_units", flat=True).iterator()
    )
    summary = (run.processed, run.refunded, run.failed, run.recovered_cents)  # type: ignore[attr-defined]
    if summary != (options.esims, options.esims, 0, expected_cents):
        problems.append(f"run (processed, refunded, failed, cents) = {summary}")
    cancelled = OrderItem.objects.aggregate(total=Sum("profiles_cancelled"))["total"]
    if cancelled != options.esims:
        problems.append(f"items' cancelled counts add up to {cancelled}")
    emails = EmailLog.objects.filter(template_name="esim_refunded").count()
    if emails != options.esims:
        problems.append(f"{emails} refund emails")
    signed_in = EsimProfile.objects.filter(order__user__isnull=False).count()
    reversals = PointsTransaction.objects.filter(reason__startswith="esim_refund:").count()
    if reversals != signed_in:
        problems.append(f"{reversals} points reversals for {signed_in} signed-in eSIMs")
    return problems


# ---------------------------------------------------------------------------- main


def main() -> None:
    options = parse_options()
    if options.seed_only:
        use_django(environment(options, int(os.environ["REFUND_BENCH_PORT"])))
        seed(options)
        return
    port = free_port()
    env = environment(options, port)
    prepare_database(env)
    subprocess.run(
        [sys.executable, __file__, *sys.argv[1:], "--seed-only"],
        env={**env, "REFUND_BENCH_PORT": str(port)},
        check=True,
    )
    use_django(env)
    from django.conf import settings

    from hiroam.sandbox.models import EsimAccessAccount

    calls = ProviderCalls()
    calls.install()
    queries = QueryCounter()
    if options.count_queries:
        queries.install()
    balance_before = EsimAccessAccount.objects.get(
        access_code=settings.ESIM_ACCESS_CODE
    ).balance_units
    rss_before = rss_kib()
    try:
        with web_server(
            env,
            port,
            workers=options.server_workers,
            threads=options.server_threads,
            extra_args=server_profile_args(options.profile_server),
        ):
            cpu = CpuTimes()
            run, elapsed = run_job(options)
            cpu_summary = cpu.summary()
        peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        problems = verify(options, run, balance_before)
    finally:
        redis.Redis.from_url(env["REDIS_URL"]).flushdb()  # the queued emails and webhooks
    print(
        f"{options.esims:,} eSIMs ({options.per_order} an order), rate "
        f"{options.rate or 'unlimited'}/s, gunicorn {options.server_workers}x"
        f"{options.server_threads}, REFUND_JOB_WORKERS={options.job_workers}, "
        f"BATCH_SIZE={options.batch_size}, DEBUG={'on' if options.debug else 'off'}"
    )
    print(f"job run: {elapsed:.1f} s, {options.esims / elapsed:,.1f} eSIMs/s")
    print(calls.summary(elapsed))
    print(cpu_summary)
    if options.count_queries:
        print(queries.summary(options.esims))
    print(
        f"job process memory: RSS before {rss_before / 1024:.0f} MiB, peak {peak_kib / 1024:.0f}"
        f" MiB (+{(peak_kib - rss_before) / 1024:.0f} MiB during the run)"
    )
    if options.tracemalloc:
        current, peak = tracemalloc.get_traced_memory()
        print(f"tracemalloc: peak {peak / 2**20:.1f} MiB, at the end {current / 2**20:.1f} MiB")
    if options.rate:
        per_second = options.esims / elapsed
        print(f"at this rate: {per_second * 86_400:,.0f} eSIMs a day")
    if problems:
        print("PROBLEMS:\n  " + "\n  ".join(problems))
        sys.exit(1)
    print(
        "checked: every eSIM refunded + cancelled (ours and the sandbox's), balance up by "
        "exactly their cost, item counts, emails, points reversals"
    )


if __name__ == "__main__":
    main()
