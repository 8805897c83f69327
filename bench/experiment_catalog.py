"""What one running price experiment over the whole catalogue costs the catalogue list:
GET /api/v1/packages?page_size=100 under 20 concurrent clients on gunicorn, every request from
another app visitor (X-Visitor-Id), with no experiment and with one (a control and a variant
10 % lower, weighted 1:1, over every package, or naming all of them with --coverage named),
alternating under one server, and the medians of the rounds compared (this shared machine's
speed drifts by 10-30 % over minutes: alternating keeps the drift out of the comparison).

    apt-get install wrk   # once
    .venv/bin/python bench/experiment_catalog.py [--seconds 10] [--rounds 5]
        [--coverage everything|named] [--modes warm,cold] [--connections 20]

Target (issue 14): with the experiment, under 10 % slower than without. Each request with the
experiment also counts its view (one Redis round trip); the flush task is not running, so the
views wait in Redis. Runs on its own database (hiroam_bench), syncing the sandbox catalogue.
"""

import argparse
import shutil
import statistics

from catalog_api_load import PATHS
from support import (
    WRK_DONE,
    bench_environment,
    free_port,
    prepare_database,
    rotating_paths_script,
    sync_sandbox_catalogue,
    web_server,
    wrk_numbers,
    wrk_summary,
)

# Every request from one of 100,000 visitors, in turn.
VISITOR_HEADER = """
request = function()
  counter = counter + 1
  local path = paths[(counter % #paths) + 1]
  if unique then
    local join = string.find(path, "?", 1, true) and "&" or "?"
    path = path .. join .. "max_price=" .. (CAP_FROM + id * 10000000 + counter)
  end
  local visitor = string.format("bench-visitor-%02d-%08d", id, counter % 100000)
  return wrk.format("GET", path, {["X-Visitor-Id"] = visitor})
end
"""


def visitors_script(unique: bool) -> str:
    """The catalogue benchmark's rotating pages, each request from another visitor."""
    base = rotating_paths_script(PATHS, unique=unique).replace(WRK_DONE, "")
    return base + VISITOR_HEADER.replace("CAP_FROM", "100000000") + WRK_DONE


def start_experiment(coverage: str) -> None:
    """One running experiment over the whole catalogue: by "every package", or by naming all of
    them (the dearer way for SQL: each query probes the named packages)."""
    from django.utils import timezone

    from catalog.models import EsimPackage
    from pricing.experiments.services import start_experiment as start
    from pricing.models import PriceExperiment, PriceVariant

    PriceExperiment.objects.all().delete()
    experiment = PriceExperiment.objects.create(
        name="Bench: 10 % lower everywhere", covers_everything=coverage == "everything"
    )
    if coverage == "named":
        experiment.packages.set(EsimPackage.objects.all())
    PriceVariant.objects.create(experiment=experiment, name="Control", is_control=True)
    PriceVariant.objects.create(
        experiment=experiment, name="10% lower", adjustment="percentage", value=-1_000
    )
    start(experiment_id=experiment.pk, now=timezone.now())


def stop_experiments() -> None:
    from catalog.cache import invalidate_catalog_cache
    from pricing.models import PriceExperiment

    PriceExperiment.objects.all().delete()
    invalidate_catalog_cache()


def _median(values: list[float]) -> float:
    return statistics.median(values)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10, help="per measurement")
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--modes", default="warm,cold", help="comma-separated")
    parser.add_argument("--rounds", type=int, default=5, help="alternations without/with")
    parser.add_argument("--coverage", choices=["everything", "named"], default="everything")
    options = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    port = free_port()
    env = bench_environment(port, THROTTLING_ENABLED="false")
    prepare_database(env)
    sync_sandbox_catalogue(env, port)
    from catalog.models import EsimPackage

    print(
        f"{EsimPackage.objects.count()} packages; {options.connections} clients; experiment "
        f"over {options.coverage}; {options.rounds} rounds of {options.seconds} s alternating"
    )
    setups = (("no experiment", stop_experiments), ("one experiment", None))
    results: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    port = free_port()
    env = bench_environment(port, THROTTLING_ENABLED="false")
    # One server throughout; the setups alternate under it (each change drops the cached
    # answers and the processes' copies of the live experiments, as an admin's would).
    with web_server(env, port, workers=options.workers) as base:
        for _ in range(options.rounds):
            for label, setup in setups:
                if setup is None:
                    start_experiment(options.coverage)
                else:
                    setup()
                wrk_summary(base, 2, options.connections, visitors_script(False))  # warm-up
                for mode in options.modes.split(","):
                    script = visitors_script(unique=mode == "cold")
                    measured = wrk_numbers(base, options.seconds, options.connections, script)
                    results.setdefault((label, mode), []).append(measured)
    for mode in options.modes.split(","):
        rows = {label: results[(label, mode)] for label, _ in setups}
        medians = {
            label: tuple(_median([row[i] for row in measured]) for i in range(3))
            for label, measured in rows.items()
        }
        none, one = medians["no experiment"], medians["one experiment"]
        for label, (rps, p50, p95) in medians.items():
            print(
                f"{mode:5} {label:15} median of {options.rounds}: {rps:7.1f} req/s  "
                f"p50 {p50:6.1f} ms  p95 {p95:6.1f} ms"
            )
        print(
            f"{mode:5} with the experiment: throughput {100 * (one[0] / none[0] - 1):+.1f} %, "
            f"p50 {100 * (one[1] / none[1] - 1):+.1f} %, p95 {100 * (one[2] / none[2] - 1):+.1f} %"
        )


if __name__ == "__main__":
    main()
