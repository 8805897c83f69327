"""Every periodic job of HIROAM, declared in code.

`manage.py setup_periodic_tasks` writes these into django-celery-beat's tables, where Celery
beat reads them and admins can see and pause them. Tasks are named by their dotted path, so
this list never imports the apps that implement them.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task: str
    description: str
    every_seconds: int | None = None
    cron: str | None = None  # "minute hour day_of_month month_of_year day_of_week", in UTC

    def __post_init__(self) -> None:
        if (self.every_seconds is None) == (self.cron is None):
            raise ValueError(f"{self.name}: give exactly one of every_seconds or cron")
        if self.cron is not None and len(self.cron.split()) != 5:
            raise ValueError(f"{self.name}: cron needs five fields, got {self.cron!r}")


PERIODIC_JOBS: tuple[PeriodicJob, ...] = (
    PeriodicJob(
        name="Worker heartbeat",
        task="hiroam.tasks.record_worker_heartbeat",
        description="Proves a worker is consuming the queue; /health reports its age.",
        every_seconds=60,
    ),
    PeriodicJob(
        name="Flush expired auth tokens",
        task="accounts.tasks.flush_expired_tokens",
        description="Deletes expired refresh tokens and their blacklist entries.",
        cron="17 3 * * *",
    ),
)
