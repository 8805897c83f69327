"""manage.py reencrypt_fields: after a new key was put first in FIELD_ENCRYPTION_KEYS, store
every encrypted value under it, so the old key can be removed (docs/runbooks/secrets-rotation.md).
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hiroam.key_rotation import reencrypt_all


class Command(BaseCommand):
    help = "Re-encrypt every encrypted column with the first key of FIELD_ENCRYPTION_KEYS."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size", type=int, default=500, help="Rows locked and rewritten at a time."
        )

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        report = reencrypt_all(batch_size=batch_size)
        self.stdout.write(
            f"Rows: {report.rows_seen}; re-encrypted values: {report.values_reencrypted}; "
            f"already under the newest key: {report.values_current}; "
            f"unreadable with every key: {len(report.unreadable)}."
        )
        if report.unreadable:
            for where in report.unreadable[:20]:
                self.stderr.write(f"  unreadable: {where}")
            raise CommandError(
                "Some values open with no configured key: keep the old keys until they are "
                "found (a key removed too early?)."
            )
