"""Unused eSIMs: every eSIM with its 90-day refund state, read-only, and "Refund now" — the job's
own path (refunds.services.refund_now), refused unless our records say the eSIM is still
unused, audited with the refund fields before and after."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from accounts.audit import ReadOnlyModelAdmin, record_admin_change
from accounts.models import AdminAuditEntry, User
from catalog.price_display import usd_text
from hiroam.api.errors import DomainError
from refunds import selectors, services
from refunds.models import UnusedEsim

# Each one asks eSIM Access (at most 8 calls a second, shared with the job) while the page
# waits; more than this is the job's work.
MAX_REFUNDED_AT_ONCE = 20
REFUND_FIELDS = (
    "refund_status",
    "esim_status",
    "refunded_at",
    "refund_amount_cents",
    "refund_claimed_at",
    "refund_attempts",
    "refund_retry_at",
    "refund_error",
)


class EligibleDateFilter(admin.SimpleListFilter):
    title = "refund date"
    parameter_name = "eligible"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("passed", "Passed"),
            ("7", "Within 7 days"),
            ("30", "Within 30 days"),
            ("later", "In more than 30 days"),
            ("none", "None (not delivered)"),
        ]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[UnusedEsim]
    ) -> QuerySet[UnusedEsim]:
        now, chosen = timezone.now(), self.value()
        if chosen == "passed":
            return queryset.filter(refund_eligible_at__lte=now)
        if chosen in ("7", "30"):
            ends = now + timedelta(days=int(chosen))
            return queryset.filter(refund_eligible_at__gt=now, refund_eligible_at__lte=ends)
        if chosen == "later":
            return queryset.filter(refund_eligible_at__gt=now + timedelta(days=30))
        if chosen == "none":
            return queryset.filter(refund_eligible_at__isnull=True)
        return queryset


@admin.register(UnusedEsim)
class UnusedEsimAdmin(ReadOnlyModelAdmin):
    list_display = (
        "iccid",
        "order_link",
        "package",
        "esim_status",
        "smdp_status",
        "refund_status",
        "refund_eligible_at",
        "cost",
        "refunded_at",
        "refunded",
        "refund_attempts",
        "refund_retry_at",
        "refund_error",
    )
    list_filter = ("refund_status", EligibleDateFilter, "esim_status", "smdp_status")
    search_fields = ("iccid", "esim_tran_no", "order__order_number", "order__customer_email")
    list_select_related = ("order", "order_item")
    ordering = ("refund_eligible_at", "pk")
    date_hierarchy = "refund_eligible_at"
    actions = ("refund_now",)
    fields = (
        "order_link",
        "package",
        "profile_index",
        "iccid",
        "esim_tran_no",
        "esim_status",
        "smdp_status",
        "resource_ready_at",
        "downloaded_at",
        "installed_at",
        "refund_eligible_at",
        "refund_status",
        "cost",
        "refunded_at",
        "refunded",
        "refund_claimed_at",
        "refund_attempts",
        "refund_retry_at",
        "refund_error",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[UnusedEsim]:
        profiles: QuerySet[UnusedEsim] = super().get_queryset(request)
        # The codes (encrypted) and the provider's links are never shown here.
        return profiles.defer(*selectors.NOT_LISTED).annotate(
            cost_cents=selectors.provider_cost_cents()
        )

    def has_refund_now_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("refunds.refund_now")

    # ---- columns
    @admin.display(description="order", ordering="order__order_number")
    def order_link(self, profile: UnusedEsim) -> str:
        url = reverse("admin:orders_order_change", args=[profile.order_id])
        return format_html('<a href="{}">{}</a>', url, profile.order.order_number)

    @admin.display(description="package", ordering="order_item__package_name")
    def package(self, profile: UnusedEsim) -> str:
        return profile.order_item.package_name

    @admin.display(description="cost back if cancelled", ordering="cost_cents")
    def cost(self, profile: Any) -> str:
        return usd_text(profile.cost_cents)

    @admin.display(description="refunded", ordering="refund_amount_cents")
    def refunded(self, profile: UnusedEsim) -> str:
        return usd_text(profile.refund_amount_cents)

    # ---- "Refund now"
    @admin.action(
        description="Refund now (cancel at eSIM Access, only if still unused)",
        permissions=["refund_now"],
    )
    def refund_now(self, request: HttpRequest, queryset: QuerySet[UnusedEsim]) -> None:
        profiles = list(queryset.order_by("refund_eligible_at", "pk")[: MAX_REFUNDED_AT_ONCE + 1])
        if len(profiles) > MAX_REFUNDED_AT_ONCE:
            self.message_user(
                request,
                f"Refund at most {MAX_REFUNDED_AT_ONCE} eSIMs at once (each one asks eSIM "
                "Access while you wait); the daily job takes the rest.",
                messages.ERROR,
            )
            return
        staff = request.user if isinstance(request.user, User) else None
        now = timezone.now()
        for profile in profiles:
            before = _refund_state(profile)
            try:
                # Outside any transaction: the claim is committed before eSIM Access is asked.
                outcome = services.refund_now(profile.pk, now=now, by=staff)
            except DomainError as error:
                self.message_user(request, error.message, messages.ERROR)
                continue
            after = UnusedEsim.objects.get(pk=profile.pk)
            record_admin_change(
                request,
                after,
                action=AdminAuditEntry.Action.ACTION,
                old=before,
                new=_refund_state(after),
                action_name="refund_now",
            )
            self.message_user(request, *_outcome_message(after, outcome))


def _refund_state(profile: UnusedEsim) -> dict[str, Any]:
    """What a refund changes (never the eSIM's codes), for the audit trail."""
    return {name: getattr(profile, name) for name in REFUND_FIELDS}


def _outcome_message(profile: UnusedEsim, outcome: str) -> tuple[str, int]:
    esim = f"eSIM {profile.iccid or profile.esim_tran_no}"
    if outcome == services.Outcome.REFUNDED:
        amount = usd_text(profile.refund_amount_cents)
        return (
            f"{esim}: refunded, {amount} back to the eSIM Access balance; the customer is told "
            "by email.",
            messages.SUCCESS,
        )
    if outcome == services.Outcome.NOT_REFUNDABLE:
        return f"{esim}: not refundable. {profile.refund_error}", messages.WARNING
    if outcome == services.Outcome.FAILED:
        retry = (
            f"the job tries again after {profile.refund_retry_at:%Y-%m-%d %H:%M} UTC"
            if profile.refund_retry_at
            else "no tries left: check it at eSIM Access"
        )
        return f"{esim}: the cancel failed ({profile.refund_error}); {retry}.", messages.ERROR
    status = profile.get_refund_status_display().lower()
    return f"{esim}: settled meanwhile by a run of the job ({status}).", messages.INFO
