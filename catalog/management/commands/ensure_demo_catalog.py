from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from catalog.models import EsimPackage
from catalog.tasks import seed_demo_catalog


class Command(BaseCommand):
    help = (
        "On an empty catalogue with the eSIM sandbox, queues the demo catalogue (sync + featured)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.ESIM_ACCESS_ENVIRONMENT != "local" or EsimPackage.objects.exists():
            return
        seed_demo_catalog.delay()
        self.stdout.write(
            "Demo catalogue queued: the worker syncs it from the sandbox once the web is up."
        )
