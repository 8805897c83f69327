"""Real processes for fault tests: Celery workers a test can kill, and a Redis it can stop."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings

from tests.worker import ROOT, _test_database_url


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


WORKER_COMMAND = [
    *(sys.executable, "-m", "celery", "-A", "hiroam", "worker", "--pool", "solo"),
    *("--loglevel", "INFO", "--without-heartbeat", "--without-gossip", "--without-mingle"),
]


class Workers:
    """Celery worker processes on the test database, started by the test, each killed at the
    end if the test did not kill it itself. Each logs (INFO) to a file of its own."""

    def __init__(self, environment: dict[str, str], log_dir: Path) -> None:
        self.environment = environment
        self.log_dir = log_dir
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "hiroam.test_settings",
            "REDIS_URL": settings.REDIS_URL,
            "DATABASE_URL": _test_database_url(),
            **self.environment,
        }
        with self._log_of(len(self.processes)).open("wb") as log:
            process = subprocess.Popen(
                WORKER_COMMAND, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        self.processes.append(process)
        return process

    def _log_of(self, index: int) -> Path:
        return self.log_dir / f"worker-{index}.log"

    def log(self, process: subprocess.Popen[bytes]) -> str:
        return self._log_of(self.processes.index(process)).read_text(errors="replace")

    def wait_for(self, condition, process, timeout_seconds: float = 30) -> bool:
        """Polls `condition`; fails at once, with its log, if the worker died."""
        deadline = time.monotonic() + timeout_seconds
        while time.monotonic() < deadline:
            if condition():
                return True
            assert process.poll() is None, self.log(process)
            time.sleep(0.1)
        return bool(condition())

    @staticmethod
    def kill(process: subprocess.Popen[bytes]) -> None:
        """SIGKILL: no warm shutdown, nothing handed back to the broker."""
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    self.kill(process)


class WebServer:
    """gunicorn serving the product on the test database: one worker process, one thread, so
    it keeps one database connection from request to request as production does."""

    def __init__(self, environment: dict[str, str]) -> None:
        self.port = free_port()
        self.environment = environment
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "hiroam.test_settings",
            "REDIS_URL": settings.REDIS_URL,
            "DATABASE_URL": _test_database_url(),
            **self.environment,
        }
        self.process = subprocess.Popen(
            [
                *(sys.executable, "-m", "gunicorn", "hiroam.wsgi:application"),
                *("--bind", f"127.0.0.1:{self.port}", "--workers", "1", "--threads", "1"),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "gunicorn exited"
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)


class RedisServer:
    """A redis-server of the test's own on a free port, with no persistence: stopping it loses
    everything in it, as a crashed Redis without AOF would."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed"
        self.process = subprocess.Popen(
            [
                *(binary, "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.directory)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        """Killed, not shut down politely: clients see their connections drop."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


def eventually(condition, timeout_seconds: float = 30) -> bool:
    """Polls `condition` until it holds or the time is up (no worker to watch meanwhile)."""
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return bool(condition())
