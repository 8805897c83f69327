from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from retention.job import apply_retention_policy
from retention.models import RetentionRun
from retention.policy import APPLIED_RULES


class Command(BaseCommand):
    help = (
        "Applies the data retention policy now (what the daily job does). With --dry-run, "
        "says per rule how many rows it would delete or anonymise and changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count only; change nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = options["dry_run"]
        run = apply_retention_policy(
            now=timezone.now(), trigger=RetentionRun.Trigger.COMMAND, dry_run=dry_run
        )
        verb = "would" if dry_run else "did"
        for rule in APPLIED_RULES:
            if rule.key in run.errors:
                self.stdout.write(f"{rule.key}: FAILED: {run.errors[rule.key]}")
                continue
            self.stdout.write(
                f"{rule.key}: {verb} {rule.action} {run.counts.get(rule.key, 0)} "
                f"(older than {rule.age})"
            )
        if dry_run:
            self.stdout.write("Dry run: nothing changed.")
        if run.errors:
            raise CommandError(
                f"{len(run.errors)} rule(s) failed (the others ran; the next run retries them)."
            )
