"""Shared by the benchmarks: a production-like server (gunicorn) on its own database."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis
import requests

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def bench_environment(port: int, **extra: str) -> dict[str, str]:
    """DEBUG on (so the sandbox runs), a dedicated database, quiet logs."""
    base = f"http://127.0.0.1:{port}"
    return {
        **os.environ,
        "DEBUG": "true",
        "APP_URL": base,
        "HIROAM_READ_DOTENV": "false",
        "LOG_LEVEL": "WARNING",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/hiroam_bench",
        "REDIS_URL": "redis://127.0.0.1:6379/13",
        "DJANGO_SETTINGS_MODULE": "hiroam.settings",
        **extra,
    }


def prepare_database(env: dict[str, str]) -> None:
    """Migrates the bench database and empties the bench Redis (a fresh cache)."""
    redis.Redis.from_url(env["REDIS_URL"]).flushdb()
    for command in (["ensure_database"], ["migrate", "--no-input", "-v", "0"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True)


@contextmanager
def web_server(env: dict[str, str], port: int, workers: int = 4, threads: int = 1) -> Iterator[str]:
    server = subprocess.Popen(
        [
            *(str(BIN / "gunicorn"), "hiroam.wsgi:application", "--bind", f"127.0.0.1:{port}"),
            *("--workers", str(workers), "--threads", str(threads), "--log-level", "warning"),
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{base}/health", timeout=1).status_code < 500:
                    break
            except requests.ConnectionError:
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


def use_django(env: dict[str, str]) -> None:
    """Configure this process like the server, to call services directly."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
