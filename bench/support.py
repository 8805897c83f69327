"""Shared by the benchmarks: a production-like server (gunicorn) on its own database."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
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


# Production settings on the sandbox: DEBUG off (no query log, compressed static files), as
# a deployment serves; only the sandbox and plain HTTP are allowed in.
PRODUCTION_LIKE = {
    "DEBUG": "false",
    "SECRET_KEY": "bench-secret-key-not-for-production-0123456789abcdef",
    "FIELD_ENCRYPTION_KEYS": "ZGV2LW9ubHktaW5zZWN1cmUtZmllbGQta2V5LTEyMzQ=",
    "SANDBOX_ALLOW_WITHOUT_DEBUG": "true",
    "SECURE_SSL_REDIRECT": "false",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
}


def prepare_database(env: dict[str, str]) -> None:
    """Migrates the bench database and empties the bench Redis (a fresh cache)."""
    redis.Redis.from_url(env["REDIS_URL"]).flushdb()
    for command in (["ensure_database"], ["migrate", "--no-input", "-v", "0"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True)


@contextmanager
def web_server(
    env: dict[str, str],
    port: int,
    workers: int = 4,
    threads: int = 1,
    extra_args: Sequence[str] = (),
) -> Iterator[str]:
    server = subprocess.Popen(
        [
            *(str(BIN / "gunicorn"), "hiroam.wsgi:application", "--bind", f"127.0.0.1:{port}"),
            *("--workers", str(workers), "--threads", str(threads), "--log-level", "warning"),
            *extra_args,
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
            except requests.RequestException:  # not listening, or not answering yet
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


def sync_sandbox_catalogue(env: dict[str, str], port: int) -> None:
    """Starts a server (the eSIM Access sandbox lives in it), configures this process like it
    and syncs the sandbox's whole catalogue into the bench database."""
    with web_server(env, port):
        use_django(env)
        from django.utils import timezone

        from catalog.sync import sync_catalogue
        from hiroam.integrations.esim_access import esim_access_client

        sync_catalogue(
            fetch=esim_access_client().list_packages, now=timezone.now(), trigger="bench"
        )


def use_django(env: dict[str, str]) -> None:
    """Configure this process like the server, to call services directly."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# wrk's summary line, parsed by wrk_summary (latencies in ms).
WRK_DONE = """
done = function(summary, latency, requests)
  io.write(string.format(
    "RESULT requests=%d errors=%d seconds=%.1f p50_ms=%.1f p95_ms=%.1f p99_ms=%.1f\\n",
    summary.requests, summary.errors.status + summary.errors.connect + summary.errors.timeout,
    summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000))
end
"""


def rotating_paths_script(
    paths: Sequence[str], *, unique: bool, idr_every: int = 0, cap_from: int = 100_000_000
) -> str:
    """A wrk script asking `paths` in turn. `unique`: each request adds a price cap above every
    price (`cap_from` and up), different each time, so every answer is a cache miss.
    `idr_every`: every n-th request carries the shop's currency cookie for IDR."""
    return (
        """
paths = {PATHS}
counter = 0
unique = UNIQUE
idr_every = IDR_EVERY
threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("id", threads)
end
request = function()
  counter = counter + 1
  local path = paths[(counter % #paths) + 1]
  local headers = {}
  if idr_every > 0 and counter % idr_every == 0 then headers["Cookie"] = "currency=IDR" end
  if unique then
    local join = string.find(path, "?", 1, true) and "&" or "?"
    path = path .. join .. "max_price=" .. (CAP_FROM + id * 10000000 + counter)
  end
  return wrk.format("GET", path, headers)
end
""".replace("PATHS", ", ".join(f'"{path}"' for path in paths), 1)
        .replace("UNIQUE", "true" if unique else "false")
        .replace("IDR_EVERY", str(idr_every))
        .replace("CAP_FROM", str(cap_from))
        + WRK_DONE
    )


def wrk_summary(base: str, seconds: int, connections: int, script: str, threads: int = 2) -> str:
    """Runs wrk with a Lua `script` (ending in WRK_DONE) and answers one readable line."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(script)
    try:
        output = subprocess.run(
            [
                shutil.which("wrk") or "wrk",
                *("-t", str(threads), "-c", str(connections), "-d", f"{seconds}s"),
                *("-s", file.name, base),
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        Path(file.name).unlink()
    result = next(line for line in output.splitlines() if line.startswith("RESULT"))
    fields = dict(part.split("=") for part in result.split()[1:])
    rps = int(fields["requests"]) / float(fields["seconds"])
    latency = f"p50 {fields['p50_ms']} ms  p95 {fields['p95_ms']} ms  p99 {fields['p99_ms']} ms"
    return f"{rps:7.1f} req/s  {latency}  errors {fields['errors']}"


def wrk_numbers(
    base: str, seconds: int, connections: int, script: str
) -> tuple[float, float, float]:
    """wrk_summary's throughput (req/s), p50 and p95 (ms), as numbers."""
    words = wrk_summary(base, seconds, connections, script).split()
    return (
        float(words[0]),
        float(words[words.index("p50") + 1]),
        float(words[words.index("p95") + 1]),
    )
