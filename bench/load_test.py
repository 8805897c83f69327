"""The whole shop under load: locust's travellers (bench/locustfile.py) browse, check codes,
check out, pay on the sandbox's Paddle page and read their orders, against the production
server (gunicorn, DEBUG off) with Celery workers fulfilling every paid order through the
sandbox's webhooks. Afterwards every paid order must be delivered.

    .venv/bin/python bench/load_test.py [--users 100] [--minutes 3] [--workers 4]

Runs on its own database (hiroam_bench) and Redis (db 13), with the sandbox catalogue; the
sandboxes answer from a second gunicorn (2 x 4), standing in for the providers' servers.
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
    parser.add_argument("--workers", type=int, default=4, help="the shop's gunicorn workers")
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker")
    parser.add_argument("--celery", type=int, default=2, help="Celery worker processes")
    options = parser.parse_args()
    # The providers are not our servers: the sandboxes answer from a server of their own (as
    # Paddle and eSIM Access would), so the shop's workers never wait on themselves.
    shop_port, providers_port = free_port(), free_port()
    providers = f"http://127.0.0.1:{providers_port}"
    common = {
        **PRODUCTION_LIKE,
        "THROTTLING_ENABLED": "false",
        "SANDBOX_ESIM_ALLOCATION_SECONDS": "2",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "ESIM_API_URL": f"{providers}/sandbox/esim-access",
        "PADDLE_API_URL": f"{providers}/sandbox/paddle",
    }
    env = bench_environment(shop_port, **common)
    # The providers' server names its own pages (Paddle's checkout); webhooks go to the shop.
    providers_env = bench_environment(
        providers_port,
        **common,
        SANDBOX_PADDLE_WEBHOOK_URL=f"http://127.0.0.1:{shop_port}/webhooks/paddle",
        SANDBOX_ESIM_WEBHOOK_URL=f"http://127.0.0.1:{shop_port}/webhooks/esim-access",
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
        # Idle connections are kept longer than a traveller pauses (1-3 s), so the server never
        # closes one just as the client sends on it (gunicorn's default is 2 s).
        keep_alive = ["--keep-alive", "30"]
        with (
            web_server(providers_env, providers_port, workers=2, threads=4, extra_args=keep_alive),
            web_server(
                env,
                shop_port,
                workers=options.workers,
                threads=options.threads,
                extra_args=keep_alive,
            ) as base,
        ):
            started = prepare_shop(env)
            run_locust(base, options)
            report(started)
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def prepare_shop(env: dict[str, str]):
    use_django(env)
    from django.conf import settings
    from django.utils import timezone

    from catalog.sync import sync_catalogue
    from hiroam.integrations.esim_access import esim_access_client
    from hiroam.sandbox.esim_access import account_for
    from hiroam.sandbox.models import EsimAccessAccount
    from pricing.models import DiscountCode

    now = timezone.now()
    # A run orders a thousand eSIMs or more: top the sandbox's prepaid balance up every time
    # (an empty balance flags every order for a human, as it should, and proves nothing here).
    account_for(settings.ESIM_ACCESS_CODE)  # created on first use
    EsimAccessAccount.objects.filter(access_code=settings.ESIM_ACCESS_CODE).update(
        balance_units=10**13
    )
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
    flagged = paid.filter(needs_review=True).count()
    print(
        f"paid orders: {paid.count()}, delivered: {paid.count() - waiting}, not yet: {waiting} "
        f"(flagged for a human: {flagged})"
    )


if __name__ == "__main__":
    main()
