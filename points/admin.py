"""The points console: customers with their points and order figures, their ledger, the expiry
notices, and "Adjust points" — which goes through services.adjust (a new ledger row with its
reason) and the audit trail. Nothing here edits a figure or a ledger row directly."""

from __future__ import annotations

from functools import partial

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from accounts.audit import ReadOnlyModelAdmin, record_admin_action, record_admin_additions
from accounts.models import User
from hiroam.api.errors import DomainError
from points import selectors, services
from points.models import Customer, PointsExpiryNotice, PointsTransaction

LEDGER_ROWS = 20  # on a customer's page; the rest are one click away
EXPIRY_DAYS_SHOWN = 5
MAX_CUSTOMERS_ADJUSTED = 100  # one action, one reason: a goodwill gesture, not a migration
MAX_POINTS_ADJUSTED = 1_000_000


def _usd(cents: int) -> str:
    return f"${cents // 100:,}.{cents % 100:02d}"


class AdjustPointsForm(forms.Form):
    points = forms.IntegerField(
        min_value=-MAX_POINTS_ADJUSTED,
        max_value=MAX_POINTS_ADJUSTED,
        help_text="Positive adds points (they expire like earned ones), negative takes them away "
        "(never more than the customer has available).",
    )
    reason = forms.CharField(
        max_length=255,
        help_text="Why. Kept on the ledger row, in the audit trail, and shown to the customer.",
    )

    def clean_points(self) -> int:
        points = int(self.cleaned_data["points"])
        if points == 0:
            raise forms.ValidationError("Give a number of points other than 0.")
        return points


