"""The shop's destination list page under load: p50 and p95 at 20 concurrent clients, served by
gunicorn with production settings (DEBUG off, collected static files), on the sandbox catalogue
(~2,600 packages) with 1,000 live price schedules; and the page's weight (HTML + CSS, before
compression).

    apt-get install wrk   # once
    .venv/bin/python bench/storefront_list.py [--seconds 20] [--connections 20]
        [--schedules 1000] [--modes warm,cold]

Targets (issue 11): p95 under 100 ms; HTML + CSS under 60 KB. "warm" asks a handful of
destination pages again and again (their package pages cached, as in a busy hour); "cold" makes
every request a different filter, so each one is a cache miss (the worst case).
"""

import argparse
import shutil
import subprocess
import sys

import requests
from catalog_api_load import spread_schedules
from support import (
    PRODUCTION_LIKE,
    ROOT,
    bench_environment,
    free_port,
    prepare_database,
    rotating_paths_script,
    sync_sandbox_catalogue,
    web_server,
    wrk_summary,
)

# Destination pages travellers open, some filtered or sorted, in both currencies.
PATHS = [
    "/destinations/jp",
    "/destinations/th?sort=price",
    "/destinations/us?gb=5",
    "/destinations/id",
    "/destinations/fr?days=15",
    "/regions/europe?sort=-volume",
    "/destinations/sg",
    "/destinations/kr?page=2",
]


def page_weight(base: str) -> str:
    """The biggest page of the list (a full page of cards) and its stylesheet, as sent."""
    html = requests.get(f"{base}/packages", timeout=30, headers={"Accept-Encoding": "identity"})
    css_path = html.text.split('rel="stylesheet" href="', 1)[1].split('"', 1)[0]
    css = requests.get(f"{base}{css_path}", timeout=30, headers={"Accept-Encoding": "identity"})
    cards = html.text.count('class="card"')
    total = len(html.content) + len(css.content)
    return (
        f"/packages ({cards} cards): HTML {len(html.content) / 1024:.1f} KB + CSS "
        f"{len(css.content) / 1024:.1f} KB = {total / 1024:.1f} KB before compression"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--schedules", type=int, default=1_000, help="live price schedules")
    parser.add_argument("--modes", default="warm,cold", help="comma-separated")
    options = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    port = free_port()
    env = bench_environment(port, THROTTLING_ENABLED="false", **PRODUCTION_LIKE)
    prepare_database(env)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    sync_sandbox_catalogue(env, port)
    from catalog.models import EsimPackage

    spread_schedules(options.schedules)
    print(f"{EsimPackage.objects.count()} packages, {options.schedules} live schedules")
    port = free_port()
    env = bench_environment(port, THROTTLING_ENABLED="false", **PRODUCTION_LIKE)
    with web_server(env, port, workers=options.workers) as base:
        print(page_weight(base))
        for label, unique in (("warm", False), ("cold", True)):
            if label not in options.modes.split(","):
                continue
            # The shop's cap is in whole dollars or rupiah, at most 100,000,000 (the form's limit).
            script = rotating_paths_script(PATHS, unique=unique, idr_every=3, cap_from=50_000_000)
            wrk_summary(base, 3, options.connections, script)  # warm-up
            result = wrk_summary(base, options.seconds, options.connections, script)
            print(f"{label:5} {options.connections} clients, {options.seconds} s: {result}")


if __name__ == "__main__":
    main()
