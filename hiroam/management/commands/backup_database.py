from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from hiroam.backups.backup import create_backup
from hiroam.backups.postgres import BackupError


class Command(BaseCommand):
    help = (
        "pg_dump (custom format) of the database in DATABASE_URL into BACKUP_DIR, with a SHA-256 "
        "checksum file beside it. See docs/runbooks/backup-and-restore.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dir", type=Path, default=None, help="Folder for the dump (default: BACKUP_DIR)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        directory = options["dir"] or Path(settings.BACKUP_DIR)
        try:
            backup = create_backup(directory=directory, now=timezone.now())
        except BackupError as error:
            raise CommandError(f"Backup failed: {error}") from error
        self.stdout.write(
            f"Backup written: {backup.path}\n"
            f"  size   {backup.size_bytes:,} bytes\n"
            f"  sha256 {backup.sha256}\n"
            f"  took   {backup.seconds:.1f} s"
        )
