"""The retention policy page: the rules and the latest runs with their counts for Admins;
dry run and run now are queued and audited; staff without the permission see none of it."""

import json
import re
from html import unescape

import pytest
from django.conf import settings
from redis import Redis

from accounts.models import AdminAuditEntry
from accounts.roles import ADMIN, MANAGE_ORDERS, ROLES
from accounts.services import apply_roles
from retention.models import RetentionRun
from retention.policy import POLICY
from tests.accounts.factories import staff_member

pytestmark = pytest.mark.django_db
PAGE = "/admin/retention/retentionpolicy/"
RUN = "/admin/retention/retentionpolicy/run/"
JOB_TASK = "retention.tasks.apply_retention_policy"


@pytest.fixture
def admin_client(client):
    apply_roles(ROLES)
    client.force_login(staff_member(ADMIN.name))
    return client


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _queued_jobs() -> list[dict]:
    queue = Redis.from_url(settings.CELERY_BROKER_URL)
    messages = [json.loads(raw) for raw in queue.lrange("celery", 0, -1)]
    return [message["headers"] for message in messages if message["headers"]["task"] == JOB_TASK]


def test_the_page_shows_every_rule_and_the_latest_runs(admin_client):
    RetentionRun.objects.create(
        trigger="schedule", counts={"webhook_logs": 1234, "sync_runs": 56}, errors={}
    )
    RetentionRun.objects.create(
        trigger="admin", dry_run=True, counts={}, errors={"audit_entries": "lock timeout"}
    )

    response = admin_client.get(PAGE)

    assert response.status_code == 200
    page = _text(response.content.decode())
    for rule in POLICY:
        assert _text(rule.reason) in page
        assert f'id="rule-{rule.key}"' in response.content.decode()
    assert "730 days anonymise" in page
    assert "1234" in page and "56" in page
    assert "audit_entries : lock timeout" in page
    assert PAGE in admin_client.get("/admin/").content.decode()
    runs = admin_client.get("/admin/retention/retentionrun/")
    assert runs.status_code == 200
    assert "audit_entries" in runs.content.decode()  # the failed rule, in the list


def test_dry_run_and_run_now_are_queued_and_audited(admin_client):
    dry = admin_client.post(RUN, {"dry_run": "1"}, follow=True)
    real = admin_client.post(RUN, follow=True)

    assert "The retention dry run is queued" in dry.content.decode()
    assert "The retention run is queued" in real.content.decode()
    queued = sorted(job["kwargsrepr"] for job in _queued_jobs())  # Redis is emptied per test
    assert queued == [
        "{'trigger': 'admin', 'dry_run': False}",
        "{'trigger': 'admin', 'dry_run': True}",
    ]
    entries = AdminAuditEntry.objects.filter(action_name="apply_retention").order_by("pk")
    assert [entry.new_values["dry_run"] for entry in entries] == [True, False]
    assert admin_client.get(RUN).status_code == 405


def test_staff_without_the_permission_see_no_policy_and_cannot_run_it(client):
    apply_roles(ROLES)
    client.force_login(staff_member(MANAGE_ORDERS.name))
    before = _queued_jobs()

    assert client.get(PAGE).status_code == 403
    assert client.post(RUN).status_code == 403
    assert client.get("/admin/retention/retentionrun/").status_code == 403
    assert _queued_jobs() == before
    assert PAGE not in client.get("/admin/").content.decode()
