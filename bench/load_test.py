"""The whole shop under load: locust's travellers (bench/locustfile.py) browse, check codes,
check out, pay on the sandbox's Paddle page and read their orders, against the production
server (gunicorn, DEBUG off) with Celery workers fulfilling every paid order through the
sandbox's webhooks. Afterwards every paid order must be delivered.

    .venv/bin/python bench/load_test.py [--users 100] [--minutes 3] [--workers 4]

Runs on its own database (hiroam_bench) and Redis (db 13), with the sandbox catalogue.
Targets (issue 12): 100 users for 3 minutes, zero failed requests, p95 under 300 ms on
catalogue reads and under 500 ms on checkout; every paid order delivered. Rate limits are
off (every traveller comes from 127.0.0.1).
"""

import argparse
import csv
import subprocess
import sys
import time
from pathlib import Path

from support import (
    BIN,
    PRODUCTION_LIKE,
    ROOT,
    bench_environment,
    free_port,
    prepare_database,
    use_django,
    web_server,
)

RESULTS = Path("/tmp/hiroam-load")  # noqa: S108 (the bench's scratch folder)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--minutes", type=float, default=3)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--celery", type=int, default=2, help="Celery worker processes")
    options = parser.parse_args()
    port = free_port()
    env = bench_environment(
        port,
        **PRODUCTION_LIKE,
        THROTTLING_ENABLED="false",
        SANDBOX_ESIM_ALLOCATION_SECONDS="2",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    prepare_database(env)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    worker = subprocess.Popen(
        [
            str(BIN / "celery"),
            "-A",
            "hiroam",
            "worker",
            "--concurrency",
            str(options.celery),
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        with web_server(env, port, workers=options.workers, threads=options.threads) as base:
            started = prepare_shop(env)
            run_locust(base, options)
            report(started)
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def prepare_shop(env: dict[str, str]):
    use_django(env)
    from django.utils import timezone

    from catalog.sync import sync_catalogue
    from hiroam.integrations.esim_access import esim_access_client
    from pricing.models import DiscountCode

    now = timezone.now()
    sync_catalogue(fetch=esim_access_client().list_packages, now=now, trigger="bench")
    DiscountCode.objects.update_or_create(
        code="LOADTEST10",
        defaults={
            "name": "Load test",
            "discount_type": "percentage",
            "discount_value": 1_000,
            "starts_at": now,
            "max_uses": None,
        },
    )
    return now


def run_locust(base: str, options: argparse.Namespace) -> None:
    RESULTS.mkdir(exist_ok=True)
    subprocess.run(
        [
            str(BIN / "locust"),
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            "--headless",
            "--host",
            base,
            "--users",
            str(options.users),
            "--spawn-rate",
            "10",
            "--run-time",
            f"{int(options.minutes * 60)}s",
            "--csv",
            str(RESULTS / "run"),
            "--only-summary",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        check=False,
    )


def report(started) -> None:
    from orders.models import Order, OrderStatus

    print(f"{'endpoint':38} {'requests':>8} {'failed':>6} {'req/s':>7} {'p50':>6} {'p95':>6}")
    with open(RESULTS / "run_stats.csv") as file:
        for row in csv.DictReader(file):
            print(
                f"{row['Name'][:38]:38} {row['Request Count']:>8} {row['Failure Count']:>6} "
                f"{float(row['Requests/s']):7.1f} {row['50%']:>5}ms {row['95%']:>5}ms"
            )
    paid = Order.objects.filter(created_at__gte=started, paid_at__isnull=False)
    deadline = time.monotonic() + 300
    while paid.exclude(status=OrderStatus.COMPLETED).exists() and time.monotonic() < deadline:
        time.sleep(2)
    waiting = paid.exclude(status=OrderStatus.COMPLETED).count()
    print(f"paid orders: {paid.count()}, delivered: {paid.count() - waiting}, not yet: {waiting}")


if __name__ == "__main__":
    main()
