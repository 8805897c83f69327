import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from accounts.models import User
from hiroam.celery import app as celery_app
from hiroam.periodic import MANAGED_MARK, PERIODIC_JOBS, PeriodicJob

pytestmark = pytest.mark.django_db


def test_periodic_jobs_are_synchronised_and_a_paused_job_stays_paused():
    call_command("setup_periodic_tasks")
    heartbeat = PeriodicTask.objects.get(name="Worker heartbeat")
    heartbeat.enabled = False
    heartbeat.save()

    call_command("setup_periodic_tasks")

    assert set(PeriodicTask.objects.values_list("name", flat=True)) == {
        job.name for job in PERIODIC_JOBS
    }
    heartbeat = PeriodicTask.objects.get(name="Worker heartbeat")
    assert heartbeat.enabled is False
    assert heartbeat.expire_seconds == 50  # missed beats do not pile up while workers are down
    flush = PeriodicTask.objects.get(name="Flush expired auth tokens")
    assert (flush.crontab.minute, flush.crontab.hour) == ("17", "3")
    assert flush.expire_seconds is None


def test_only_jobs_the_command_wrote_are_removed_when_no_longer_declared():
    call_command("setup_periodic_tasks")
    interval = PeriodicTask.objects.get(name="Worker heartbeat").interval
    PeriodicTask.objects.create(
        name="Retired job", task="old.task", interval=interval, description=MANAGED_MARK + "Gone."
    )
    PeriodicTask.objects.create(
        name="Monthly report (ops)", task="ops.report", interval=interval, description="By hand."
    )
    PeriodicTask.objects.create(
        name="celery.backend_cleanup", task="celery.backend_cleanup", interval=interval
    )

    call_command("setup_periodic_tasks")

    assert set(PeriodicTask.objects.values_list("name", flat=True)) == {
        *(job.name for job in PERIODIC_JOBS),
        "Monthly report (ops)",
        "celery.backend_cleanup",
    }


def test_a_periodic_job_needs_exactly_one_schedule():
    with pytest.raises(ValueError, match="exactly one"):
        PeriodicJob(name="x", task="t", description="", every_seconds=60, cron="* * * * *")


def test_demo_admin_is_created_only_when_there_is_no_user(settings, capsys):
    settings.DEBUG = True
    call_command("ensure_demo_admin")
    call_command("ensure_demo_admin")

    admin_user = User.objects.get()
    assert admin_user.is_superuser
    assert admin_user.check_password("hiroam-demo-admin")
    assert "admin@hiroam.local / hiroam-demo-admin" in capsys.readouterr().out


def test_a_demo_admin_password_given_in_the_environment_is_never_printed(settings, capsys):
    settings.DEBUG = False
    settings.DEMO_ADMIN_PASSWORD = "chosen by ops 4821"

    call_command("ensure_demo_admin")

    output = capsys.readouterr().out
    assert "admin@hiroam.local" in output
    assert "chosen by ops 4821" not in output
    assert User.objects.get().check_password("chosen by ops 4821")


def test_no_demo_admin_with_a_guessable_password_in_production(settings):
    settings.DEBUG = False
    settings.DEMO_ADMIN_PASSWORD = ""

    call_command("ensure_demo_admin")

    assert not User.objects.exists()


def test_beat_adds_no_result_cleanup_job_since_tasks_keep_no_results():
    # django-celery-beat installs "celery.backend_cleanup" whenever result_expires is set.
    assert celery_app.conf.result_backend is None
    assert celery_app.conf.result_expires is None
