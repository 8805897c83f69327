from typing import Any

import factory

from catalog.models import EsimPackage
from hiroam.integrations.esim_access.results import ProviderPackage


def provider_package(code: str, **wire: Any) -> ProviderPackage:
    """A package as eSIM Access describes it (wire field names, 1/10000 USD)."""
    country = wire.pop("country", "JP")
    raw = {
        "packageCode": code,
        "slug": f"{country}_{code}",
        "name": f"{country} plan {code}",
        "price": 18_000,
        "retailPrice": 30_000,
        "volume": 5 * 1024**3,
        "duration": 30,
        "durationUnit": "DAY",
        "location": country,
        "locationCode": country,
        "dataType": 1,
        "supportTopUpType": 2,
        "locationNetworkList": [
            {
                "locationCode": country,
                "locationName": f"Country {country}",
                "operatorList": [{"operatorName": "Op", "networkType": "4G"}],
            }
        ],
        **wire,
    }
    return ProviderPackage.from_wire(raw)


class PackageFactory(factory.django.DjangoModelFactory[EsimPackage]):
    class Meta:
        model = EsimPackage

    package_code = factory.Sequence(lambda n: f"PKG{n:05d}")
    slug = factory.LazyAttribute(lambda package: package.package_code.lower())
    name = factory.Sequence(lambda n: f"Japan {n}GB 30 days")
    volume_bytes = 5 * 1024**3
    duration = 30
    location_codes = factory.LazyFunction(lambda: ["JP"])
    location_names = factory.LazyFunction(lambda: {"JP": "Japan"})
    coverage = "single"
    region = "asia"
    auto_category = "asia"
    provider_price_units = 18_000
    base_price_cents = 180
    price_usd_cents = 300
    price_idr = 48_000
