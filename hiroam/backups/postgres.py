"""The PostgreSQL side of backups: the client tools, the server's version and catalog queries.

Connections reuse the credentials of DATABASES["default"] and differ only in the database name,
so a restore always lands on the server the app is configured for.
"""

import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from django.conf import settings
from psycopg import sql
from psycopg.conninfo import make_conninfo

# libpq connection keywords that Django's OPTIONS may carry; others (pool, isolation level...)
# are Django's own and mean nothing to pg_dump.
LIBPQ_OPTIONS = {
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "sslcrl",
    "connect_timeout",
    "application_name",
    "options",
    "target_session_attrs",
    "gssencmode",
    "channel_binding",
}


class BackupError(Exception):
    """A backup or restore refused or failed; the message says why and what to do."""


@dataclass(frozen=True)
class Server:
    """How to reach the app's PostgreSQL server; `database` names one database on it."""

    params: Mapping[str, str]
    password: str

    @classmethod
    def from_settings(cls) -> "Server":
        database: Mapping[str, Any] = settings.DATABASES["default"]
        params = {
            "dbname": database.get("NAME"),
            "user": database.get("USER"),
            "host": database.get("HOST"),
            "port": database.get("PORT"),
        }
        options = database.get("OPTIONS", {})
        params.update({key: value for key, value in options.items() if key in LIBPQ_OPTIONS})
        return cls(
            params={key: str(value) for key, value in params.items() if value not in (None, "")},
            password=str(database.get("PASSWORD") or ""),
        )

    @property
    def app_database(self) -> str:
        return self.params["dbname"]

    def conninfo(self, database: str) -> str:
        """Without the password: this string goes on command lines, which `ps` shows."""
        return make_conninfo(**{**self.params, "dbname": database})

    def tool_environment(self) -> dict[str, str]:
        """The environment for pg_dump/pg_restore: the password travels here, not in argv."""
        environment = dict(os.environ)
        if self.password:
            environment["PGPASSWORD"] = self.password
        return environment

    def connect(self, database: str) -> psycopg.Connection[Any]:
        return psycopg.connect(
            self.conninfo(database), password=self.password or None, autocommit=True
        )


def find_tool(name: str) -> str:
    """The path of a PostgreSQL client program, from POSTGRES_BIN_DIR or else PATH."""
    if settings.POSTGRES_BIN_DIR:
        candidate = Path(settings.POSTGRES_BIN_DIR) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
        raise BackupError(f"{name} not found in POSTGRES_BIN_DIR ({settings.POSTGRES_BIN_DIR}).")
    found = shutil.which(name)
    if not found:
        raise BackupError(
            f"{name} not found on PATH: install the PostgreSQL client of the server's major "
            "version (Debian: postgresql-client-NN) or set POSTGRES_BIN_DIR."
        )
    return found


def tool_major_version(tool: str) -> int:
    """The major version a client program reports (`pg_dump (PostgreSQL) 17.2` -> 17)."""
    try:
        output = subprocess.run(  # noqa: S603 - a fixed program and argument
            [tool, "--version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError) as error:
        raise BackupError(f"Could not run {tool} --version: {error}") from error
    match = re.search(r"\)\s+(\d+)", output)
    if not match:
        raise BackupError(f"Could not read a version from {tool} --version: {output.strip()!r}")
    return int(match.group(1))


def server_major_version(connection: psycopg.Connection[Any]) -> int:
    row = connection.execute("SHOW server_version_num").fetchone()
    assert row is not None  # noqa: S101 - SHOW always answers one row
    return int(row[0]) // 10000


def database_exists(connection: psycopg.Connection[Any], name: str) -> bool:
    row = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    return row is not None


def create_database(connection: psycopg.Connection[Any], name: str) -> None:
    connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(connection: psycopg.Connection[Any], name: str) -> None:
    """Without FORCE: if the app is still connected this fails, which is the point."""
    connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def user_relation_count(connection: psycopg.Connection[Any]) -> int:
    """Tables, views and sequences outside the system schemas: 0 means an empty database."""
    row = connection.execute(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')"
        " AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
        " AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'"
    ).fetchone()
    assert row is not None  # noqa: S101 - count(*) always answers one row
    return int(row[0])


def table_row_counts(connection: psycopg.Connection[Any]) -> dict[str, int]:
    """Exact row counts of every table outside the system schemas (`schema.table`)."""
    tables = connection.execute(
        "SELECT schemaname, tablename FROM pg_tables"
        " WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
        " ORDER BY schemaname, tablename"
    ).fetchall()
    counts = {}
    for schema, table in tables:
        query = sql.SQL("SELECT count(*) FROM {}.{}").format(
            sql.Identifier(schema), sql.Identifier(table)
        )
        row = connection.execute(query).fetchone()
        counts[f"{schema}.{table}"] = int(row[0]) if row else 0
    return counts


def rename_database(connection: psycopg.Connection[Any], old: str, new: str) -> None:
    connection.execute(
        sql.SQL("ALTER DATABASE {} RENAME TO {}").format(sql.Identifier(old), sql.Identifier(new))
    )
