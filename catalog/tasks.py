from celery import shared_task
from django.db import transaction
from django.utils import timezone

from catalog.sync import sync_catalogue
from hiroam.integrations.errors import ProviderError
from hiroam.integrations.esim_access import esim_access_client


@shared_task(name="catalog.tasks.sync_packages", acks_late=True)
def sync_packages(trigger: str = "schedule") -> int:
    """The 6-hourly sync (and "Sync now" in Admin). Idempotent: a run changes only what the
    provider changed. Returns the SyncRun id."""
    return sync_catalogue(
        fetch=lambda: esim_access_client().list_packages(), now=timezone.now(), trigger=trigger
    ).pk


class DemoCatalogNotReady(Exception):
    pass


@shared_task(
    name="catalog.tasks.seed_demo_catalog",
    autoretry_for=(DemoCatalogNotReady, ProviderError),
    retry_backoff=3,
    max_retries=10,
)
def seed_demo_catalog() -> None:
    """`make run` on an empty database: sync the sandbox catalogue and feature a few packages.
    Retried until the web process (which serves the sandbox) answers."""
    from catalog.demo import feature_demo_packages

    run = sync_catalogue(
        fetch=lambda: esim_access_client().list_packages(), now=timezone.now(), trigger="demo"
    )
    if run.status != run.Status.SUCCEEDED:
        raise DemoCatalogNotReady(run.error)
    with transaction.atomic():
        feature_demo_packages()
