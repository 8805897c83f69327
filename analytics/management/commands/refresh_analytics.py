from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from analytics import refresh


class Command(BaseCommand):
    help = (
        "Brings the analytics summaries up to date (what the job every 5 minutes does). "
        "With --full, empties them and rebuilds everything from the orders, eSIMs, ledger "
        "and accounts (what the nightly job does)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--full", action="store_true", help="Rebuild from scratch.")

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        outcome = (refresh.rebuild if options["full"] else refresh.refresh)(now=now)
        verb = "Rebuilt" if outcome.rebuilt else "Refreshed"
        self.stdout.write(
            f"{verb} the analytics summaries: {outcome.days} sales day(s), "
            f"{outcome.customers} customer(s) recomputed in {outcome.duration_ms} ms."
        )
