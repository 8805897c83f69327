"""Price experiments in a customer's data rights: what their account was shown is in their
export; erasure deletes it and leaves the experiment's figures counting them as one anonymous
visitor."""

import uuid
from datetime import date

import pytest
from django.utils import timezone

from accounts.data_rights import erase_customer
from pricing.experiments.metrics import experiment_figures
from pricing.models import ExperimentAssignment, ExperimentConversion, ExperimentView
from tests.catalog.factories import PackageFactory
from tests.pricing.factories import running_experiment

pytestmark = pytest.mark.django_db
EXPORT = "/api/v1/me/export"


@pytest.fixture
def seen(customer):
    """The customer's account in an experiment's variant: a view and two paid orders; and a
    guest in it too."""
    experiment = running_experiment(packages=[PackageFactory.create()], name="Japan test")
    lower = experiment.variants.get(is_control=False)
    for visitor in (f"u:{customer.pk}", "g:someone-else-000000"):
        ExperimentAssignment.objects.create(experiment=experiment, variant=lower, visitor=visitor)
        ExperimentView.objects.create(
            experiment=experiment, variant=lower, visitor=visitor, day=date(2026, 12, 1)
        )
    for visitor in (f"u:{customer.pk}", f"u:{customer.pk}", "g:someone-else-000000"):
        ExperimentConversion.objects.create(
            experiment=experiment,
            variant=lower,
            visitor=visitor,
            order_id=uuid.uuid4(),
            revenue_minor=900,
            units=1,
            converted_at=timezone.now(),
        )
    return experiment


def test_the_export_says_which_prices_the_account_was_shown(signed_in_client, seen):
    exported = signed_in_client.get(EXPORT).json()["data"]["price_experiments"]

    assert [(v["experiment"], v["variant"]) for v in exported["variants"]] == [
        ("Japan test", "10% lower")
    ]
    assert exported["days_shown_experiment_prices"] == ["2026-12-01"]
    assert [order["revenue_minor"] for order in exported["orders_counted"]] == [900, 900]


def test_erasure_forgets_the_account_and_keeps_the_figures(customer, seen):
    before = experiment_figures(seen).variants[1]

    erase_customer(user_id=customer.pk, requested_by=None, now=timezone.now())

    mine = f"u:{customer.pk}"
    assert not ExperimentAssignment.objects.filter(visitor=mine).exists()
    assert not ExperimentView.objects.filter(visitor=mine).exists()
    assert not ExperimentConversion.objects.filter(visitor=mine).exists()
    assert ExperimentAssignment.objects.filter(visitor="g:someone-else-000000").exists()
    after = experiment_figures(seen).variants[1]
    assert (
        (after.converted_visitors, after.orders, after.revenue_cents)
        == (
            before.converted_visitors,
            before.orders,
            before.revenue_cents,
        )
        == (2, 3, 2_700)
    )
