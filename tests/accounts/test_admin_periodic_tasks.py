"""Periodic jobs in Admin: staff pause and resume them, and every such change is audited."""

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from accounts.models import AdminAuditEntry
from accounts.roles import ADMIN, ROLES
from accounts.services import apply_roles
from tests.accounts.factories import UserFactory, staff_member

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/django_celery_beat/periodictask/"


@pytest.fixture
def jobs():
    apply_roles(ROLES)
    call_command("setup_periodic_tasks")
    return {task.name: task for task in PeriodicTask.objects.all()}


@pytest.fixture
def admin_member(client, jobs):
    member = staff_member(ADMIN.name, email="ops@hiroam.test")
    client.force_login(member)
    return member


def _run_action(client, action, tasks):
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [str(task.pk) for task in tasks]},
        REMOTE_ADDR="198.51.100.7",
    )


def test_pausing_jobs_with_an_admin_action_audits_each_changed_job(client, jobs, admin_member):
    heartbeat, flush = jobs["Worker heartbeat"], jobs["Flush expired auth tokens"]
    PeriodicTask.objects.filter(pk=flush.pk).update(enabled=False)  # already paused

    response = _run_action(client, "disable_tasks", [heartbeat, flush])

    assert response.status_code == 302
    assert not PeriodicTask.objects.filter(pk__in=[heartbeat.pk, flush.pk], enabled=True).exists()
    entry = AdminAuditEntry.objects.get()  # the job that was already paused did not change
    assert (entry.action, entry.action_name) == ("action", "disable_tasks")
    assert entry.object_id == str(heartbeat.pk)
    assert entry.actor == admin_member
    assert entry.old_values["enabled"] is True
    assert entry.new_values["enabled"] is False
    assert entry.ip_address == "198.51.100.7"


@pytest.mark.parametrize(
    ("action", "enabled_after"),
    [("enable_tasks", True), ("toggle_tasks", True), ("disable_tasks", False)],
)
def test_every_state_changing_action_is_audited(client, jobs, admin_member, action, enabled_after):
    heartbeat = jobs["Worker heartbeat"]
    if enabled_after:
        PeriodicTask.objects.filter(pk=heartbeat.pk).update(enabled=False)

    _run_action(client, action, [heartbeat])

    assert PeriodicTask.objects.get(pk=heartbeat.pk).enabled is enabled_after
    entry = AdminAuditEntry.objects.get()
    assert entry.action_name == action
    assert entry.new_values["enabled"] is enabled_after


def test_running_a_job_now_is_audited(client, jobs, admin_member):
    _run_action(client, "run_tasks", [jobs["Worker heartbeat"]])

    entry = AdminAuditEntry.objects.get()
    assert (entry.action, entry.action_name) == ("action", "run_tasks")
    assert entry.object_id == str(jobs["Worker heartbeat"].pk)


def test_staff_who_may_only_view_jobs_cannot_pause_them(client, jobs):
    viewer = UserFactory.create(is_staff=True)
    viewer.user_permissions.set([Permission.objects.get(codename="view_periodictask")])
    client.force_login(viewer)

    _run_action(client, "disable_tasks", list(jobs.values()))

    assert PeriodicTask.objects.filter(enabled=True).count() == len(jobs)
    assert not AdminAuditEntry.objects.exists()


def test_staff_other_than_superusers_may_only_pause_a_job(client, jobs, admin_member):
    heartbeat = jobs["Worker heartbeat"]
    url = f"/admin/django_celery_beat/periodictask/{heartbeat.pk}/change/"

    form = client.get(url).context["adminform"].form
    response = client.post(
        url,
        {
            "name": "Renamed",
            "regtask": "accounts.tasks.flush_expired_tokens",
            "task": "evil.task",
            "args": '["rm -rf /"]',
            "kwargs": '{"everything": true}',
            "queue": "elsewhere",
            "description": "changed",
            "expire_seconds": "1",
            "enabled": "",
        },
    )

    assert list(form.fields) == ["enabled"]
    assert response.status_code == 302
    stored = PeriodicTask.objects.get(pk=heartbeat.pk)
    assert stored.enabled is False
    assert (stored.name, stored.task, stored.args, stored.kwargs, stored.queue) == (
        heartbeat.name,
        heartbeat.task,
        heartbeat.args,
        heartbeat.kwargs,
        heartbeat.queue,
    )
    assert (stored.description, stored.expire_seconds) == (
        heartbeat.description,
        heartbeat.expire_seconds,
    )
    entry = AdminAuditEntry.objects.get()
    assert entry.old_values["enabled"] is True
    assert entry.new_values["enabled"] is False
    assert not {"task", "args", "kwargs", "queue", "name"} & set(entry.new_values)


def test_a_superuser_may_still_edit_what_a_job_runs(client, jobs):
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    heartbeat = jobs["Worker heartbeat"]

    form = (
        client.get(f"/admin/django_celery_beat/periodictask/{heartbeat.pk}/change/")
        .context["adminform"]
        .form
    )

    assert {"task", "args", "kwargs", "queue", "enabled"} <= set(form.fields)