@admin.register(Customer)
class CustomerAdmin(ReadOnlyModelAdmin):
    list_display = (
        "email",
        "points_balance",
        "points_reserved",
        "available",
        "total_points_earned",
        "total_points_spent",
        "total_points_expired",
        "total_orders",
        "spent",
        "last_order_at",
    )
    search_fields = ("user__email",)
    list_select_related = ("user",)
    ordering = ("user__email",)
    actions = ("adjust_points",)
    fieldsets = (
        (None, {"fields": ("email", "preferred_currency", "email_notifications", "created_at")}),
        (
            "Points",
            {
                "fields": (
                    "points_balance",
                    "points_reserved",
                    "available",
                    "total_points_earned",
                    "total_points_spent",
                    "total_points_expired",
                    "upcoming_expiry",
                )
            },
        ),
        (
            "Orders",
            {"fields": ("total_orders", "spent", "first_order_at", "last_order_at")},
        ),
        ("Ledger (newest first)", {"fields": ("ledger",)}),
    )
    readonly_fields = (
        "email",
        "available",
        "spent",
        "upcoming_expiry",
        "ledger",
        "points_balance",
        "points_reserved",
        "total_points_earned",
        "total_points_spent",
        "total_points_expired",
        "total_orders",
        "first_order_at",
        "last_order_at",
        "preferred_currency",
        "email_notifications",
        "created_at",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Customer]:
        customers: QuerySet[Customer] = super().get_queryset(request)
        return customers.annotate(available_points=F("points_balance") - F("points_reserved"))

    def has_adjust_points_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("points.adjust_points")

    # ---- columns
    @admin.display(description="email", ordering="user__email")
    def email(self, customer: Customer) -> str:
        return customer.user.email

    @admin.display(description="available", ordering="available_points")
    def available(self, customer: Customer) -> int:
        return customer.points_available

    @admin.display(description="spent on orders", ordering="total_spent_cents")
    def spent(self, customer: Customer) -> str:
        return _usd(customer.total_spent_cents)

    # ---- the customer's page
    @admin.display(description="next expiries (UTC)")
    def upcoming_expiry(self, customer: Customer) -> str:
        days = selectors.expiring_points(user_id=customer.user_id, days=EXPIRY_DAYS_SHOWN)
        if not days:
            return "-"
        return format_html_join(
            ", ", "{} on {}", ((day.points, day.on.isoformat()) for day in days)
        )

    @admin.display(description="ledger")
    def ledger(self, customer: Customer) -> str:
        rows = list(
            selectors.ledger_for_customer(user_id=customer.user_id).select_related("created_by")[
                :LEDGER_ROWS
            ]
        )
        table = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
            "<td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    row.created_at.strftime("%Y-%m-%d %H:%M"),
                    row.get_kind_display(),
                    f"{row.points:+d}",
                    row.balance_after,
                    row.reason,
                    row.note or "",
                    row.order_id or "",
                    row.expires_at.date().isoformat() if row.expires_at else "",
                    row.created_by.email if row.created_by else "",
                )
                for row in rows
            ),
        )
        everything = reverse("admin:points_pointstransaction_changelist") + (
            f"?user={customer.user_id}"
        )
        return format_html(
            "<table><thead><tr><th>when</th><th>kind</th><th>points</th><th>balance after</th>"
            "<th>reason</th><th>note</th><th>order</th><th>expires</th><th>by</th></tr></thead>"
            '<tbody>{}</tbody></table><p><a href="{}">The whole ledger</a></p>',
            table,
            everything,
        )

    # ---- "Adjust points"
    @admin.action(description="Adjust points…", permissions=["adjust_points"])
    def adjust_points(
        self, request: HttpRequest, queryset: QuerySet[Customer]
    ) -> HttpResponse | None:
        customers = list(queryset.order_by("user__email")[: MAX_CUSTOMERS_ADJUSTED + 1])
        if len(customers) > MAX_CUSTOMERS_ADJUSTED:
            self.message_user(
                request,
                f"Adjust at most {MAX_CUSTOMERS_ADJUSTED} customers at once.",
                messages.ERROR,
            )
            return None
        form = AdjustPointsForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            self._adjust_each(
                request, customers, form.cleaned_data["points"], form.cleaned_data["reason"]
            )
            return None
        return TemplateResponse(
            request,
            "admin/points/customer/adjust_points.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": f"Adjust the points of {len(customers)} customer(s)",
                "form": form,
                "customers": customers,
            },
        )

    def _adjust_each(
        self, request: HttpRequest, customers: list[Customer], points: int, reason: str
    ) -> None:
        now = timezone.now()
        staff = request.user
        assert isinstance(staff, User)  # noqa: S101 (Admin views need a signed-in staff user)
        done = 0
        for customer in customers:
            try:
                with transaction.atomic():
                    # Locked first, so the audit's "before" is the balance the change applies to.
                    services.locked_profile(customer.user_id)
                    record_admin_action(
                        request,
                        Customer.objects.filter(pk=customer.pk),
                        action_name="adjust_points",
                        perform=partial(
                            services.adjust,
                            user_id=customer.user_id,
                            points=points,
                            note=reason,
                            by=staff,
                            now=now,
                        ),
                    )
                    row = PointsTransaction.objects.filter(
                        user_id=customer.user_id,
                        kind=PointsTransaction.Kind.ADJUSTED,
                        created_by=staff,
                        created_at=now,
                    ).latest("id")  # the row just written (the customer is still locked)
                    record_admin_additions(request, [row], action_name="adjust_points")
            except DomainError as error:
                self.message_user(
                    request, f"Not adjusted for {customer}: {error.message}", messages.ERROR
                )
                continue
            done += 1
        if done:
            self.message_user(
                request, f"{points:+,d} points for {done} customer(s), because: {reason}"
            )


@admin.register(PointsTransaction)
class PointsTransactionAdmin(ReadOnlyModelAdmin):
    """The ledger, read-only for everyone: a correction is a new row (Customers > Adjust)."""

    list_display = (
        "created_at",
        "customer",
        "kind",
        "points",
        "balance_after",
        "reason",
        "note",
        "order_id",
        "expires_at",
        "unused",
        "created_by",
    )
    list_filter = ("kind", "reason")
    search_fields = ("user__email", "order_id")
    list_select_related = ("user", "created_by")
    date_hierarchy = "created_at"

    @admin.display(description="customer", ordering="user__email")
    def customer(self, row: PointsTransaction) -> str:
        return row.user.email


@admin.register(PointsExpiryNotice)
class PointsExpiryNoticeAdmin(ReadOnlyModelAdmin):
    list_display = ("created_at", "customer", "expires_on", "points", "status", "sent_at")
    list_filter = ("status", "expires_on")
    search_fields = ("user__email",)
    list_select_related = ("user",)

    @admin.display(description="customer", ordering="user__email")
    def customer(self, notice: PointsExpiryNotice) -> str:
        return notice.user.email
