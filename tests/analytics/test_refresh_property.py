"""Whatever happens between two refreshes (payments, refunds late or early, returning
customers, accounts joining guest orders, sign-ups, ledger rows, eSIMs recovered), the
refresh leaves the summaries exactly as a rebuild from scratch would."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import refresh
from orders.models import EsimProfile, Order, OrderStatus, PaymentStatus, RefundStatus
from tests.analytics.shop import Line, at, checkout, package, points, sign_up, touch
from tests.analytics.test_refresh import snapshot

pytestmark = pytest.mark.django_db

START = at("2026-09-01", 0)
CUTOVER = at("2026-09-21", 0)  # the first refresh; everything after it is "new"
END = at("2026-10-11", 0)
EMAILS = ("ana@example.com", "bo@example.com", "cy@example.com")

moments = st.integers(0, 40 * 24 - 1).map(lambda hours: START + timedelta(hours=hours))
orders = st.fixed_dictionaries(
    {
        "created": moments,
        "pays_after_hours": st.none() | st.integers(0, 48),
        "refunds_after_days": st.none() | st.integers(0, 15),
        "currency": st.sampled_from(("USD", "IDR")),
        "email": st.sampled_from(EMAILS),
        "signed_in": st.booleans(),
        "source": st.sampled_from(("", "google", "newsletter")),
        "lines": st.lists(
            st.tuples(st.integers(0, 2), st.integers(1, 3), st.integers(100, 2000)),
            min_size=1,
            max_size=3,
        ),
        "installed": st.integers(0, 2),
        "recovered_after_days": st.none() | st.integers(0, 30),
    }
)


def _at_most(moment: datetime | None, limit: datetime) -> datetime | None:
    return moment if moment is not None and moment <= limit else None


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    history=st.lists(orders, max_size=12),
    joins_at=st.none() | moments,
    joining=st.sampled_from(EMAILS[:2]),
)
def test_refresh_equals_rebuild(history, joins_at, joining):
    with transaction.atomic():
        packages = [package(f"P{n}", ("JP", "TH", "FR")[n]) for n in range(3)]
        ana = sign_up("ana@example.com", START)
        placed = []
        for terms in history:
            paid = terms["created"] + timedelta(hours=terms["pays_after_hours"] or 0)
            paid = paid if terms["pays_after_hours"] is not None else None
            refunded = (
                paid + timedelta(days=terms["refunds_after_days"])
                if paid and terms["refunds_after_days"] is not None
                else None
            )
            signed_in = terms["signed_in"] and terms["email"] == ana.email
            # As the shop stood at the cutover: what came later has not happened yet.
            if terms["created"] > CUTOVER:
                continue
            order = checkout(
                *(
                    Line(packages[index], quantity=quantity, unit=unit)
                    for index, quantity, unit in terms["lines"]
                ),
                created=terms["created"],
                paid=_at_most(paid, CUTOVER),
                refunded=_at_most(refunded, CUTOVER),
                currency=terms["currency"],
                email=terms["email"],
                user=ana if signed_in else None,
                source=terms["source"],
                installed=terms["installed"],
            )
            placed.append((order, paid, refunded, terms))
            if signed_in and paid and paid <= CUTOVER:
                points(ana, 10, "earned", paid, balance=10)
        refresh.rebuild(now=CUTOVER)

        # What happened after the cutover, to the orders above and new ones.
        for order, paid, refunded, _terms in placed:
            if paid and paid > CUTOVER:
                Order.objects.filter(pk=order.pk).update(
                    paid_at=paid,
                    status=OrderStatus.COMPLETED,
                    payment_status=PaymentStatus.COMPLETED,
                )
                touch(order, paid)
            if refunded and refunded > CUTOVER:
                Order.objects.filter(pk=order.pk).update(
                    refunded_at=refunded, status=OrderStatus.REFUNDED
                )
                touch(order, refunded)
        for order, paid, _refunded, terms in placed:
            if paid and terms["recovered_after_days"] is not None:
                when = CUTOVER + timedelta(days=terms["recovered_after_days"] % 20)
                EsimProfile.objects.filter(order=order, installed_at__isnull=True).update(
                    refund_status=RefundStatus.REFUNDED,
                    refunded_at=when,
                    refund_amount_cents=150,
                    updated_at=when,
                )
        for terms in history:
            if terms["created"] > CUTOVER:
                paid = (
                    terms["created"] + timedelta(hours=terms["pays_after_hours"])
                    if terms["pays_after_hours"] is not None
                    else None
                )
                checkout(
                    *(Line(packages[i], quantity=q, unit=u) for i, q, u in terms["lines"]),
                    created=terms["created"],
                    paid=paid,
                    currency=terms["currency"],
                    email=terms["email"],
                    source=terms["source"],
                )
        if joins_at and joins_at > CUTOVER:
            # A guest's address is verified: its guest orders join the account (Ana's, which
            # may have orders of its own, or a new one of Bo's).
            account = ana if joining == ana.email else sign_up(joining, joins_at)
            for order in Order.objects.filter(customer_email=joining, user=None):
                Order.objects.filter(pk=order.pk).update(user=account)
                touch(order, joins_at)
        sign_up("late@example.com", END - timedelta(hours=1))

        refresh.refresh(now=END)
        incremental = snapshot()
        refresh.rebuild(now=END)
        assert snapshot() == incremental
        transaction.set_rollback(True)
