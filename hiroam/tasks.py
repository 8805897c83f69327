from celery import shared_task

from hiroam import health


@shared_task(name="hiroam.tasks.record_worker_heartbeat", ignore_result=True)
def record_worker_heartbeat() -> None:
    health.record_worker_heartbeat()
