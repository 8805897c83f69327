"""How long the real eSIM Access client takes to fetch and type the whole sandbox catalogue.

    .venv/bin/python bench/esim_package_list.py [--runs 10]

Target (issue 3): under 2 s for ~2,600 packages on the development machine.
"""

import argparse
import statistics
import time

from support import bench_environment, free_port, prepare_database, use_django, web_server


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    runs = parser.parse_args().runs
    port = free_port()
    env = bench_environment(port)
    prepare_database(env)
    with web_server(env, port) as base:
        use_django(env)
        from django.conf import settings

        from hiroam.integrations.esim_access import EsimAccessClient

        client = EsimAccessClient(
            base_url=f"{base}/sandbox/esim-access",
            access_code=settings.ESIM_ACCESS_CODE,
            secret_key=settings.ESIM_SECRET_KEY,
        )
        client.list_packages()  # warm-up: the server generates and caches its catalogue
        timings, count = [], 0
        for _ in range(runs):
            started = time.perf_counter()
            count = len(client.list_packages())
            timings.append(time.perf_counter() - started)
    print(f"package/list through EsimAccessClient: {count} packages, {runs} runs")
    median = statistics.median(timings)
    print(f"  min {min(timings):.3f} s  median {median:.3f} s  max {max(timings):.3f} s")


if __name__ == "__main__":
    main()
