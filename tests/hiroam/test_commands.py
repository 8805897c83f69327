import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from accounts.models import User
from hiroam.periodic import PERIODIC_JOBS, PeriodicJob

pytestmark = pytest.mark.django_db


def test_periodic_jobs_are_synchronised_and_a_paused_job_stays_paused():
    call_command("setup_periodic_tasks")
    heartbeat = PeriodicTask.objects.get(name="Worker heartbeat")
    heartbeat.enabled = False
    heartbeat.save()
    PeriodicTask.objects.create(name="Leftover", task="old.task", interval=heartbeat.interval)

    call_command("setup_periodic_tasks")

    assert set(PeriodicTask.objects.values_list("name", flat=True)) == {
        job.name for job in PERIODIC_JOBS
    }
    assert PeriodicTask.objects.get(name="Worker heartbeat").enabled is False
    flush = PeriodicTask.objects.get(name="Flush expired auth tokens")
    assert (flush.crontab.minute, flush.crontab.hour) == ("17", "3")


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
    assert "admin@hiroam.local" in capsys.readouterr().out


def test_no_demo_admin_with_a_guessable_password_in_production(settings):
    settings.DEBUG = False
    settings.DEMO_ADMIN_PASSWORD = ""

    call_command("ensure_demo_admin")

    assert not User.objects.exists()
