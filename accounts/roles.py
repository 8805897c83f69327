"""Staff roles (plan section 12.2), declared once here and applied by `manage.py setup_roles`.

Each role is a Django group holding model permissions; a staff user sees in Admin exactly the
models their groups allow. Later apps add their permissions to the role that manages them.
Permissions are named "app_label.codename"; an unknown one stops `setup_roles` with an error.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Role:
    name: str
    description: str
    permissions: frozenset[str]


def _crud(
    app_label: str, *models: str, actions: tuple[str, ...] = ("view", "add", "change", "delete")
) -> frozenset[str]:
    return frozenset(f"{app_label}.{action}_{model}" for model in models for action in actions)


MANAGE_PACKAGES = Role(
    "Package managers",
    "Edit packages, base prices, price schedules and availability; start a catalogue sync; "
    "run price experiments and apply their winners.",
    _crud("catalog", "esimpackage", actions=("view", "change"))
    | _crud("catalog", "syncrun", actions=("view",))
    | _crud("pricing", "packageprice", actions=("view", "change"))
    | _crud("pricing", "priceschedule", "regionalprice")
    | _crud("pricing", "exchangerate", actions=("view", "add"))
    | _crud("pricing", "pricehistory", actions=("view",))
    | _crud("pricing", "priceexperiment", "pricevariant"),
)
MANAGE_DISCOUNTS = Role(
    "Discount managers",
    "Create and edit promo codes; see their usage.",
    _crud("pricing", "discountcode") | _crud("pricing", "discountcodeusage", actions=("view",)),
)
MANAGE_ORDERS = Role(
    "Order managers",
    "View and update orders, eSIM profiles and refunds; watch the 90-day refund job, run it "
    "and refund an unused eSIM now.",
    _crud("orders", "order", "webhooklog", "fulfilmentdrift", actions=("view", "change"))
    | _crud("orders", "orderitem", "emaillog", "esimprofile", actions=("view",))
    | _crud("refunds", "refundmonitor", "refundrun", "unusedesim", actions=("view",))
    | frozenset({"refunds.run_refund_job", "refunds.refund_now"}),
)
# The dashboard shows the whole shop's revenue: only those who run the business read it
# (analysts, admins, super admins), not the roles that edit packages, codes, orders or users.
VIEW_ANALYTICS = Role(
    "Analysts",
    "Read the analytics dashboard.",
    frozenset({"analytics.view_analytics"}),
)
# Customers' points: seen (figures, ledger, expiry notices) and corrected with a reason.
_CUSTOMER_POINTS = _crud(
    "points", "customer", "pointstransaction", "pointsexpirynotice", actions=("view",)
) | frozenset({"points.adjust_points"})

MANAGE_USERS = Role(
    "User managers",
    "Manage customer and staff accounts, give staff their roles, and see and adjust customers' "
    "points.",
    _crud("accounts", "user") | _crud("auth", "group", actions=("view",)) | _CUSTOMER_POINTS,
)
_OPERATIONS = (
    _crud("accounts", "adminauditentry", actions=("view",))
    | _crud("django_celery_beat", "periodictask", actions=("view", "change"))
    | _crud("django_celery_beat", "intervalschedule", "crontabschedule", actions=("view",))
    # The retention policy page (and running it) and its runs.
    | _crud("retention", "retentionpolicy", "retentionrun", actions=("view",))
    | frozenset({"retention.apply_retention"})
)

ADMIN = Role(
    "Admins",
    "Everything a shop admin does: packages, prices, discounts, orders, customers' points, "
    "analytics, the audit trail, pausing periodic jobs and the data retention policy.",
    MANAGE_PACKAGES.permissions
    | MANAGE_DISCOUNTS.permissions
    | MANAGE_ORDERS.permissions
    | VIEW_ANALYTICS.permissions
    | _CUSTOMER_POINTS
    | _OPERATIONS,
)
SUPER_ADMIN = Role(
    "Super admins",
    "All an admin does, plus user and role management.",
    ADMIN.permissions | MANAGE_USERS.permissions | _crud("auth", "group"),
)

# Roles with Admin-wide power. Only a superuser may grant them, and only a superuser may edit,
# reset the password of or delete a superuser or a member of one (accounts.admin enforces it),
# so a user manager cannot promote themselves or take over a more powerful account.
SUPERUSER_GRANTED_ROLES: tuple[Role, ...] = (ADMIN, SUPER_ADMIN)

ROLES: tuple[Role, ...] = (
    MANAGE_PACKAGES,
    MANAGE_DISCOUNTS,
    MANAGE_ORDERS,
    VIEW_ANALYTICS,
    MANAGE_USERS,
    ADMIN,
    SUPER_ADMIN,
)
