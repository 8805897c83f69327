"""Taking a backup: pg_dump of the app's database, custom format, with a checksum beside it."""

import subprocess
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from hiroam.backups import archive
from hiroam.backups.postgres import (
    BackupError,
    Server,
    find_tool,
    server_major_version,
    tool_major_version,
)


@dataclass(frozen=True)
class Backup:
    path: Path
    size_bytes: int
    sha256: str
    seconds: float


def check_client_version(tool: str, server: Server) -> None:
    """An older pg_dump cannot read a newer server's catalog correctly (pg_dump itself refuses
    some, not all, such pairs): refuse before writing anything."""
    tool_major = tool_major_version(tool)
    with server.connect(server.app_database) as connection:
        server_major = server_major_version(connection)
    if tool_major < server_major:
        raise BackupError(
            f"{tool} is PostgreSQL {tool_major} but the server is {server_major}: install "
            f"postgresql-client-{server_major} or point POSTGRES_BIN_DIR at its bin folder."
        )


def create_backup(*, directory: Path, now: datetime) -> Backup:
    server = Server.from_settings()
    pg_dump = find_tool("pg_dump")
    check_client_version(pg_dump, server)
    directory.mkdir(parents=True, exist_ok=True)
    final = directory / archive.dump_name(server.app_database, now)
    partial = archive.partial_path(final)
    started = time.monotonic()
    try:
        result = subprocess.run(  # noqa: S603 - our own arguments, no shell
            [
                pg_dump,
                "--format=custom",
                "--no-password",  # never wait on a prompt in cron
                f"--file={partial}",
                f"--dbname={server.conninfo(server.app_database)}",
            ],
            env=server.tool_environment(),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise BackupError(
                f"pg_dump failed (exit {result.returncode}): {result.stderr.strip()[-2000:]}"
            )
        checksum = archive.publish(partial, final)
    finally:
        partial.unlink(missing_ok=True)
    seconds = time.monotonic() - started
    return Backup(path=final, size_bytes=final.stat().st_size, sha256=checksum, seconds=seconds)
