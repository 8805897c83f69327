"""manage.py process_esim_refunds [--dry-run]: the 90-day refund job, now."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from refunds import job
from refunds.models import RefundRun


class Command(BaseCommand):
    help = "Cancels eSIMs left unused 90 days after delivery, so eSIM Access refunds their cost."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Say what would be done; change nothing and ask the provider nothing.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        run = job.process_esim_refunds(
            now=timezone.now(), trigger=RefundRun.Trigger.COMMAND, dry_run=options["dry_run"]
        )
        if run.dry_run:
            self.stdout.write(
                f"Dry run: would mark {run.marked_eligible} eSIM(s) eligible and process "
                f"{run.processed}. Nothing was changed."
            )
        else:
            self.stdout.write(f"{job.summary(run)}; {run.marked_eligible} newly eligible.")
