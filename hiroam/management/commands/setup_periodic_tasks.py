from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from hiroam.periodic import MANAGED_MARK, PERIODIC_JOBS, PeriodicJob


def _schedule_fields(job: PeriodicJob) -> dict[str, Any]:
    if job.every_seconds is not None:
        interval, _ = IntervalSchedule.objects.get_or_create(
            every=job.every_seconds, period=IntervalSchedule.SECONDS
        )
        return {"interval": interval, "crontab": None}
    minute, hour, day_of_month, month_of_year, day_of_week = (job.cron or "").split()
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute=minute,
        hour=hour,
        day_of_month=day_of_month,
        month_of_year=month_of_year,
        day_of_week=day_of_week,
        timezone="UTC",
    )
    return {"interval": None, "crontab": crontab}


class Command(BaseCommand):
    help = (
        "Synchronises the periodic jobs declared in hiroam.periodic into Celery beat's tables. "
        "Keeps whether an admin paused a job; removes the jobs it wrote that are no longer "
        "declared, and leaves every other job alone."
    )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        for job in PERIODIC_JOBS:
            _, created = PeriodicTask.objects.update_or_create(
                name=job.name,
                defaults={
                    "task": job.task,
                    "description": MANAGED_MARK + job.description,
                    "expire_seconds": job.expire_seconds,
                    **_schedule_fields(job),
                },
            )
            self.stdout.write(f"Periodic job {job.name!r} {'created' if created else 'up to date'}")
        stale = PeriodicTask.objects.filter(description__startswith=MANAGED_MARK).exclude(
            name__in=[job.name for job in PERIODIC_JOBS]
        )
        for name in stale.values_list("name", flat=True):
            self.stdout.write(f"Periodic job {name!r} removed (no longer declared)")
        stale.delete()
