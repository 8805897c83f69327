"""The reporting layer: summary tables the dashboard reads, derived from orders, eSIM profiles,
the points ledger and customers by analytics.refresh, in SQL. Never edited by hand: a refresh
recomputes whole days (or customers), a rebuild recomputes everything, and both give the same
rows.

Money stays in the minor units of its currency (`currency` says which: USD cents, whole
rupiah for IDR), never converted, never added across currencies. Days are UTC dates. A
sale counts on the day it was paid; its refund takes it back on the day it was refunded, so
the figures of a closed day change only by late data, never by a later refund.

`source` is where the order came from: its utm_source, else its referring host, else
"(direct)". Packages are kept by id without a foreign key: a summary row outlives nothing it
points at, and rebuilding never has to respect a constraint.
"""

from __future__ import annotations

from django.db import models


class SaleFigures(models.Model):
    """What a sales summary sums, by day or by month."""

    orders = models.IntegerField(default=0)
    units = models.IntegerField(default=0)
    gross_minor = models.BigIntegerField(default=0, help_text="List price x units.")
    product_discount_minor = models.BigIntegerField(default=0)
    code_discount_minor = models.BigIntegerField(default=0)
    points_discount_minor = models.BigIntegerField(default=0)
    revenue_minor = models.BigIntegerField(default=0, help_text="What customers paid.")
    refunded_orders = models.IntegerField(default=0)
    refunded_units = models.IntegerField(default=0)
    refunded_minor = models.BigIntegerField(default=0)

    class Meta:
        abstract = True


class SalesDay(SaleFigures):
    """Sales of one package, in one currency, from one source, on one day (UTC). `orders`
    counts paid orders holding the package; the refunded_* columns are what refunds took
    back that day (of sales made on any day)."""

    day = models.DateField()
    currency = models.CharField(max_length=3)
    package_id = models.UUIDField()
    source = models.CharField(max_length=255)

    class Meta:
        db_table = "analytics_sales_day"
        constraints = [
            models.UniqueConstraint(
                fields=["day", "currency", "package_id", "source"], name="sales_day_once"
            )
        ]
        # A schedule's package over its run and the days before it (the promotions page).
        indexes = [
            models.Index(fields=["package_id", "currency", "day"], name="sales_day_by_package")
        ]


class SalesMonth(SaleFigures):
    """SalesDay summed by calendar month and package (every source together): a year's
    report by package reads twelve months of these rather than a year of days (the edges of a
    range that cuts a month read days)."""

    month = models.DateField(help_text="The first day of the month.")
    currency = models.CharField(max_length=3)
    package_id = models.UUIDField()

    class Meta:
        db_table = "analytics_sales_month"
        constraints = [
            models.UniqueConstraint(
                fields=["month", "currency", "package_id"], name="sales_month_once"
            )
        ]


class OrdersDay(models.Model):
    """Whole orders (not lines) in one currency from one source on one day: what an order
    count, an average order value and items per order are made of."""

    day = models.DateField()
    currency = models.CharField(max_length=3)
    source = models.CharField(max_length=255)
    orders = models.IntegerField(default=0, help_text="Paid that day.")
    units = models.IntegerField(default=0)
    revenue_minor = models.BigIntegerField(default=0)
    discount_minor = models.BigIntegerField(default=0)
    refunded_orders = models.IntegerField(default=0, help_text="Refunded that day.")
    refunded_units = models.IntegerField(default=0)
    refunded_minor = models.BigIntegerField(default=0)

    class Meta:
        db_table = "analytics_orders_day"
        constraints = [
            models.UniqueConstraint(fields=["day", "currency", "source"], name="orders_day_once")
        ]


class FunnelDay(models.Model):
    """The checkouts created on one day and how far they have got since: paid, eSIMs
    delivered, at least one eSIM installed (as of the last refresh)."""

    day = models.DateField()
    currency = models.CharField(max_length=3)
    source = models.CharField(max_length=255)
    checkouts = models.IntegerField(default=0)
    paid = models.IntegerField(default=0)
    delivered = models.IntegerField(default=0)
    installed = models.IntegerField(default=0)

    class Meta:
        db_table = "analytics_funnel_day"
        constraints = [
            models.UniqueConstraint(fields=["day", "currency", "source"], name="funnel_day_once")
        ]


