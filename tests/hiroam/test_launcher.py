"""bin/hiroam, the launcher of `make run` and the containers: it reads .env, starts gunicorn as
configured, and stops its own processes (and nothing else) on Ctrl-C or TERM."""

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

FAKE_PROGRAM = """#!/bin/sh
echo "$(basename "$0") $*" >> "$HIROAM_TEST_CALLS"
echo $$ >> "$HIROAM_TEST_PIDS"
[ -n "$HIROAM_TEST_LINGER" ] && exec sleep 600
exit 0
"""


@pytest.fixture
def checkout(tmp_path):
    """A copy of bin/hiroam in a checkout of its own, with gunicorn and celery faked."""
    (tmp_path / "bin").mkdir()
    shutil.copy(ROOT / "bin" / "hiroam", tmp_path / "bin" / "hiroam")
    fakes = tmp_path / "fakes"
    fakes.mkdir()
    for program in ("gunicorn", "celery"):
        (fakes / program).write_text(FAKE_PROGRAM)
        (fakes / program).chmod(0o755)
    return tmp_path


def _env(checkout, **extra):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PORT", "HOST", "WEB_CONCURRENCY", "CELERY_CONCURRENCY", "LOG_LEVEL"}
    }
    return {
        **env,
        "PATH": f"{checkout / 'fakes'}:{os.environ['PATH']}",
        "HIROAM_TEST_CALLS": str(checkout / "calls"),
        "HIROAM_TEST_PIDS": str(checkout / "pids"),
        **extra,
    }


def _calls(checkout):
    return (checkout / "calls").read_text().splitlines()


def test_the_web_process_takes_its_settings_from_dotenv(checkout):
    (checkout / ".env").write_text("PORT=9123\nHOST=0.0.0.0\nWEB_CONCURRENCY=5\n")

    subprocess.run([checkout / "bin" / "hiroam", "web"], env=_env(checkout), check=True)

    (call,) = _calls(checkout)
    assert "--bind 0.0.0.0:9123" in call
    assert "--workers 5" in call
    assert "rid=%({x-request-id}o)s" in call  # the access log carries the request id
    assert "%(U)s" in call
    assert "%(r)s" not in call  # and not the query string


def test_the_environment_wins_over_dotenv(checkout):
    (checkout / ".env").write_text("PORT=9123\nCELERY_CONCURRENCY=7\nLOG_LEVEL=DEBUG\n")

    env = _env(checkout, PORT="9555")
    subprocess.run([checkout / "bin" / "hiroam", "web"], env=env, check=True)
    subprocess.run([checkout / "bin" / "hiroam", "worker"], env=env, check=True)

    web, worker = _calls(checkout)
    assert "127.0.0.1:9555" in web
    assert "--concurrency 7" in worker
    assert "--loglevel DEBUG" in worker


def test_stopping_all_stops_its_processes_and_spares_the_caller(checkout):
    # The caller (make, in real life) shares the launcher's process group.
    caller = subprocess.run(
        [
            shutil.which("bash") or "/bin/bash",
            "-c",
            'bin/hiroam all & launcher=$!; sleep 1.5; kill -TERM "$launcher"; wait "$launcher";'
            ' echo "launcher exited $?"; echo "caller survived"',
        ],
        cwd=checkout,
        env=_env(checkout, HIROAM_TEST_LINGER="1"),
        capture_output=True,
        text=True,
        timeout=30,
        start_new_session=True,
        check=False,
    )

    assert "launcher exited 0" in caller.stdout
    assert "caller survived" in caller.stdout
    assert sorted(call.split()[0] for call in _calls(checkout)) == ["celery", "celery", "gunicorn"]
    pids = [int(pid) for pid in (checkout / "pids").read_text().split()]
    deadline = time.monotonic() + 5
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in pids)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
