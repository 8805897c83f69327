"""Every periodic job names a task a worker knows: beat would otherwise send, every day, a
message no worker can run."""

from hiroam.celery import app as celery_app
from hiroam.periodic import PERIODIC_JOBS


def test_every_declared_job_names_a_registered_task():
    celery_app.loader.import_default_modules()  # what a worker does on start: autodiscovery

    unknown = [job.task for job in PERIODIC_JOBS if job.task not in celery_app.tasks]

    assert unknown == []


def test_the_points_jobs_run_daily():
    jobs = {job.task: job for job in PERIODIC_JOBS}

    for task in ("points.tasks.expire_points", "points.tasks.queue_expiry_notices"):
        cron = jobs[task].cron
        assert cron is not None
        assert cron.split()[2:] == ["*", "*", "*"]
