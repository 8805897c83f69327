from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hiroam.backups.postgres import BackupError
from hiroam.backups.restore import restore_backup


class Command(BaseCommand):
    help = (
        "Restores a dump made by backup_database into a database on the app's PostgreSQL server, "
        "after checking its checksum. See docs/runbooks/backup-and-restore.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The .dump file (its .sha256 beside it).")
        parser.add_argument(
            "--database",
            default=None,
            help="Database to restore into, created if missing (default: the app's own, "
            "which needs --into-app-database).",
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Replace a database that is not empty (kept until the restore succeeded).",
        )
        parser.add_argument(
            "--into-app-database",
            action="store_true",
            help="Allow restoring into the database in DATABASE_URL (disaster recovery).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            restore = restore_backup(
                dump=options["file"],
                database=options["database"],
                replace=options["replace"],
                into_app_database=options["into_app_database"],
            )
        except BackupError as error:
            raise CommandError(f"Restore refused or failed: {error}") from error
        self.stdout.write(
            f"Restored {options['file']} into {restore.database!r} in {restore.seconds:.1f} s\n"
            f"  sha256 {restore.sha256} (verified)\n"
            f"  {len(restore.row_counts)} tables, {restore.total_rows:,} rows"
        )
        if options["verbosity"] > 1:
            for table, rows in restore.row_counts.items():
                self.stdout.write(f"  {rows:>12,}  {table}")
