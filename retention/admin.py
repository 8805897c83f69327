"""The retention policy in Admin: the declared rules (table, age, action, reason, legal basis)
and the latest runs with their counts, a dry run or a real run from the page (queued,
audited), and every run as a read-only list."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from accounts.audit import ReadOnlyModelAdmin, queue_job_from_admin
from retention.models import RetentionPolicy, RetentionRun
from retention.policy import APPLIED_RULES, POLICY
from retention.tasks import apply_retention_policy

APPLY_RETENTION = "retention.apply_retention"
LATEST_RUNS = 20


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(ReadOnlyModelAdmin):
    """One page, no rows: the policy replaces the list; run-now is its only other URL."""

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view
        return [
            path("", view(self.policy_view), name="retention_retentionpolicy_changelist"),
            path("run/", view(self.run_view), name="retention_retentionpolicy_run"),
        ]

    def policy_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        runs = list(RetentionRun.objects.order_by("-started_at", "-id")[:LATEST_RUNS])
        return TemplateResponse(
            request,
            "admin/retention/policy.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": "Retention policy",
                "policy": POLICY,
                "applied_rules": APPLIED_RULES,
                "runs": [
                    (run, [run.counts.get(rule.key, "") for rule in APPLIED_RULES]) for run in runs
                ],
                "can_run": request.user.has_perm(APPLY_RETENTION),
                "can_list_runs": request.user.has_perm("retention.view_retentionrun"),
            },
        )

    def run_view(self, request: HttpRequest) -> HttpResponse:
        """Queues a run (or a dry run) with trigger "admin". Safe beside the daily one: two
        runs never take the same rows."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not request.user.has_perm(APPLY_RETENTION):
            raise PermissionDenied
        dry_run = request.POST.get("dry_run") == "1"
        kind = "dry run" if dry_run else "run"
        queue_job_from_admin(
            self,
            request,
            task=apply_retention_policy,
            task_kwargs={"trigger": RetentionRun.Trigger.ADMIN, "dry_run": dry_run},
            action_name="apply_retention",
            object_repr=f"Retention {kind} (from Admin)",
            queued_message=f"The retention {kind} is queued: it appears under Latest runs "
            "within a minute (refresh this page).",
        )
        return HttpResponseRedirect(reverse("admin:retention_retentionpolicy_changelist"))


@admin.register(RetentionRun)
class RetentionRunAdmin(ReadOnlyModelAdmin):
    """What each run did; written by the job, never edited."""

    list_display = ("started_at", "trigger", "dry_run", "total", "finished_at", "failed_rules")
    list_filter = ("trigger", "dry_run", "started_at")
    date_hierarchy = "started_at"
    readonly_fields = [field.name for field in RetentionRun._meta.fields]

    @admin.display(description="rows")
    def total(self, run: RetentionRun) -> int:
        return run.total

    @admin.display(description="failed rules")
    def failed_rules(self, run: RetentionRun) -> str:
        return ", ".join(run.errors)
