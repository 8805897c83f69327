"""The refund monitor: exact figures by status and for the next 7 days, the lists, the job's
runs, a query count that does not grow with the rows; "Run the refund job now" queues the
job (audited); staff without the permission see none of it."""

import json
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from redis import Redis

from accounts.models import AdminAuditEntry
from accounts.roles import MANAGE_ORDERS, MANAGE_PACKAGES, ROLES
from accounts.services import apply_roles
from refunds.models import RefundRun
from tests.accounts.factories import staff_member
from tests.refunds.esims import order_item, unused_esim

pytestmark = pytest.mark.django_db
MONITOR = "/admin/refunds/refundmonitor/"
RUN_NOW = "/admin/refunds/refundmonitor/run-now/"
JOB_TASK = "refunds.tasks.process_esim_refunds"


@pytest.fixture
def manager(client):
    apply_roles(ROLES)
    client.force_login(staff_member(MANAGE_ORDERS.name))
    return client


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _row(page: str, row_id: str) -> str:
    match = re.search(rf'<tr id="{row_id}">(.*?)</tr>', page, re.S)
    assert match, f"no row {row_id}"
    return _text(match.group(1))


def _section(page: str, section_id: str) -> str:
    match = re.search(rf'<section id="{section_id}">(.*?)</section>', page, re.S)
    assert match, f"no section {section_id}"
    return _text(match.group(1))


def _queued_jobs() -> list[dict]:
    queue = Redis.from_url(settings.CELERY_BROKER_URL)
    messages = [json.loads(raw) for raw in queue.lrange("celery", 0, -1)]
    return [message["headers"] for message in messages if message["headers"]["task"] == JOB_TASK]


def _esims_in_every_state(now):
    """Two unused eSIMs due in 3 days and one whose date passed today ($1.80 each), one due in
    30 days ($2.50), and one eSIM in each other state ($1.80), two of them refunded."""
    soon = now + timedelta(days=3)
    due_soon = [unused_esim(eligible_at=soon), unused_esim(eligible_at=soon + timedelta(hours=1))]
    passed = unused_esim(eligible_at=now - timedelta(hours=2))
    dearer = order_item(provider_units=25_099)  # $2.50 back (rounded down)
    later = unused_esim(eligible_at=now + timedelta(days=30), item=dearer)
    unused_esim(eligible_at=now - timedelta(days=1), refund_status="eligible")
    unused_esim(eligible_at=now - timedelta(days=1), refund_status="processing")
    unused_esim(
        eligible_at=now - timedelta(days=9),
        refund_status="not_refundable",
        smdp_status="installed",
        esim_status="in_use",
    )
    failed = unused_esim(
        eligible_at=now - timedelta(days=2),
        refund_status="failed",
        refund_attempts=2,
        refund_retry_at=now + timedelta(days=1),
        refund_error="Cancel failed: eSIM Access timed out",
    )
    refunded = [
        unused_esim(
            eligible_at=now - timedelta(days=3),
            refund_status="refunded",
            esim_status="cancelled",
            refunded_at=now - timedelta(days=3),
            refund_amount_cents=cents,
            # An item ordered before the price was kept: its package's price counts.
            item=order_item(provider_units=None),
        )
        for cents in (180, 999)
    ]
    return due_soon, passed, later, failed, refunded


def test_the_monitor_shows_exact_figures_by_status_and_for_the_next_seven_days(manager):
    now = timezone.now()
    due_soon, passed, later, failed, refunded = _esims_in_every_state(now)
    RefundRun.objects.create(
        trigger="schedule",
        started_at=now - timedelta(days=1),
        finished_at=now - timedelta(days=1),
        marked_eligible=4,
        processed=4,
        refunded=2,
        not_refundable=1,
        failed=1,
        recovered_cents=1_179,
    )

    page = manager.get(MONITOR).content.decode()

    assert _row(page, "status-not_eligible") == "Not eligible yet 4 $7.90"  # 3 x 1.80 + 2.50
    assert _row(page, "status-eligible") == "Eligible 1 $1.80"
    assert _row(page, "status-processing") == "Processing 1 $1.80"
    assert _row(page, "status-refunded") == "Refunded 2 $11.79"  # what came back: 1.80 + 9.99
    assert _row(page, "status-not_refundable") == "Not refundable 1 $1.80"
    assert _row(page, "status-failed") == "Failed 1 $1.80"

    upcoming = _section(page, "upcoming")
    assert "in the next 7 days: 3 eSIMs, $5.40" in upcoming
    listed = [passed, *due_soon]  # by refund date
    positions = [upcoming.index(esim.iccid) for esim in listed]
    assert positions == sorted(positions)
    assert later.iccid not in upcoming

    failures = _section(page, "failures")
    assert failed.iccid in failures and "Cancel failed: eSIM Access timed out" in failures
    assert f"{failed.iccid} 2 " in failures  # attempts

    recent = _section(page, "recent-refunds")
    assert all(esim.iccid in recent for esim in refunded)
    assert "$9.99" in recent and "$1.80" in recent

    runs = _section(page, "runs")
    assert "Daily schedule 4 4 2 1 1 $11.79" in runs


