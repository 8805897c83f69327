"""The refund monitor (plan 11.8) for order managers: the figures by refund status, what the
job takes in the next 7 days, recent refunds, current failures, the latest runs, and "Run the
refund job now" (queued, audited). The runs themselves are a read-only list."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from accounts.audit import ReadOnlyModelAdmin, queue_job_from_admin
from catalog.price_display import usd_text
from refunds import selectors
from refunds.models import RefundMonitor, RefundRun
from refunds.tasks import process_esim_refunds

RUN_REFUND_JOB = "refunds.run_refund_job"


@admin.register(RefundMonitor)
class RefundMonitorAdmin(ReadOnlyModelAdmin):
    """One page, no rows: the monitor replaces the list; run-now is its only other URL."""

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view
        return [
            path("", view(self.monitor_view), name="refunds_refundmonitor_changelist"),
            path("run-now/", view(self.run_now_view), name="refunds_refundmonitor_run_now"),
        ]

    def monitor_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        now = timezone.now()
        figures = selectors.monitor_figures(now=now)
        return TemplateResponse(
            request,
            "admin/refunds/monitor.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": "Refund monitor",
                "now": now,
                "figures": figures,
                "by_status": [(row, usd_text(row.value_cents)) for row in figures.by_status],
                "upcoming_value": usd_text(figures.upcoming.value_cents),
                "upcoming_rows": _with_usd(figures.upcoming.first, "cost_cents"),
                "failure_rows": _with_usd(figures.failures, "cost_cents"),
                "refund_rows": _with_usd(figures.recent_refunds, "refund_amount_cents"),
                "run_rows": _with_usd(figures.runs, "recovered_cents"),
                "upcoming_days": selectors.UPCOMING_DAYS,
                "listed": selectors.LISTED,
                "can_run": request.user.has_perm(RUN_REFUND_JOB),
                "can_list_esims": request.user.has_perm("refunds.view_unusedesim"),
                "can_list_runs": request.user.has_perm("refunds.view_refundrun"),
            },
        )

    def run_now_view(self, request: HttpRequest) -> HttpResponse:
        """Queues a run of the job (trigger "admin"). Safe beside a running one: runs never
        share an eSIM."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not request.user.has_perm(RUN_REFUND_JOB):
            raise PermissionDenied
        queue_job_from_admin(
            self,
            request,
            task=process_esim_refunds,
            task_kwargs={"trigger": RefundRun.Trigger.ADMIN},
            action_name="run_refund_job",
            object_repr="Refund job run (from Admin)",
            queued_message="The refund job is queued: its run appears under Job runs within a "
            "minute (refresh this page).",
        )
        return HttpResponseRedirect(reverse("admin:refunds_refundmonitor_changelist"))


def _with_usd(rows: Sequence[Any], cents_field: str) -> list[tuple[Any, str]]:
    return [(row, usd_text(getattr(row, cents_field))) for row in rows]


@admin.register(RefundRun)
class RefundRunAdmin(ReadOnlyModelAdmin):
    """What each run of the job did; written by the job, never edited."""

    list_display = (
        "started_at",
        "trigger",
        "dry_run",
        "marked_eligible",
        "processed",
        "refunded",
        "not_refundable",
        "failed",
        "recovered",
        "finished_at",
        "error",
    )
    list_filter = ("trigger", "dry_run", "started_at")
    date_hierarchy = "started_at"
    readonly_fields = [field.name for field in RefundRun._meta.fields]

    @admin.display(description="recovered", ordering="recovered_cents")
    def recovered(self, run: RefundRun) -> str:
        return usd_text(run.recovered_cents)
