"""The reporting layer's summaries, computed from a small shop history with figures worked
out by hand: money per currency per month with a refund netted on its own day, whole orders,
customers and cohorts, the funnel, the points and the 90-day recoveries; and a refresh that
picks up changes gives exactly what a rebuild from scratch gives."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection

from analytics import refresh
from analytics.models import RefreshState
from analytics.refresh import SUMMARY_TABLES
from orders.models import EsimProfile, Order
from retention.policy import POLICY
from tests.analytics import history
from tests.analytics.shop import Line, at, checkout, touch

pytestmark = pytest.mark.django_db


def rows(sql: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def snapshot() -> dict[str, list[tuple]]:
    """Every summary row, without ids, in a stable order."""
    tables = {}
    for table in SUMMARY_TABLES:
        columns = [
            column
            for (column,) in rows(
                "SELECT column_name FROM information_schema.columns "  # noqa: S608 (our names)
                f"WHERE table_name = '{table}' AND column_name <> 'id' ORDER BY column_name"
            )
        ]
        listed = ", ".join(columns)
        tables[table] = rows(f"SELECT {listed} FROM {table} ORDER BY {listed}")  # noqa: S608
    return tables


@pytest.fixture
def september():
    return history.september()


def october(shop):
    history.october(shop)


def test_a_refresh_after_changes_gives_what_a_rebuild_gives(september):
    first = refresh.refresh(now=at("2026-10-01", 0))
    assert first.rebuilt  # nothing summarised yet: the first refresh rebuilds
    october(september)

    outcome = refresh.refresh(now=at("2026-10-07", 0))

    assert not outcome.rebuilt
    # 2 October (sales) and 5 October (the refund); September's sales are as they were, even
    # though Ana's orders joined her account and Tia's was refunded.
    assert outcome.days == 2
    incremental = snapshot()
    refresh.rebuild(now=at("2026-10-07", 0))
    assert snapshot() == incremental
    state = RefreshState.objects.get()
    assert state.watermark == state.rebuilt_at == at("2026-10-07", 0)


def test_money_per_currency_per_month_with_the_refund_taken_back_on_its_day(september):
    october(september)
    refresh.rebuild(now=at("2026-10-07", 0))

    months = rows(
        "SELECT month, currency, sum(orders), sum(units), sum(gross_minor),"
        " sum(product_discount_minor), sum(code_discount_minor), sum(revenue_minor),"
        " sum(refunded_orders), sum(refunded_minor)"
        " FROM analytics_sales_month GROUP BY 1, 2 ORDER BY 1, 2"
    )
    assert months == [
        # Ana's 2 x $10.00 less $1.00 each; Tia's Rp 150.000 less the code's Rp 15.000.
        (date(2026, 9, 1), "IDR", 1, 1, 150_000, 0, 15_000, 135_000, 0, 0),
        (date(2026, 9, 1), "USD", 1, 2, 2000, 200, 0, 1800, 0, 0),
        # Tia's refund lowers October, the month it happened; September keeps its sale.
        (date(2026, 10, 1), "IDR", 0, 0, 0, 0, 0, 0, 1, 135_000),
        # Ana's $5.00 and Carl's $10.00 + $5.00 (his order counted once per package).
        (date(2026, 10, 1), "USD", 3, 3, 2000, 0, 0, 2000, 0, 0),
    ]
    orders = rows(
        "SELECT day, currency, source, orders, units, revenue_minor, refunded_orders,"
        " refunded_minor FROM analytics_orders_day ORDER BY 1, 2, 3"
    )
    assert orders == [
        (date(2026, 9, 5), "USD", "google", 1, 2, 1800, 0, 0),
        (date(2026, 9, 20), "IDR", "facebook", 1, 1, 135_000, 0, 0),
        (date(2026, 10, 2), "USD", "(direct)", 1, 2, 1500, 0, 0),
        (date(2026, 10, 2), "USD", "blog.example", 1, 1, 500, 0, 0),
        (date(2026, 10, 5), "IDR", "facebook", 0, 0, 0, 1, 135_000),
    ]


def test_customers_their_sources_and_the_cohort_table(september):
    october(september)
    refresh.rebuild(now=at("2026-10-07", 0))

    acquisition = rows(
        "SELECT day, currency, source, new_customers, repeat_customers, sign_ups,"
        " converted_sign_ups FROM analytics_acquisition_day ORDER BY 1, 2, 3"
    )
    assert acquisition == [
        # Tia signed up from the newsletter (her first touch) and bought in IDR.
        (date(2026, 9, 1), "IDR", "newsletter", 0, 0, 1, 1),
        # Ana (now one customer with her account): first bought from Google, and again.
        (date(2026, 9, 5), "USD", "google", 1, 1, 0, 0),
        # Bo signed up and never bought.
        (date(2026, 9, 10), "", "(direct)", 0, 0, 1, 0),
        (date(2026, 9, 20), "IDR", "newsletter", 1, 0, 0, 0),
        (date(2026, 10, 2), "USD", "(direct)", 1, 0, 0, 0),
        (date(2026, 10, 4), "USD", "google", 0, 0, 1, 1),
    ]
    cohorts = rows(
        "SELECT cohort, currency, months_after, customers FROM analytics_cohort_cell"
        " ORDER BY 1, 2, 3"
    )
    assert cohorts == [
        (date(2026, 9, 1), "IDR", 0, 1),
        (date(2026, 9, 1), "USD", 0, 1),
        (date(2026, 9, 1), "USD", 1, 1),  # Ana came back in October
        (date(2026, 10, 1), "USD", 0, 1),
    ]
    assert rows("SELECT count(*) FROM analytics_customer") == [(4,)]  # Ana, Tia, Bo, Carl


def test_funnel_points_and_recovered_esims(september):
    october(september)
    refresh.rebuild(now=at("2026-10-07", 0))

    assert rows(
        "SELECT day, currency, source, checkouts, paid, delivered, installed"
        " FROM analytics_funnel_day ORDER BY 1, 2, 3"
    ) == [
        (date(2026, 9, 5), "USD", "google", 1, 1, 1, 1),
        (date(2026, 9, 20), "IDR", "facebook", 1, 1, 1, 1),
        (date(2026, 10, 2), "USD", "(direct)", 2, 1, 1, 0),  # Carl paid, Dan did not
        (date(2026, 10, 2), "USD", "blog.example", 1, 1, 1, 0),
    ]
    assert rows("SELECT day, movement, points FROM analytics_points_day ORDER BY 1, 2") == [
        (date(2026, 9, 20), "issued", 100),
        (date(2026, 10, 5), "clawed_back", -100),
    ]
    assert rows("SELECT day, profiles, recovered_cents FROM analytics_esim_refund_day") == [
        (date(2026, 10, 6), 1, 180)
    ]


def test_a_refresh_with_nothing_new_changes_nothing(september):
    refresh.rebuild(now=at("2026-10-01", 0))
    before = snapshot()

    outcome = refresh.refresh(now=at("2026-10-01", 1))

    assert (outcome.days, outcome.customers) == (0, 0)
    assert snapshot() == before


def test_a_customer_whose_first_purchase_moves_earlier_leaves_the_day_it_was(september):
    """Tia bought signed in on 20 September; she had bought as a guest on 3 September with the
    same address. When she verifies it, that guest order joins her account: her first purchase
    is now 3 September, and 20 September no longer counts her as new."""
    guest_order = checkout(
        Line(september["jp"]),
        created=at("2026-09-03"),
        paid=at("2026-09-03", 13),
        email="tia@example.com",
    )
    refresh.refresh(now=at("2026-09-30"))
    assert rows("SELECT day FROM analytics_acquisition_day WHERE new_customers > 0") == [
        (date(2026, 9, 3),),  # the guest address
        (date(2026, 9, 5),),  # Ana
        (date(2026, 9, 20),),  # Tia's account
    ]
    Order.objects.filter(pk=guest_order.pk).update(user=september["tia"])
    touch(guest_order, at("2026-10-01"))

    refresh.refresh(now=at("2026-10-02"))

    assert rows(
        "SELECT day, currency, new_customers FROM analytics_acquisition_day"
        " WHERE new_customers > 0 ORDER BY day"
    ) == [(date(2026, 9, 3), "USD", 1), (date(2026, 9, 5), "USD", 1)]
    assert rows("SELECT cohort, currency, months_after, customers FROM analytics_cohort_cell") == [
        (date(2026, 9, 1), "USD", 0, 2)
    ]


def test_a_funnel_day_is_final_before_the_retention_policy_deletes_its_unpaid_checkouts(
    september,
):
    history.october(september)
    refresh.rebuild(now=at("2026-10-07", 0))
    funnel = "SELECT day, sum(checkouts) FROM analytics_funnel_day GROUP BY day ORDER BY day"
    before = rows(funnel)
    # 90 days on, the policy deletes Dan's unpaid checkout of 2 October.
    Order.objects.filter(customer_email="dan@example.com").delete()

    refresh.rebuild(now=at("2027-01-01", 0))

    assert rows(funnel) == before
    assert (date(2026, 10, 2), 3) in before


def test_the_funnel_is_final_before_unpaid_checkouts_go():
    [rule] = [rule for rule in POLICY if rule.key == "abandoned_unpaid_orders"]
    assert rule.after_days is not None
    assert timedelta(days=rule.after_days) > refresh.FUNNEL_FINAL_AFTER


def test_an_esim_installed_after_a_refresh_moves_its_checkout_down_the_funnel(september):
    history.october(september)
    refresh.refresh(now=at("2026-10-07"))
    installed = "SELECT sum(installed) FROM analytics_funnel_day WHERE day = '2026-10-02'"
    assert rows(installed) == [(0,)]
    EsimProfile.objects.filter(order__customer_email="carl@example.com").update(
        smdp_status="installed", installed_at=at("2026-10-08"), updated_at=at("2026-10-08")
    )

    refresh.refresh(now=at("2026-10-08", 1))

    assert rows(installed) == [(1,)]  # Carl's checkout of 2 October