def test_the_query_count_does_not_grow_with_the_rows(manager, django_assert_max_num_queries):
    now = timezone.now()
    _esims_in_every_state(now)
    with CaptureQueriesContext(connection) as few:
        assert manager.get(MONITOR).status_code == 200

    # More rows than each list shows, in every list.
    item = order_item(quantity=60)
    for hours in range(60):
        unused_esim(eligible_at=now + timedelta(hours=hours + 1), item=item)
        unused_esim(
            eligible_at=now - timedelta(days=1),
            refund_status="refunded",
            refunded_at=now - timedelta(hours=hours),
            refund_amount_cents=180,
            item=item,
        )
        unused_esim(
            eligible_at=now - timedelta(days=1),
            refund_status="failed",
            refund_attempts=1,
            refund_error="timeout",
            item=item,
        )
    for days in range(25):
        RefundRun.objects.create(trigger="schedule", started_at=now - timedelta(days=days))

    with django_assert_max_num_queries(len(few)):
        page = manager.get(MONITOR).content.decode()
    assert "in the next 7 days: 63 eSIMs, $113.40" in _section(page, "upcoming")
    assert "The first 50 are listed" in page


def test_the_monitor_is_on_the_admin_index_for_order_managers(manager):
    index = manager.get("/admin/").content.decode()

    assert MONITOR in index
    assert "/admin/refunds/unusedesim/" in index and "/admin/refunds/refundrun/" in index


def test_run_now_queues_the_job_from_admin_and_is_audited(manager):
    before = len(_queued_jobs())

    response = manager.post(RUN_NOW, follow=True)

    assert response.status_code == 200
    assert "The refund job is queued" in response.content.decode()
    [queued] = _queued_jobs()[before:]
    assert "'trigger': 'admin'" in queued["kwargsrepr"]
    entry = AdminAuditEntry.objects.get(action_name="run_refund_job")
    assert entry.object_id == queued["id"]
    assert entry.actor_email.endswith("@example.com")
    assert entry.new_values == {"task": JOB_TASK, "trigger": "admin"}


def test_run_now_needs_a_post(manager):
    before = _queued_jobs()

    assert manager.get(RUN_NOW).status_code == 405
    assert _queued_jobs() == before


def test_staff_without_the_permission_see_no_monitor_and_cannot_run_the_job(client):
    apply_roles(ROLES)
    client.force_login(staff_member(MANAGE_PACKAGES.name))
    before = _queued_jobs()

    assert client.get(MONITOR).status_code == 403
    assert client.post(RUN_NOW).status_code == 403
    assert client.get("/admin/refunds/unusedesim/").status_code == 403
    assert _queued_jobs() == before
    assert not AdminAuditEntry.objects.filter(action_name="run_refund_job").exists()
    assert MONITOR not in client.get("/admin/").content.decode()


def test_seeing_the_monitor_is_not_enough_to_run_the_job(client):
    from django.contrib.auth.models import Permission

    viewer = staff_member()
    viewer.user_permissions.set([Permission.objects.get(codename="view_refundmonitor")])
    client.force_login(viewer)
    before = _queued_jobs()

    page = client.get(MONITOR)
    assert page.status_code == 200
    assert RUN_NOW not in page.content.decode()  # no button
    assert client.post(RUN_NOW).status_code == 403
    assert _queued_jobs() == before
