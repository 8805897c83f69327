"""What one running price experiment over the whole catalogue costs the catalogue list:
GET /api/v1/packages?page_size=100 under 20 concurrent clients on gunicorn, every request from
another app visitor (X-Visitor-Id), with no experiment and then with one (a control and a
variant 10 % lower, weighted 1:1, covering every package).

    apt-get install wrk   # once
    .venv/bin/python bench/experiment_catalog.py [--seconds 20] [--connections 20]
        [--modes warm,cold] [--rounds 2]

Target (issue 14): with the experiment, under 10 % slower than without. Each request with the
experiment also counts its view (one Redis round trip); the flush task is not running, so the
views wait in Redis. Runs on its own database (hiroam_bench), syncing the sandbox catalogue.
"""

import argparse
import shutil

from catalog_api_load import PATHS
from support import (
    WRK_DONE,
    bench_environment,
    free_port,
    prepare_database,
    rotating_paths_script,
    sync_sandbox_catalogue,
    web_server,
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


def start_experiment_over_everything() -> None:
    from django.utils import timezone

    from catalog.models import EsimPackage
    from pricing.experiments.services import start_experiment
    from pricing.models import PriceExperiment, PriceVariant

    PriceExperiment.objects.all().delete()
    experiment = PriceExperiment.objects.create(name="Bench: 10 % lower everywhere")
    experiment.packages.set(EsimPackage.objects.all())
    PriceVariant.objects.create(experiment=experiment, name="Control", is_control=True)
    PriceVariant.objects.create(
        experiment=experiment, name="10% lower", adjustment="percentage", value=-1_000
    )
    start_experiment(experiment_id=experiment.pk, now=timezone.now())


def stop_experiments() -> None:
    from catalog.cache import invalidate_catalog_cache
    from pricing.models import PriceExperiment

    PriceExperiment.objects.all().delete()
    invalidate_catalog_cache()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--modes", default="warm,cold", help="comma-separated")
    parser.add_argument("--rounds", type=int, default=2, help="alternate without/with this often")
    options = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    port = free_port()
    env = bench_environment(port, THROTTLING_ENABLED="false")
    prepare_database(env)
    sync_sandbox_catalogue(env, port)
    from catalog.models import EsimPackage

    print(f"{EsimPackage.objects.count()} packages; {options.connections} clients")
    setups = (
        ("no experiment", stop_experiments),
        ("one experiment", start_experiment_over_everything),
    )
    for round_number in range(1, options.rounds + 1):
        for label, setup in setups:
            setup()
            port = free_port()
            env = bench_environment(port, THROTTLING_ENABLED="false")
            with web_server(env, port, workers=options.workers) as base:
                wrk_summary(base, 3, options.connections, visitors_script(False))  # warm-up
                for mode in options.modes.split(","):
                    script = visitors_script(unique=mode == "cold")
                    result = wrk_summary(base, options.seconds, options.connections, script)
                    print(
                        f"round {round_number}  {label:15} {mode:5} {options.seconds} s: {result}"
                    )


if __name__ == "__main__":
    main()
