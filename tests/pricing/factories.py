from datetime import timedelta

import factory
from django.utils import timezone

from pricing.models import DiscountCode, DiscountCodeUsage, PriceSchedule


class DiscountCodeFactory(factory.django.DjangoModelFactory[DiscountCode]):
    """A live 10 % code without limits beyond one use per customer."""

    class Meta:
        model = DiscountCode

    code = factory.Sequence(lambda n: f"CODE{n}")
    name = factory.LazyAttribute(lambda discount: f"{discount.code} promotion")
    discount_type = DiscountCode.DiscountType.PERCENTAGE
    discount_value = 1_000
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))


class DiscountCodeUsageFactory(factory.django.DjangoModelFactory[DiscountCodeUsage]):
    class Meta:
        model = DiscountCodeUsage

    discount = factory.SubFactory(DiscountCodeFactory)
    discount_amount_cents = 100
    order_total_cents = 900


def live_schedule(package, **fields) -> PriceSchedule:
    """A discount schedule live from a day ago to a day ahead (10 % off unless told)."""
    now = timezone.now()
    terms = {
        "schedule_name": "Summer Sale",
        "discount_type": "percentage",
        "discount_value": 1_000,
        "starts_at": now - timedelta(days=1),
        "ends_at": now + timedelta(days=1),
    }
    return PriceSchedule.objects.create(package=package, **{**terms, **fields})
