from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from points.expiry import expire_due_points, points_due


class Command(BaseCommand):
    help = (
        "Expires customers' points past their expiry now (what the daily job does). "
        "With --dry-run, lists who would lose how many points and changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Report only; change nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        if options["dry_run"]:
            due = points_due(now=now)
            for row in due:
                self.stdout.write(
                    f"{row.email}: {row.points} points (due since {row.due_since:%Y-%m-%d})"
                )
            total = sum(row.points for row in due)
            self.stdout.write(
                f"Dry run: {total} points of {len(due)} customer(s) would expire. Nothing changed."
            )
            return
        run = expire_due_points(now=now)
        self.stdout.write(f"Expired {run.points} points of {run.customers} customer(s).")
        if run.failed:
            raise CommandError(
                f"{len(run.failed)} customer(s) failed (see the log; the next run retries them): "
                + ", ".join(run.failed[:20])
            )
