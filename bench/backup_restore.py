"""Backup and restore times and sizes on a seeded database (docs/runbooks/backup-and-restore.md).

    .venv/bin/python bench/backup_restore.py --esims 100000

Seeds its own database (hiroam_bench_backup) with the refund benchmark's data: completed orders
of 5 eSIMs each with their items, eSIM profiles (activation codes encrypted), half of them
signed-in customers with their points, and the sandbox's side of each order. Then runs the
operators' commands as processes, `manage.py backup_database` into a temporary folder and
`manage.py restore_database` into hiroam_bench_backup_restored, timing each, and drops the
restored database. The seeded database stays for another run (`--no-seed`); `dropdb` it after.
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from refund_job import seed
from support import ROOT, bench_environment, use_django

DATABASE = "hiroam_bench_backup"
RESTORED = f"{DATABASE}_restored"


def run(env: dict[str, str], *command: str) -> tuple[float, str]:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "manage.py", *command],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return time.perf_counter() - started, result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--esims", type=int, default=100_000)
    parser.add_argument("--no-seed", action="store_true", help="reuse the seeded database")
    options = parser.parse_args()
    env = bench_environment(
        0,
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
        REDIS_URL="redis://127.0.0.1:6379/13",
    )
    if not options.no_seed:
        for command in (["ensure_database"], ["migrate", "--no-input", "-v", "0"]):
            run(env, *command)
        use_django(env)
        seed(argparse.Namespace(esims=options.esims, per_order=5, signed_in=0.5))

    folder = Path(tempfile.mkdtemp(prefix="hiroam-backup-bench-"))
    try:
        backup_seconds, backup_output = run(env, "backup_database", "--dir", str(folder))
        (dump,) = folder.glob("*.dump")
        restore_seconds, restore_output = run(
            env, "restore_database", str(dump), "--database", RESTORED, "--replace"
        )
        size_mib = dump.stat().st_size / 2**20
        print(backup_output.strip(), restore_output.strip(), sep="\n")
        print(
            f"RESULT dump={size_mib:.1f} MiB backup={backup_seconds:.1f} s "
            f"restore={restore_seconds:.1f} s (wall, including Django's start-up)"
        )
    finally:
        shutil.rmtree(folder)
        subprocess.run(
            ["dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "postgres", RESTORED],  # noqa: S607
            check=False,
        )


if __name__ == "__main__":
    main()
