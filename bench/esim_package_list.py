"""How long the real eSIM Access client takes to fetch and type the whole sandbox catalogue.

Migrates the development database, starts the web server (gunicorn, as in production) on a
free port with the sandbox enabled,
then calls `package/list` through EsimAccessClient several times and prints the timings.

    .venv/bin/python bench/esim_package_list.py [--runs 10]

Target (issue 3): under 2 s for ~2,600 packages on the development machine.
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    runs = parser.parse_args().runs

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DEBUG": "true",
        "APP_URL": base,
        "HIROAM_READ_DOTENV": "false",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hiroam.settings")
    python = sys.executable
    subprocess.run(
        [python, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    server = subprocess.Popen(
        [
            *(str(Path(sys.executable).parent / "gunicorn"), "hiroam.wsgi:application"),
            *("--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4"),
            *("--log-level", "warning"),
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{base}/health", timeout=1).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.2)
        import django

        django.setup()
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
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
