"""From the payment webhook to the eSIM delivery email, and storing a 30-eSIM order's profiles.

    .venv/bin/python bench/fulfilment_latency.py [--orders 20]

Runs on its own database (hiroam_bench) with the sandbox eSIM Access allocating at once
(SANDBOX_ESIM_ALLOCATION_SECONDS=0), gunicorn serving the shop and the sandbox, and ONE Celery
worker process (concurrency 1). For each order: a checkout over HTTP, then Paddle's signed
`transaction.completed`; the clock runs from that webhook until the delivery email is logged
as sent (the worker: payment, provider order, allocation, ORDER_STATUS, profiles, email).

Targets (issue 7): p95 under 2 s with one worker; profile creation for an order of 30 units.
"""

import argparse
import json
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime

import requests
from support import ROOT, bench_environment, free_port, prepare_database, use_django, web_server


def signed_completion(transaction: dict, secret: str) -> tuple[bytes, str]:
    from hiroam.integrations.paddle.signature import signature_header

    body = json.dumps(
        {
            "event_id": f"evt_{uuid.uuid4().hex[:26]}",
            "event_type": "transaction.completed",
            "occurred_at": datetime.now(UTC).isoformat(),
            "data": transaction,
        }
    ).encode()
    return body, signature_header(secret=secret, body=body, timestamp=int(time.time()))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=20)
    options = parser.parse_args()
    port = free_port()
    secret = "pdl_ntf_bench_secret"  # noqa: S105 (the bench server only)
    env = bench_environment(
        port,
        SANDBOX_ESIM_ALLOCATION_SECONDS="0",
        THROTTLING_ENABLED="false",
        PADDLE_WEBHOOK_SECRET=secret,
        LOG_LEVEL="WARNING",
    )
    prepare_database(env)
    use_django(env)
    from catalog.models import EsimPackage
    from hiroam.sandbox.catalogue import catalogue
    from hiroam.sandbox.esim_access import account_for
    from hiroam.sandbox.models import PaddleTransaction
    from orders.models import EmailLog, Order
    from tests.catalog.factories import PackageFactory

    account_for(env.get("ESIM_ACCESS_CODE", "sandbox-access-code"))
    provider = next(raw for raw in catalogue() if raw["_type"] == "BASE")
    package = EsimPackage.objects.filter(package_code=provider["packageCode"]).first()
    if package is None:  # the catalogue was not synced on this database yet
        package = PackageFactory.create(
            package_code=provider["packageCode"], provider_price_units=provider["price"], slug=None
        )
    EsimPackage.objects.filter(pk=package.pk).update(
        max_per_order=30, is_active=True, is_available=True, stock_type="unlimited"
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "hiroam", "worker", "--concurrency", "1"],
        cwd=ROOT,
        env={**env, "LOG_LEVEL": "WARNING"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    latencies = []
    try:
        with web_server(env, port) as base:
            time.sleep(3)  # the worker connects
            for quantity in [1] * options.orders + [30]:
                checkout = requests.post(
                    f"{base}/api/v1/checkout",
                    json={
                        "items": [{"packageId": str(package.pk), "quantity": quantity}],
                        "email": f"bench-{uuid.uuid4().hex[:8]}@example.com",
                    },
                    timeout=30,
                ).json()["data"]
                order = Order.objects.get(pk=checkout["order_id"])
                transaction = PaddleTransaction.objects.get(pk=order.paddle_transaction_id).data
                transaction["status"] = "completed"
                body, signature = signed_completion(transaction, secret)
                started = time.perf_counter()
                requests.post(
                    f"{base}/webhooks/paddle",
                    data=body,
                    headers={"Content-Type": "application/json", "Paddle-Signature": signature},
                    timeout=10,
                )
                deadline = started + 60
                delivered = EmailLog.objects.filter(
                    order=order, template_name="esim_delivery", status="sent"
                )
                while not delivered.exists() and time.perf_counter() < deadline:
                    time.sleep(0.02)
                elapsed = time.perf_counter() - started
                if quantity == 1:
                    latencies.append(elapsed)
                else:
                    print(f"30 eSIMs: delivered in {elapsed:.2f} s ({30 / elapsed:.1f} eSIMs/s)")
    finally:
        worker.terminate()
        worker.wait(timeout=20)
    latencies.sort()
    p95 = latencies[max(0, round(0.95 * len(latencies)) - 1)]
    print(
        f"payment webhook -> delivery email, {len(latencies)} orders, one worker: "
        f"median {statistics.median(latencies):.2f} s, p95 {p95:.2f} s, max {latencies[-1]:.2f} s"
    )


if __name__ == "__main__":
    main()
