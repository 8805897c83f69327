"""Package-price resolutions per second by the pure pricing engine.

    .venv/bin/python bench/pricing_engine.py [--packages 2600] [--schedules-per-package 3]

Each resolution: pick the winning live schedule among the package's schedules at a moment and
compute USD and IDR prices with its rule. Target (issue 5): 100,000 per second.
"""

import argparse
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pricing.engine import DiscountKind, Prices, Schedule, price_package

NOW = datetime(2026, 12, 24, 12, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--packages", type=int, default=2_600)
    parser.add_argument("--schedules-per-package", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--explain", action="store_true", help="also build every verdict")
    options = parser.parse_args()
    rng = random.Random(7)
    catalogue = []
    for index in range(options.packages):
        rules = [
            Schedule(
                id=f"{index}-{n}",
                name=f"Sale {n}",
                kind=rng.choice(list(DiscountKind)),
                value=rng.randint(100, 5_000),
                override_usd_cents=rng.randint(100, 5_000),
                starts_at=NOW - timedelta(days=rng.randint(-3, 10)),
                ends_at=NOW + timedelta(days=rng.randint(-3, 10)),
                created_at=NOW - timedelta(days=30),
                priority=rng.randint(0, 3),
            )
            for n in range(options.schedules_per_package)
        ]
        catalogue.append((Prices(rng.randint(300, 9_000), rng.randint(50_000, 1_500_000)), rules))
    started = time.perf_counter()
    for _ in range(options.rounds):
        for base, rules in catalogue:
            price = price_package(base=base, schedules=rules, moment=NOW, usd_to_idr_rate=16_000)
            if options.explain:
                _ = price.considered  # the explanation of every schedule, as Admin shows it
    elapsed = time.perf_counter() - started
    count = options.rounds * options.packages
    each = f"{options.schedules_per_package} schedules each" + (
        ", explained" if options.explain else ""
    )
    print(f"{count:,} resolutions ({each}) in {elapsed:.2f} s: {count / elapsed:,.0f} per second")


if __name__ == "__main__":
    main()
