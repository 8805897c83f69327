import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from catalog.sync import sync_catalogue
from hiroam.integrations.esim_access import esim_access_client

BAR_WIDTH = 40


class Command(BaseCommand):
    help = "Syncs the eSIM Access catalogue now, with a progress bar."

    def handle(self, *args: Any, **options: Any) -> None:
        def progress(done: int, total: int) -> None:
            filled = BAR_WIDTH * done // max(total, 1)
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total}")
            if done == total:
                sys.stderr.write("\n")

        self.stderr.write("Fetching the provider catalogue ...")
        run = sync_catalogue(
            fetch=lambda: esim_access_client().list_packages(),
            now=timezone.now(),
            trigger="command",
            progress=progress,
        )
        if run.status != run.Status.SUCCEEDED:
            raise CommandError(run.error)
        self.stdout.write(
            f"Synced {run.fetched} packages in {run.duration_ms} ms: {run.created} created, "
            f"{run.updated} updated, {run.unchanged} unchanged, {run.discontinued} discontinued, "
            f"{run.reactivated} back, {run.failed} failed"
        )
