"""Every periodic job of HIROAM, declared in code.

`manage.py setup_periodic_tasks` writes these into django-celery-beat's tables, where Celery
beat reads them and admins can see and pause them. Tasks are named by their dotted path, so
this list never imports the apps that implement them. Jobs written by the command are marked
(their description starts with MANAGED_MARK); it removes only marked jobs no longer declared,
never jobs an admin created or Celery's own.
"""

from dataclasses import dataclass

MANAGED_MARK = "[declared in hiroam/periodic.py] "


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task: str
    description: str
    every_seconds: int | None = None
    cron: str | None = None  # "minute hour day_of_month month_of_year day_of_week", in UTC
    # A run not picked up by a worker within this many seconds is dropped, so runs of a
    # frequent job do not pile up in the queue while the workers are down.
    expire_seconds: int | None = None

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
        expire_seconds=50,  # a beat that waited longer proves nothing
    ),
    PeriodicJob(
        name="Check the eSIM Access balance",
        task="monitoring.tasks.check_provider_balance",
        description="Reads our prepaid balance at eSIM Access for /metrics (low-balance alert).",
        every_seconds=900,
        expire_seconds=600,
    ),
    PeriodicJob(
        name="Flush expired auth tokens",
        task="accounts.tasks.flush_expired_tokens",
        description="Deletes expired refresh tokens and their blacklist entries.",
        cron="17 3 * * *",
    ),
    PeriodicJob(
        name="Sync the eSIM catalogue",
        task="catalog.tasks.sync_packages",
        description="Fetches the whole eSIM Access catalogue and upserts it (every 6 hours).",
        cron="7 */6 * * *",
        expire_seconds=3 * 3600,  # a sync that could not start in 3 hours waits for the next
    ),
    PeriodicJob(
        name="Requeue stuck Paddle events",
        task="orders.tasks.requeue_stuck_webhooks",
        description="Paddle events stored but not applied after 2 minutes are queued again.",
        every_seconds=300,
        expire_seconds=240,
    ),
    PeriodicJob(
        name="Send stuck emails",
        task="orders.tasks.send_stuck_emails",
        description="Customer emails logged but not sent after 2 minutes are queued again.",
        every_seconds=300,
        expire_seconds=240,
    ),
    PeriodicJob(
        name="Forget expired idempotency keys",
        task="orders.tasks.forget_expired_idempotency_keys",
        description="Deletes Idempotency-Key answers older than 24 hours.",
        cron="43 4 * * *",
    ),
    PeriodicJob(
        name="Requeue unfulfilled orders",
        task="orders.tasks.requeue_unfulfilled_orders",
        description="Paid orders whose eSIMs were not ordered after 3 minutes are queued again.",
        every_seconds=300,
        expire_seconds=240,
    ),
    PeriodicJob(
        name="Collect late eSIM profiles",
        task="orders.tasks.collect_late_profiles",
        description="Asks eSIM Access for profiles whose ORDER_STATUS webhook is late or lost.",
        every_seconds=120,
        expire_seconds=110,
    ),
    PeriodicJob(
        name="Reconcile eSIMs with the provider",
        task="orders.tasks.reconcile_with_provider",
        description="Daily: our eSIMs against eSIM Access's; drift listed in Admin.",
        cron="30 2 * * *",
    ),
    PeriodicJob(
        name="Refund unused eSIMs (90 days)",
        task="refunds.tasks.process_esim_refunds",
        description="Cancels eSIMs unused 90 days after delivery; eSIM Access refunds their cost.",
        cron="0 0 * * *",
    ),
    PeriodicJob(
        name="Expire unpaid orders",
        task="orders.tasks.expire_unpaid_orders",
        description="Pending orders past their payment window give back stock and code uses.",
        every_seconds=300,
        expire_seconds=240,
    ),
    PeriodicJob(
        name="Expire points",
        task="points.tasks.expire_points",
        description="Daily: customers' unused points past their expiry are expired (FIFO).",
        cron="20 1 * * *",
    ),
    PeriodicJob(
        name="Points expiry notices",
        task="points.tasks.queue_expiry_notices",
        description="Daily: one email per customer and day for points expiring within 30 days.",
        cron="40 8 * * *",  # after the expiry job; 15:40 in Jakarta
    ),
    PeriodicJob(
        name="Unused eSIM warnings",
        task="refunds.warning_tasks.queue_expiry_warnings",
        description="Daily: customers of eSIMs cancelled within 7 days unless installed are "
        "warned, once per eSIM, with the QR code again.",
        cron="0 2 * * *",  # 09:00 in Jakarta
    ),
    PeriodicJob(
        name="Apply the retention policy",
        task="retention.tasks.apply_retention_policy",
        description="Daily: deletes or anonymises what retention/policy.py says is past its "
        "age, in small SKIP LOCKED batches.",
        # 03:35 in Jakarta, our quietest hour, and an hour no other job uses; a run missed
        # while the workers were down is dropped: the next day's does the same work.
        cron="35 20 * * *",
        expire_seconds=12 * 3600,
    ),
    PeriodicJob(
        name="Store the price experiments' views",
        task="pricing.tasks.flush_experiment_views",
        description="Every 15 seconds: moves the views of experiment prices buffered in Redis "
        "into the experiments' figures.",
        every_seconds=15,
        expire_seconds=14,  # the next run reads the same queue
    ),
    PeriodicJob(
        name="Refresh the analytics",
        task="analytics.tasks.refresh_analytics",
        description="Every 5 minutes: recomputes the summary days and customers that orders, "
        "eSIMs, points and sign-ups changed since the last run.",
        every_seconds=300,
        expire_seconds=240,  # the next run does the same work
    ),
    PeriodicJob(
        name="Rebuild the analytics",
        task="analytics.tasks.rebuild_analytics",
        description="Nightly: rebuilds every summary from scratch (repairs what a change left "
        "no trace of, such as a deleted account).",
        cron="50 21 * * *",  # 04:50 in Jakarta: after the retention job, still quiet
        expire_seconds=6 * 3600,
    ),
)