class PromotionDay(models.Model):
    """Sales made under a price schedule (one package's) or with a promo code, per day and
    currency: one row per (schedule, code) pair seen, either of which may be absent."""

    day = models.DateField()
    currency = models.CharField(max_length=3)
    schedule_id = models.UUIDField(null=True)
    discount_code_id = models.UUIDField(null=True)
    orders = models.IntegerField(default=0)
    units = models.IntegerField(default=0)
    revenue_minor = models.BigIntegerField(default=0)
    product_discount_minor = models.BigIntegerField(default=0)
    code_discount_minor = models.BigIntegerField(default=0)
    refunded_units = models.IntegerField(default=0)
    refunded_minor = models.BigIntegerField(default=0)

    class Meta:
        db_table = "analytics_promotion_day"
        constraints = [
            models.UniqueConstraint(
                fields=["day", "currency", "schedule_id", "discount_code_id"],
                name="promotion_day_once",
                nulls_distinct=False,
            )
        ]


class Customer(models.Model):
    """One customer as the reports count them: a signed-in account (`key` is its user id)
    or, for guests, an email address (`key` is an MD5 of it: no address is kept here) — guest
    orders join the account when the customer verifies the address. `source` is where the
    customer first came from."""

    key = models.CharField(max_length=64, unique=True)
    registered_on = models.DateField(null=True, help_text="Signed up (accounts only).")
    first_paid_on = models.DateField(null=True)
    second_paid_on = models.DateField(null=True)
    first_currency = models.CharField(max_length=3, blank=True)
    source = models.CharField(max_length=255)
    paid_orders = models.IntegerField(default=0)

    class Meta:
        db_table = "analytics_customer"
        indexes = [
            models.Index(fields=["first_paid_on"], name="customer_by_first_purchase"),
            models.Index(fields=["registered_on"], name="customer_by_sign_up"),
        ]


class CustomerMonth(models.Model):
    """A customer's paid orders in one calendar month: the activity a cohort table counts,
    with the customer's cohort (month and currency of their first purchase) beside it, so a
    cell of the table is one index range."""

    key = models.CharField(max_length=64)
    month = models.DateField()
    orders = models.IntegerField()
    cohort = models.DateField()
    currency = models.CharField(max_length=3)

    class Meta:
        db_table = "analytics_customer_month"
        constraints = [models.UniqueConstraint(fields=["key", "month"], name="customer_month_once")]
        indexes = [
            models.Index(fields=["cohort", "currency", "month"], name="customer_month_by_cell")
        ]


class AcquisitionDay(models.Model):
    """Per day, currency (of the first purchase) and first-touch source: customers whose
    first purchase was that day and how many of them bought again since; accounts signed up
    that day and how many of them have bought since."""

    day = models.DateField()
    currency = models.CharField(max_length=3)
    source = models.CharField(max_length=255)
    new_customers = models.IntegerField(default=0)
    repeat_customers = models.IntegerField(default=0)
    sign_ups = models.IntegerField(default=0)
    converted_sign_ups = models.IntegerField(default=0)

    class Meta:
        db_table = "analytics_acquisition_day"
        constraints = [
            models.UniqueConstraint(
                fields=["day", "currency", "source"], name="acquisition_day_once"
            )
        ]


class CohortCell(models.Model):
    """Customers who first bought in `cohort` (a month, in `currency`) and bought again
    `months_after` months later (0: the first month itself)."""

    cohort = models.DateField()
    currency = models.CharField(max_length=3)
    months_after = models.IntegerField()
    customers = models.IntegerField()

    class Meta:
        db_table = "analytics_cohort_cell"
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "currency", "months_after"], name="cohort_cell_once"
            )
        ]


class EsimRefundDay(models.Model):
    """Unused eSIMs cancelled by the 90-day job on one day and the provider cost recovered
    (USD cents: what eSIM Access gives back)."""

    day = models.DateField(unique=True)
    profiles = models.IntegerField(default=0)
    recovered_cents = models.BigIntegerField(default=0)

    class Meta:
        db_table = "analytics_esim_refund_day"


class PointsDay(models.Model):
    """The points ledger summed per day and movement: issued (earned, and positive
    adjustments), spent, expired, clawed back (reversals that take points), returned
    (reversals that give spent points back) and taken by adjustments."""

    day = models.DateField()
    movement = models.CharField(max_length=20)
    points = models.BigIntegerField(help_text="Signed, as in the ledger.")

    class Meta:
        db_table = "analytics_points_day"
        constraints = [models.UniqueConstraint(fields=["day", "movement"], name="points_day_once")]


class RefreshState(models.Model):
    """The one row that says up to when the summaries are current."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    refreshed_at = models.DateTimeField(null=True)
    watermark = models.DateTimeField(null=True, help_text="Source rows changed before are in.")
    rebuilt_at = models.DateTimeField(null=True)
    last_duration_ms = models.IntegerField(default=0)
    last_days = models.IntegerField(default=0, help_text="Days recomputed by the last refresh.")

    class Meta:
        db_table = "analytics_refresh_state"


class Analytics(models.Model):
    """No table: the permission that opens the Analytics section of Admin."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_analytics", "Can view analytics")]
