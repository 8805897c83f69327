"""Restoring a backup into a database of the app's server, refusing anything that could lose data.

The dump is restored into a staging database first and renamed to the target only once
pg_restore succeeded, so a failed restore never leaves a half-filled database under the
target's name, and with `replace` the old database stays until the new one is complete.
"""

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

from hiroam.backups import archive
from hiroam.backups.postgres import (
    BackupError,
    Server,
    create_database,
    database_exists,
    drop_database,
    find_tool,
    rename_database,
    table_row_counts,
    user_relation_count,
)

MAINTENANCE_DATABASE = "postgres"  # where CREATE/DROP/RENAME DATABASE are issued from
MAX_IDENTIFIER_BYTES = 63


@dataclass(frozen=True)
class Restore:
    database: str
    sha256: str
    row_counts: dict[str, int]
    seconds: float

    @property
    def total_rows(self) -> int:
        return sum(self.row_counts.values())


def staging_name(target: str) -> str:
    suffix = "__restoring"
    return target.encode()[: MAX_IDENTIFIER_BYTES - len(suffix)].decode(errors="ignore") + suffix


def check_target(server: Server, target: str, *, replace: bool, into_app_database: bool) -> bool:
    """Refuses a target we must not write to; answers whether it exists."""
    if target == server.app_database and not into_app_database:
        raise BackupError(
            f"{target!r} is the app's own database (DATABASE_URL). Restore into another database "
            "(--database NAME), or pass --into-app-database to replace it on purpose."
        )
    with server.connect(MAINTENANCE_DATABASE) as connection:
        exists = database_exists(connection, target)
        sessions = connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [target]
        ).fetchone()
    if not exists:
        return False
    with server.connect(target) as connection:
        relations = user_relation_count(connection)
    if relations and not replace:
        raise BackupError(
            f"Database {target!r} is not empty ({relations} tables, views or sequences). "
            "Pass --replace to replace it (it is kept until the restore has succeeded)."
        )
    if sessions and sessions[0]:
        raise BackupError(
            f"{sessions[0]} session(s) are connected to {target!r}: stop the web, worker and "
            "beat processes (and any psql) first."
        )
    return True


def run_pg_restore(server: Server, dump: Path, database: str) -> None:
    pg_restore = find_tool("pg_restore")
    result = subprocess.run(  # noqa: S603 - our own arguments, no shell
        [
            pg_restore,
            # Objects belong to the restoring user, and grants to roles this server may not
            # have are left out: the app's user owns everything it needs.
            "--no-owner",
            "--no-acl",
            "--exit-on-error",
            "--single-transaction",
            "--no-password",
            f"--dbname={server.conninfo(database)}",
            str(dump),
        ],
        env=server.tool_environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(
            f"pg_restore failed (exit {result.returncode}); {database!r} was not changed: "
            f"{result.stderr.strip()[-2000:]}"
        )


def restore_backup(
    *, dump: Path, database: str | None, replace: bool, into_app_database: bool
) -> Restore:
    checksum = archive.verify(dump)  # before touching any database
    server = Server.from_settings()
    target = database or server.app_database
    target_exists = check_target(
        server, target, replace=replace, into_app_database=into_app_database
    )
    find_tool("pg_restore")  # missing tools are reported before anything is created
    staging = staging_name(target)
    started = time.monotonic()
    with server.connect(MAINTENANCE_DATABASE) as connection:
        drop_database(connection, staging)  # a leftover of an interrupted restore
        create_database(connection, staging)
    try:
        run_pg_restore(server, dump, staging)
        with server.connect(staging) as connection:
            connection.execute("ANALYZE")  # pg_restore leaves the planner without statistics
    except BaseException:
        with server.connect(MAINTENANCE_DATABASE) as connection:
            drop_database(connection, staging)
        raise
    try:
        with server.connect(MAINTENANCE_DATABASE) as connection:
            if target_exists:
                drop_database(connection, target)
            rename_database(connection, staging, target)
    except psycopg.Error as error:
        raise BackupError(
            f"The restore succeeded into {staging!r} but could not take the name {target!r} "
            f"({error}). Stop whatever is connected to {target!r}, then drop it and rename "
            f"{staging!r} (ALTER DATABASE ... RENAME TO ...), or run the restore again."
        ) from error
    with server.connect(target) as connection:
        counts = table_row_counts(connection)
    return Restore(
        database=target, sha256=checksum, row_counts=counts, seconds=time.monotonic() - started
    )
