from typing import Any

import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand
from psycopg import sql
from psycopg.conninfo import make_conninfo


class Command(BaseCommand):
    help = "Creates the PostgreSQL database named in DATABASE_URL when it does not exist yet."

    def handle(self, *args: Any, **options: Any) -> None:
        database = settings.DATABASES["default"]
        name = database["NAME"]
        # Connect to the maintenance database with the same credentials.
        params = {
            "dbname": "postgres",
            "user": database.get("USER"),
            "password": database.get("PASSWORD"),
            "host": database.get("HOST"),
            "port": database.get("PORT"),
            "connect_timeout": 5,
        }
        conninfo = make_conninfo(**{key: str(value) for key, value in params.items() if value})
        with psycopg.connect(conninfo, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                self.stdout.write(f"Created database {name!r}")
