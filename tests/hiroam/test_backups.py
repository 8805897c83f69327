"""Backups and restores against the real PostgreSQL: pg_dump of the test database, pg_restore
into a scratch database beside it, compared table by table."""

import hashlib
import io
import stat
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from psycopg import sql

from hiroam.backups.postgres import Server
from hiroam.backups.restore import staging_name
from tests.accounts.factories import UserFactory
from tests.catalog.factories import PackageFactory
from tests.orders.factories import OrderFactory, paid_order
from tests.pricing.factories import DiscountCodeFactory, live_schedule

# pg_dump and pg_restore (or stand-ins for them) run as processes.
pytestmark = pytest.mark.slow


def _connect(database: str) -> psycopg.Connection:
    return Server.from_settings().connect(database)


def _public_row_counts(database: str) -> dict[str, int]:
    """Every table of the public schema, as the catalog lists them, with its exact row count."""
    with _connect(database) as connection:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')"
            )
        ]
        counts = {}
        for table in tables:
            query = sql.SQL("SELECT count(*) FROM public.{}").format(sql.Identifier(table))
            row = connection.execute(query).fetchone()
            assert row is not None
            counts[table] = row[0]
    return counts


def _database_exists(name: str) -> bool:
    with _connect("postgres") as connection:
        return bool(
            connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        )


@pytest.fixture
def scratch_database() -> Iterator[str]:
    """A database name beside the test database's; it and its staging copy are dropped after the
    test, whatever happened."""
    name = f"{settings.DATABASES['default']['NAME']}_restored"

    def drop() -> None:
        with _connect("postgres") as connection:
            for database in (name, staging_name(name)):
                connection.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                        sql.Identifier(database)
                    )
                )

    drop()
    yield name
    drop()


def _backup(directory: Path) -> Path:
    output = io.StringIO()
    call_command("backup_database", "--dir", str(directory), stdout=output)
    (dump,) = directory.glob("*.dump")
    checksum = (directory / f"{dump.name}.sha256").read_text().split()[0]
    assert str(dump) in output.getvalue()
    assert checksum in output.getvalue()
    assert f"{dump.stat().st_size:,} bytes" in output.getvalue()
    return dump


@pytest.mark.django_db(transaction=True)  # pg_dump sees committed rows only
def test_a_backup_restores_every_table_with_the_same_rows(tmp_path, scratch_database):
    customer = UserFactory.create()
    packages = PackageFactory.create_batch(3)
    live_schedule(packages[0])
    DiscountCodeFactory.create()
    paid_order(user=customer)
    OrderFactory.create()

    dump = _backup(tmp_path)
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith(".")] == []

    output = io.StringIO()
    call_command("restore_database", str(dump), "--database", scratch_database, stdout=output)

    original = _public_row_counts(settings.DATABASES["default"]["NAME"])
    restored = _public_row_counts(scratch_database)
    assert restored == original
    # The comparison covers the rows the test wrote, in every app.
    assert original["accounts_user"] == 1
    assert original["catalog_esimpackage"] == 3
    assert original["pricing_priceschedule"] == 1
    assert original["pricing_discountcode"] == 1
    assert original["orders_order"] == 2
    assert f"{len(original)} tables, {sum(original.values()):,} rows" in output.getvalue()
    assert not _database_exists(staging_name(scratch_database))


@pytest.mark.django_db(transaction=True)
def test_a_tampered_backup_is_refused_and_nothing_is_written(tmp_path, scratch_database):
    dump = _backup(tmp_path)
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))

    with pytest.raises(CommandError, match="Checksum mismatch"):
        call_command("restore_database", str(dump), "--database", scratch_database)

    assert not _database_exists(scratch_database)
    assert not _database_exists(staging_name(scratch_database))


@pytest.mark.django_db(transaction=True)
def test_a_database_that_is_not_empty_is_kept_unless_replace_is_asked(tmp_path, scratch_database):
    dump = _backup(tmp_path)
    with _connect("postgres") as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(scratch_database)))
    with _connect(scratch_database) as connection:
        connection.execute("CREATE TABLE kept (note text)")
        connection.execute("INSERT INTO kept VALUES ('still here')")

    with pytest.raises(CommandError, match="not empty"):
        call_command("restore_database", str(dump), "--database", scratch_database)
    assert _public_row_counts(scratch_database) == {"kept": 1}

    call_command(
        "restore_database",
        str(dump),
        "--database",
        scratch_database,
        "--replace",
        stdout=io.StringIO(),
    )
    restored = _public_row_counts(scratch_database)
    assert "kept" not in restored
    assert "orders_order" in restored


@pytest.mark.django_db
def test_a_restore_that_fails_leaves_no_database(tmp_path, scratch_database):
    # A checksum that matches, over a file pg_restore cannot read.
    dump = tmp_path / "broken.dump"
    dump.write_bytes(b"PGDMP not really")
    digest = hashlib.sha256(dump.read_bytes()).hexdigest()
    (tmp_path / "broken.dump.sha256").write_text(f"{digest}  broken.dump\n")

    with pytest.raises(CommandError, match="pg_restore failed"):
        call_command("restore_database", str(dump), "--database", scratch_database)

    assert not _database_exists(scratch_database)
    assert not _database_exists(staging_name(scratch_database))


@pytest.mark.django_db
def test_the_apps_own_database_needs_an_explicit_flag(tmp_path):
    dump = tmp_path / "any.dump"
    dump.write_bytes(b"PGDMP")
    (tmp_path / "any.dump.sha256").write_text(f"{hashlib.sha256(b'PGDMP').hexdigest()}  any.dump\n")

    with pytest.raises(CommandError, match="app's own database"):
        call_command("restore_database", str(dump))


def _fake_tool(folder: Path, name: str, script: str) -> None:
    path = folder / name
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


@pytest.mark.django_db
def test_a_missing_pg_dump_fails_loudly(tmp_path, settings):
    settings.POSTGRES_BIN_DIR = str(tmp_path / "bin")

    with pytest.raises(CommandError, match="pg_dump not found"):
        call_command("backup_database", "--dir", str(tmp_path / "out"))
    assert not (tmp_path / "out").exists()


@pytest.mark.django_db
def test_a_pg_dump_older_than_the_server_is_refused(tmp_path, settings):
    _fake_tool(tmp_path, "pg_dump", 'echo "pg_dump (PostgreSQL) 9.6.24"\n')
    settings.POSTGRES_BIN_DIR = str(tmp_path)

    with pytest.raises(CommandError, match=r"pg_dump is PostgreSQL 9 but the server is \d+"):
        call_command("backup_database", "--dir", str(tmp_path / "out"))
    assert not (tmp_path / "out").exists()


@pytest.mark.django_db
def test_a_failed_dump_leaves_no_file(tmp_path, settings):
    # Writes half a file where it was told to, then dies, as pg_dump does on a lost connection.
    _fake_tool(
        tmp_path,
        "pg_dump",
        'if [ "$1" = --version ]; then echo "pg_dump (PostgreSQL) 99.0"; exit 0; fi\n'
        'for arg; do case "$arg" in --file=*) printf PGDMP-half > "${arg#--file=}";; esac; done\n'
        'echo "pg_dump: error: connection to server lost" >&2; exit 1\n',
    )
    settings.POSTGRES_BIN_DIR = str(tmp_path)
    out = tmp_path / "out"

    with pytest.raises(CommandError, match=r"pg_dump failed.*connection to server lost"):
        call_command("backup_database", "--dir", str(out))
    assert list(out.iterdir()) == []
