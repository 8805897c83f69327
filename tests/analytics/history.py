"""The shop history the analytics tests share, with its figures worked out by hand: September
and October 2026 of a shop selling in USD and IDR."""

from __future__ import annotations

from typing import Any

from orders.models import EsimProfile, Order, OrderStatus, PaymentStatus, RefundStatus
from tests.analytics.shop import Line, at, checkout, first_touch, package, points, sign_up, touch


def september() -> dict[str, Any]:
    """What the shop had sold by the end of September 2026."""
    jp, th, eu = package("JP-5GB"), package("TH-3GB", "TH"), package("EU-10GB", "FR", "europe")
    tia = sign_up("tia@example.com", at("2026-09-01", 9))
    first_touch("tia@example.com", "newsletter", at("2026-09-01", 9))
    sign_up("bo@example.com", at("2026-09-10"))
    ana_first = checkout(
        Line(jp, quantity=2, unit=1000, product_discount=100),
        created=at("2026-09-05", 10),
        paid=at("2026-09-05", 11),
        source="google",
        installed=2,
    )
    idr = checkout(
        Line(eu, unit=150_000, code_share=15_000),
        created=at("2026-09-20"),
        paid=at("2026-09-20", 13),
        currency="IDR",
        user=tia,
        source="facebook",
        installed=1,
    )
    points(tia, 100, "earned", at("2026-09-20", 13), balance=100)
    return {"jp": jp, "th": th, "tia": tia, "ana_first": ana_first, "idr": idr}


def october(shop: dict[str, Any]) -> None:
    """October: Ana buys again (from a blog) and signs up, verifying her address (her guest
    orders join the account); Carl buys for the first time; Dan leaves a checkout unpaid;
    Tia's IDR order is refunded and its points clawed back; the eSIM of Ana's October order,
    never installed, is recovered by the 90-day job (dated early to keep the story short)."""
    jp, th = shop["jp"], shop["th"]
    ana_again = checkout(
        Line(th, unit=500),
        created=at("2026-10-02", 8),
        paid=at("2026-10-02", 9),
        referrer="blog.example",
    )
    checkout(
        Line(jp, unit=1000),
        Line(th, unit=500),
        created=at("2026-10-02", 15),
        paid=at("2026-10-02", 16),
        email="carl@example.com",
    )
    checkout(Line(jp), created=at("2026-10-02", 17), email="dan@example.com")
    ana = sign_up("ana@example.com", at("2026-10-04"))
    for order in (shop["ana_first"], ana_again):
        Order.objects.filter(pk=order.pk).update(user=ana)
        touch(order, at("2026-10-04"))
    idr = shop["idr"]
    Order.objects.filter(pk=idr.pk).update(
        status=OrderStatus.REFUNDED,
        payment_status=PaymentStatus.REFUNDED,
        refunded_at=at("2026-10-05", 10),
    )
    touch(idr, at("2026-10-05", 10))
    points(shop["tia"], -100, "reversed", at("2026-10-05", 10), balance=0)
    recovered = EsimProfile.objects.filter(order=ana_again).get()
    EsimProfile.objects.filter(pk=recovered.pk).update(
        refund_status=RefundStatus.REFUNDED,
        refunded_at=at("2026-10-06", 3),
        refund_amount_cents=180,
        updated_at=at("2026-10-06", 3),
    )
