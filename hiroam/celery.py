"""The Celery app. Configuration lives in settings under the CELERY_ prefix."""

import os

from celery import Celery
from celery.signals import before_task_publish, task_postrun, task_prerun

from hiroam import request_context

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hiroam.settings")

app = Celery("hiroam")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# The request id travels with every task, so a worker's log lines can be traced back to the
# HTTP request (or beat tick) that caused them.
@before_task_publish.connect
def _attach_request_id(headers: dict[str, object], **_: object) -> None:
    request_id = request_context.current_request_id()
    if request_id:
        headers.setdefault("request_id", request_id)


@task_prerun.connect
def _adopt_request_id(task: object = None, **_: object) -> None:
    request = getattr(task, "request", None)
    request_context.set_request_id(
        getattr(request, "request_id", None) or request_context.new_request_id()
    )


@task_postrun.connect
def _forget_request_id(**_: object) -> None:
    request_context.set_request_id(None)
