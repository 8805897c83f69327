"""Throughput and latency of GET /api/v1/packages?page_size=100 under 20 concurrent clients on
gunicorn: with the answers cached (warm), with every answer a cache miss (cold), and with the
cache switched off.

    apt-get install wrk   # once
    .venv/bin/python bench/catalog_api_load.py [--seconds 20] [--connections 20]
        [--schedules 1000] [--modes cold]

Runs on its own database (hiroam_bench), syncing the sandbox catalogue first. Targets
(issue 4): p95 under 50 ms warm and under 150 ms cold with 20 concurrent clients. With
`--schedules N`, N live price schedules are spread over the catalogue first (issue 5: with 1,000
the latency stays within 1.5x of the run without); `--schedules 0` removes them all.
"""

import argparse
import random
import shutil

from support import (
    bench_environment,
    free_port,
    prepare_database,
    rotating_paths_script,
    sync_sandbox_catalogue,
    web_server,
    wrk_summary,
)

# Pages a browsing crowd asks for: several pages, filters and sorts.
PATHS = [
    "/api/v1/packages?page_size=100",
    "/api/v1/packages?page_size=100&page=2",
    "/api/v1/packages?page_size=100&page=5",
    "/api/v1/packages?page_size=100&country=JP",
    "/api/v1/packages?page_size=100&region=europe&sort=price",
    "/api/v1/packages?page_size=100&currency=IDR&sort=-volume",
    "/api/v1/packages?page_size=100&q=Thailand",
    "/api/v1/packages?page_size=100&category=asia&page=3",
]


def run_wrk(base: str, seconds: int, connections: int, *, unique: bool = False) -> str:
    return wrk_summary(base, seconds, connections, rotating_paths_script(PATHS, unique=unique))


def spread_schedules(count: int) -> None:
    """`count` live schedules over random packages (some packages get several, at random
    priorities), replacing any from an earlier run."""
    from datetime import timedelta

    from django.utils import timezone

    from catalog.cache import invalidate_catalog_cache
    from catalog.models import EsimPackage
    from pricing.models import PriceSchedule

    PriceSchedule.objects.all().delete()
    now = timezone.now()
    chance = random.Random(5)
    package_ids = list(EsimPackage.objects.values_list("pk", flat=True))
    PriceSchedule.objects.bulk_create(
        PriceSchedule(
            package_id=chance.choice(package_ids),
            schedule_name=f"Bench sale {index}",
            discount_type="percentage",
            discount_value=chance.randrange(500, 5_000),
            starts_at=now - timedelta(hours=chance.randrange(1, 48)),
            ends_at=now + timedelta(days=chance.randrange(1, 30)),
            priority=chance.randrange(0, 3),
            badge_text="SALE",
        )
        for index in range(count)
    )
    invalidate_catalog_cache()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    parser.add_argument("--schedules", type=int, default=0, help="live price schedules")
    parser.add_argument("--modes", default="warm,cold,cache off", help="comma-separated")
    options = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    port = free_port()
    env = bench_environment(port, THROTTLING_ENABLED="false")
    prepare_database(env)
    sync_sandbox_catalogue(env, port)
    spread_schedules(options.schedules)
    modes: tuple[tuple[str, dict[str, str], bool], ...] = (
        ("warm", {}, False),  # the same eight pages again and again: answered from Redis
        ("cold", {}, True),  # every answer a miss (only the shared facets are cached)
        ("cache off", {"CATALOG_CACHE_SECONDS": "0"}, False),  # nothing cached at all
    )
    for label, extra, unique in modes:
        if label not in options.modes.split(","):
            continue
        port = free_port()
        env = bench_environment(port, THROTTLING_ENABLED="false", **extra)
        with web_server(env, port, workers=options.workers, threads=options.threads) as base:
            run_wrk(base, 3, options.connections)  # warm-up: imports, connections, first cache fill
            result = run_wrk(base, options.seconds, options.connections, unique=unique)
            print(f"{label:10} {options.connections} clients, {options.seconds} s: {result}")


if __name__ == "__main__":
    main()
