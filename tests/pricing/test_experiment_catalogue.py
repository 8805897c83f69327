"""The catalogue sorts and filters by the price each visitor is shown: an experiment's variant
moves its packages in a price sort and across a price limit, for its visitors only."""

from typing import Any

import pytest
from django.utils import timezone

from pricing.experiments.live import live_experiments
from tests.catalog.factories import PackageFactory
from tests.pricing.factories import running_experiment

pytestmark = pytest.mark.django_db
LIST = "/api/v1/packages"


def _visitor_on(variant_name: str) -> str:
    (experiment,) = live_experiments(timezone.now())
    return next(
        guest
        for n in range(1_000)
        if experiment.variant_for(f"g:{(guest := f'catalogue-{n:012d}')}").name == variant_name
    )


def _codes(client, visitor, **query):
    headers = {"HTTP_X_VISITOR_ID": visitor} if visitor else {}
    answer = client.get(LIST, query, **headers).json()["data"]
    return [(p["package_code"], p["pricing"]["finalPrice"]) for p in answer["packages"]]


@pytest.mark.parametrize("coverage", ["named", "country", "region"])
def test_a_variant_reorders_and_refilters_its_packages_for_its_visitors_only(client, coverage):
    tokyo = PackageFactory.create(
        package_code="JP-10", price_usd_cents=1_000, location_codes=["JP"], region="asia"
    )
    osaka = PackageFactory.create(
        package_code="JP-950", price_usd_cents=950, location_codes=["JP"], region="asia"
    )
    PackageFactory.create(
        package_code="FR-920", price_usd_cents=920, location_codes=["FR"], region="europe"
    )
    covers: dict[str, dict[str, Any]] = {
        "named": {"packages": [tokyo, osaka]},
        "country": {"country_code": "JP"},
        "region": {"region": "asia"},
    }
    running_experiment(
        **covers[coverage],
        variants=[
            {"name": "Control", "is_control": True},
            {"name": "15% lower", "adjustment": "percentage", "value": -1_500},
        ],
    )
    lower, control = _visitor_on("15% lower"), _visitor_on("Control")

    # 15 % off: $10.00 -> $8.50; of $9.50 it is $1.425, rounded to $1.43 off: $8.07. Paris is
    # not in it.
    assert _codes(client, lower, sort="price") == [
        ("JP-950", 807),
        ("JP-10", 850),
        ("FR-920", 920),
    ]
    assert sorted(_codes(client, lower, max_price=900)) == [("JP-10", 850), ("JP-950", 807)]
    # The control's visitors see, sort and filter by the normal prices.
    assert _codes(client, control, sort="price") == [
        ("FR-920", 920),
        ("JP-950", 950),
        ("JP-10", 1_000),
    ]
    assert _codes(client, control, max_price=900) == []
    assert _codes(client, None, max_price=900) == []


def test_an_experiment_over_every_package_moves_every_price_for_its_visitors(client):
    for code, cents in (("JP-10", 1_000), ("FR-920", 920), ("US-700", 700)):
        PackageFactory.create(package_code=code, price_usd_cents=cents)
    running_experiment(
        covers_everything=True,
        variants=[
            {"name": "Control", "is_control": True},
            {"name": "$2.50 more", "adjustment": "fixed", "value": 250},
        ],
    )
    higher = _visitor_on("$2.50 more")

    assert _codes(client, higher, sort="-price") == [
        ("JP-10", 1_250),
        ("FR-920", 1_170),
        ("US-700", 950),
    ]
    assert _codes(client, higher, max_price=1_000) == [("US-700", 950)]
