"""One run of the retention policy over N old rows of each kind it deletes or anonymises.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<a database of your own> \\
        .venv/bin/python bench/retention_run.py --rows 10000

Migrates the database named by DATABASE_URL, removes what an earlier run of this script left,
then bulk-creates, written three years ago: N processed webhook logs, N completed guest orders
(an item and a delivery email each), N expired unpaid orders (an item and a confirmation email
each) and N audit entries. Then it times a dry run and a run of
`retention.job.apply_retention_policy` with `now` moved three years on (DEBUG off), and checks
that a second run finds nothing. Results: docs/BENCHMARKS.md.
"""

import argparse
import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARK = "retention-bench"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000, help="rows of each kind")
    options = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        sys.exit("Set DATABASE_URL to a database of your own (it is migrated and written to).")
    env = {**os.environ, "HIROAM_READ_DOTENV": "false", "DEBUG": "false", "LOG_LEVEL": "WARNING"}
    env.setdefault("SECRET_KEY", "bench-secret-key-not-for-production-0123456789abcdef")
    env.setdefault("FIELD_ENCRYPTION_KEYS", "ZGV2LW9ubHktaW5zZWN1cmUtZmllbGQta2V5LTEyMzQ=")
    env.setdefault("ALLOWED_HOSTS", "localhost")
    env.setdefault("SANDBOX_ALLOW_WITHOUT_DEBUG", "true")  # the providers are not called
    os.environ.update(env)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hiroam.settings")
    import django

    django.setup()
    from django.utils import timezone

    from retention.job import apply_retention_policy
    from retention.policy import APPLIED_RULES

    seeded_at = timezone.now()
    _seed(options.rows, seeded_at)
    now = seeded_at + timedelta(days=3 * 365)
    started = time.perf_counter()
    dry = apply_retention_policy(now=now, trigger="command", dry_run=True)
    print(f"dry run: {time.perf_counter() - started:.1f} s; {_counts(dry)}")
    total = 0.0
    for rule in APPLIED_RULES:  # rule by rule, to see where the time goes
        started = time.perf_counter()
        run = apply_retention_policy(now=now, trigger="command", rules=(rule,))
        took = time.perf_counter() - started
        total += took
        print(f"  {rule.key}: {run.counts.get(rule.key)} in {took:.1f} s")
        if run.errors:
            sys.exit(f"Rules failed: {run.errors}")
    print(f"run: {total:.1f} s")
    again = apply_retention_policy(now=now, trigger="command")
    if set(again.counts.values()) != {0}:
        sys.exit(f"A second run found more: {again.counts}")
    print("second run: nothing more")


def _counts(run) -> str:
    return ", ".join(f"{key} {count}" for key, count in run.counts.items() if count)


def _seed(rows: int, written_at) -> None:
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction

    from accounts.models import AdminAuditEntry
    from catalog.models import EsimPackage
    from orders.models import EmailLog, Order, OrderItem, WebhookLog

    Order.objects.filter(order_number__startswith="BENCH-").delete()
    WebhookLog.objects.filter(event_id__startswith=MARK).delete()
    AdminAuditEntry.objects.filter(actor_email=f"{MARK}@example.com").delete()
    package = EsimPackage.objects.filter(package_code=MARK).first() or EsimPackage.objects.create(
        package_code=MARK,
        slug=MARK,
        name="Bench 1GB 7 days",
        volume_bytes=1024**3,
        duration=7,
        location_codes=["JP"],
        location_names={"JP": "Japan"},
        provider_price_units=10_000,
        base_price_cents=100,
        price_usd_cents=200,
        price_idr=32_000,
    )
    order_type = ContentType.objects.get_for_model(Order)
    with transaction.atomic():
        WebhookLog.objects.bulk_create(
            [
                WebhookLog(
                    source="paddle",
                    event_type="transaction.completed",
                    event_id=f"{MARK}-{n}",
                    payload={"data": {"customer_id": f"ctm_{n}", "totals": {"total": "999"}}},
                    processed=True,
                    created_at=written_at,
                )
                for n in range(rows)
            ],
            batch_size=2_000,
        )
        for kind in ("guest", "abandoned"):
            paid = kind == "guest"
            orders = [
                Order(
                    id=uuid.uuid4(),
                    order_number=f"BENCH-{kind}-{n}",
                    customer_email=f"{kind}{n}@example.com",
                    customer_name="Bench Guest",
                    subtotal_cents=999,
                    total_cents=999,
                    pricing_breakdown={},
                    priced_at=written_at,
                    status="completed" if paid else "expired",
                    payment_status="completed" if paid else "pending",
                    reservation="converted" if paid else "released",
                    paid_at=written_at if paid else None,
                    access_token_hash="0" * 64,
                    created_at=written_at,
                    expires_at=written_at,
                )
                for n in range(rows)
            ]
            Order.objects.bulk_create(orders, batch_size=2_000)
            OrderItem.objects.bulk_create(
                [
                    OrderItem(
                        order=order,
                        package=package,
                        package_code=MARK,
                        package_name="Bench",
                        quantity=1,
                        unit_price_cents=999,
                        final_unit_price_cents=999,
                        total_cents=999,
                    )
                    for order in orders
                ],
                batch_size=2_000,
            )
            EmailLog.objects.bulk_create(
                [
                    EmailLog(
                        order=order,
                        to_email=order.customer_email,
                        template_name="esim_delivery" if paid else "order_confirmation",
                        status="sent",
                        created_at=written_at,
                    )
                    for order in orders
                ],
                batch_size=2_000,
            )
        AdminAuditEntry.objects.bulk_create(
            [
                AdminAuditEntry(
                    actor_email=f"{MARK}@example.com",
                    action="change",
                    content_type=order_type,
                    object_id=str(n),
                    object_repr=f"BENCH-{n}",
                    created_at=written_at,
                )
                for n in range(rows)
            ],
            batch_size=2_000,
        )


if __name__ == "__main__":
    main()
