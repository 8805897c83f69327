"""Can experiment views be counted at 2,000 a second without falling behind? Views are recorded
as the web does (pricing.experiments.views.record: one Redis round trip each) at a steady rate,
every one a new visitor (the worst case: none is de-duplicated away), while the flush runs as
Celery beat runs it (every 15 s) and stores them in the database.

    .venv/bin/python bench/experiment_views.py [--rate 2000] [--seconds 60] [--every 15]

Target (issue 14): 2,000 views/s recorded, and each flush done well before the next is due
(the queue empties every time instead of growing). Runs on its own database (hiroam_bench).
"""

import argparse
import multiprocessing
import time

from support import bench_environment, free_port, prepare_database, use_django


def produce(
    env: dict[str, str],
    rate: int,
    seconds: int,
    shown: list[tuple[str, str]],
    results: "multiprocessing.Queue[tuple[int, float, float, float]]",
) -> None:
    """In a process of its own, as the web processes are: `rate` views a second, each by a
    new visitor. Sends back how many it recorded and record()'s p50, p95 and p99 (small: a
    process cannot end while what it put in the queue waits in the pipe)."""
    use_django(env)
    from django.utils import timezone

    from pricing.experiments.views import record, send_pending

    latencies = []
    started = time.perf_counter()
    for n in range(rate * seconds):
        due = started + n / rate
        if (wait := due - time.perf_counter()) > 0:
            time.sleep(wait)
        before = time.perf_counter()
        record(f"g:bench-visitor-{n:012d}", shown, timezone.now())
        latencies.append(time.perf_counter() - before)
    send_pending()  # a multiprocessing child ends without exit handlers
    latencies.sort()
    p50, p95, p99 = (latencies[int(len(latencies) * q) - 1] for q in (0.5, 0.95, 0.99))
    results.put((len(latencies), p50, p95, p99))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=int, default=2_000, help="views recorded per second")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--every", type=float, default=15.0, help="seconds between flushes")
    options = parser.parse_args()
    env = bench_environment(free_port())
    prepare_database(env)
    use_django(env)
    from django.utils import timezone

    from pricing.experiments.views import flush_views, queued_views
    from pricing.models import ExperimentVariantDay, PriceExperiment, PriceVariant

    PriceExperiment.objects.all().delete()
    experiment = PriceExperiment.objects.create(name="Bench: views", status="running")
    variant = PriceVariant.objects.create(experiment=experiment, name="Control", is_control=True)
    shown = [(str(experiment.pk), str(variant.pk))]

    results: multiprocessing.Queue[tuple[int, float, float, float]] = multiprocessing.Queue()
    producer = multiprocessing.get_context("fork").Process(
        target=produce, args=(env, options.rate, options.seconds, shown, results)
    )
    started = time.perf_counter()
    producer.start()
    flushes: list[tuple[int, float, int]] = []  # entries stored, seconds, queued at the start
    next_flush = started + options.every
    while producer.is_alive():
        time.sleep(max(0.0, next_flush - time.perf_counter()))
        next_flush += options.every
        waiting = queued_views()
        before = time.perf_counter()
        flushed = flush_views(now=timezone.now())
        flushes.append((flushed, time.perf_counter() - before, waiting))
    recorded, p50, p95, p99 = results.get()
    producer.join()
    elapsed = time.perf_counter() - started
    before = time.perf_counter()
    flushes.append((flush_views(now=timezone.now()), time.perf_counter() - before, 0))

    stored = sum(row.views for row in ExperimentVariantDay.objects.filter(variant=variant))
    print(
        f"recorded {recorded:,} views in {elapsed:.1f} s: {recorded / elapsed:,.0f} views/s "
        f"(asked {options.rate:,}/s)"
    )
    print(f"  record(): p50 {p50 * 1000:.2f} ms  p95 {p95 * 1000:.2f} ms  p99 {p99 * 1000:.2f} ms")
    print(f"  flushes every {options.every:g} s (queued at the start: stored in seconds):")
    for entries, seconds, waiting in flushes:
        rate = f"{entries / seconds:,.0f} views/s" if entries else "-"
        print(f"    {waiting:>9,} queued: {entries:>9,} stored in {seconds:6.2f} s ({rate})")
    print(f"  queue after the last flush: {queued_views():,}; views stored: {stored:,}")


if __name__ == "__main__":
    main()
