"""An experiment's figures per variant, checked against an example worked out by hand."""

import uuid
from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pricing.experiments.metrics import experiment_figures
from pricing.experiments.statistics import Arm, compare
from pricing.models import ExperimentConversion, ExperimentVariantDay, PriceVariant
from tests.catalog.factories import PackageFactory
from tests.pricing.factories import running_experiment

PAID_AT = datetime(2026, 12, 1, 12, tzinfo=UTC)


def test_the_two_proportion_test_on_a_worked_example():
    # Control 50 of 1,000 visitors bought (5 %), the variant 70 of 1,000 (7 %).
    # Pooled rate 120 / 2,000 = 0.06; standard error sqrt(0.06 x 0.94 x (1/1000 + 1/1000))
    # = 0.0106207; z = 0.02 / 0.0106207 = 1.8831; two-sided p = erfc(1.8831 / sqrt 2) = 0.0597.
    # Unpooled error sqrt(0.05 x 0.95 / 1000 + 0.07 x 0.93 / 1000) = 0.0106113; 95 % interval
    # 0.02 +- 1.96 x 0.0106113 = [-0.0008, 0.0408]; relative to 5 %: [-1.6 %, +81.6 %].
    result = compare(Arm(1_000, 50), Arm(1_000, 70))

    assert result.difference == pytest.approx(0.02)
    assert result.z == pytest.approx(1.883109, abs=1e-6)
    assert result.p_value == pytest.approx(0.059686, abs=1e-6)
    assert result.difference_low == pytest.approx(-0.000798, abs=1e-6)
    assert result.difference_high == pytest.approx(0.040798, abs=1e-6)
    assert result.uplift == pytest.approx(0.40)
    assert (result.uplift_low, result.uplift_high) == (
        pytest.approx(-0.015956, abs=1e-6),
        pytest.approx(0.815956, abs=1e-6),
    )
    assert result.is_large_enough and not result.is_significant  # the interval holds 0

    # Ten times the visitors at the same rates: now it is significant.
    assert compare(Arm(10_000, 500), Arm(10_000, 700)).is_significant


@pytest.mark.parametrize(
    ("control", "variant"),
    [(Arm(99, 20), Arm(1_000, 70)), (Arm(1_000, 9), Arm(1_000, 70)), (Arm(0, 0), Arm(0, 0))],
)
def test_too_few_visitors_or_conversions_is_too_small_to_decide(control, variant):
    result = compare(control, variant)
    assert not result.is_large_enough
    assert not result.is_significant


def _conversions(variant, visitors, *, price_cents, refunded=()):
    """One $`price_cents` order per visitor named (twice for a visitor named twice)."""
    ExperimentConversion.objects.bulk_create(
        ExperimentConversion(
            experiment_id=variant.experiment_id,
            variant=variant,
            visitor=visitor,
            order_id=uuid.uuid4(),
            revenue_minor=price_cents,
            units=1,
            converted_at=PAID_AT,
            reversed_at=PAID_AT if visitor in refunded else None,
        )
        for visitor in visitors
    )


@pytest.mark.django_db
def test_the_figures_per_variant_match_the_example():
    experiment = running_experiment(packages=[PackageFactory.create()])
    control = PriceVariant.objects.get(experiment=experiment, is_control=True)
    lower = PriceVariant.objects.get(experiment=experiment, is_control=False)
    ExperimentVariantDay.objects.bulk_create(
        [
            ExperimentVariantDay(variant=control, day=date(2026, 12, 1), visitors=600, views=900),
            ExperimentVariantDay(variant=control, day=date(2026, 12, 2), visitors=400, views=500),
            ExperimentVariantDay(variant=lower, day=date(2026, 12, 1), visitors=1_000, views=1_600),
        ]
    )
    # Control: 50 buyers of a $10.00 order, and a refunded one that no longer counts.
    buyers = [f"g:c{n}" for n in range(50)]
    _conversions(control, [*buyers, "g:refund"], price_cents=1_000, refunded={"g:refund"})
    # 10 % lower: 70 buyers of a $9.00 order, one of whom came back for a second.
    _conversions(lower, [*(f"g:v{n}" for n in range(70)), "g:v0"], price_cents=900)

    with CaptureQueriesContext(connection) as captured:
        figures = experiment_figures(experiment)
    assert len(captured) == 3

    first, second = figures.variants
    assert first.is_control and first.comparison is None
    assert (first.visitors, first.views, first.converted_visitors, first.orders) == (
        1_000,
        1_400,
        50,
        50,
    )
    assert (first.revenue_cents, first.revenue_per_visitor_cents, first.average_order_cents) == (
        50_000,
        50,
        1_000,
    )
    assert first.conversion_rate == pytest.approx(0.05)
    assert (second.visitors, second.views, second.converted_visitors, second.orders) == (
        1_000,
        1_600,
        70,
        71,
    )
    # $639.00 from 1,000 visitors: 63.9 cents, half up to 64; 71 orders: $9.00 each.
    assert (second.revenue_cents, second.revenue_per_visitor_cents, second.average_order_cents) == (
        63_900,
        64,
        900,
    )
    assert second.comparison is not None
    assert second.comparison.p_value == pytest.approx(0.059686, abs=1e-6)
    assert second.revenue_per_visitor_uplift(first) == pytest.approx(0.278)  # 63.9 / 50 - 1
    assert figures.is_large_enough
