"""The catalogue sync of the whole sandbox catalogue: from empty, then again with no change.

    .venv/bin/python bench/catalog_sync.py [--runs 3]

Runs on its own database (hiroam_bench). Targets (issue 4): full sync under 10 s, a re-sync
without changes under 3 s, for ~2,600 packages.
"""

import argparse

from support import bench_environment, free_port, prepare_database, use_django, web_server


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    port = free_port()
    env = bench_environment(port)
    prepare_database(env)
    with web_server(env, port):
        use_django(env)
        from django.utils import timezone

        from catalog.models import EsimPackage
        from catalog.sync import sync_catalogue
        from hiroam.integrations.esim_access import esim_access_client

        client = esim_access_client()
        for _ in range(runs):
            EsimPackage.objects.all().delete()
            full = sync_catalogue(fetch=client.list_packages, now=timezone.now(), trigger="bench")
            quiet = sync_catalogue(fetch=client.list_packages, now=timezone.now(), trigger="bench")
            print(
                f"full sync: {full.created} created in {full.duration_ms} ms; "
                f"no-change re-sync: {quiet.unchanged} unchanged, {quiet.updated} updated "
                f"in {quiet.duration_ms} ms"
            )


if __name__ == "__main__":
    main()
