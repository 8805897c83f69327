from datetime import timedelta

import factory
from django.utils import timezone

from pricing.models import (
    DiscountCode,
    DiscountCodeUsage,
    PriceExperiment,
    PriceSchedule,
    PriceVariant,
)


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


def running_experiment(*, packages=(), variants=None, **fields) -> PriceExperiment:
    """A running experiment (written straight to the tables, as a test's given) over `packages`
    (or `country_code=` / `region=`), with a control and, unless `variants` says otherwise, one
    variant 10 % lower, weighted 1:1. `variants` is a list of PriceVariant field dicts, the
    control first."""
    now = timezone.now()
    experiment = PriceExperiment.objects.create(
        name=fields.pop("name", "Japan price test"),
        status=fields.pop("status", PriceExperiment.Status.RUNNING),
        started_at=fields.pop("started_at", now - timedelta(days=1)),
        **fields,
    )
    experiment.packages.set(packages)
    for terms in variants or (
        {"name": "Control", "is_control": True},
        {"name": "10% lower", "adjustment": "percentage", "value": -1_000},
    ):
        PriceVariant.objects.create(experiment=experiment, **terms)
    return experiment
