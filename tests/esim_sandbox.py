"""The eSIM Access sandbox for tests, over real HTTP (a live server): the provider fixture,
its real package codes, and eSIMs ordered and delivered through the product's own services."""

import pytest
from django.utils import timezone

from hiroam.integrations.esim_access import esim_access_client
from hiroam.sandbox.esim_access import account_for
from orders.models import OrderItem
from tests.catalog.factories import PackageFactory
from tests.orders.factories import paid_order


@pytest.fixture
def provider(live_server, settings):
    settings.ESIM_API_URL = f"{live_server.url}/sandbox/esim-access"
    settings.SANDBOX_ESIM_ALLOCATION_SECONDS = 0
    settings.SANDBOX_TIMEOUT_FAULT_SECONDS = 1.5
    settings.PROVIDER_READ_TIMEOUT_SECONDS = 1.0
    esim_access_client.cache_clear()
    yield account_for(settings.ESIM_ACCESS_CODE)
    esim_access_client.cache_clear()


def paid_order_of(*quantities):
    order = paid_order(fulfilment_requested_at=timezone.now())
    for quantity in quantities:
        package = PackageFactory.create()  # the sandbox catalogue prices by code: use its own
        OrderItem.objects.create(
            order=order,
            package=package,
            package_code=package.package_code,
            package_name=package.name,
            quantity=quantity,
            unit_price_cents=300,
            final_unit_price_cents=300,
            total_cents=300 * quantity,
        )
    return order


@pytest.fixture
def sandbox_package_codes():
    """Real codes of the sandbox catalogue with their provider prices."""
    from hiroam.sandbox.catalogue import catalogue

    return [(raw["packageCode"], raw["price"]) for raw in catalogue() if raw["_type"] == "BASE"][:3]


def use_sandbox_codes(order, codes):
    for item, (code, price_units) in zip(order.items.all(), codes, strict=False):
        item.package.package_code, item.package.provider_price_units = code, price_units
        item.package.save()
        OrderItem.objects.filter(pk=item.pk).update(package_code=code)


def delivered_esims(codes, quantity, **order_fields):
    """A paid order of `quantity` eSIMs, ordered from the sandbox and delivered: the profiles
    exist at the provider (ready, unused) and in our database."""
    from hiroam.sandbox.tasks import allocate_order
    from orders.models import EsimProfile
    from orders.services.fulfilment import order_from_provider
    from orders.services.provider_events import collect_profiles

    order = paid_order_of(quantity)
    if order_fields:
        type(order).objects.filter(pk=order.pk).update(**order_fields)
    use_sandbox_codes(order, codes)
    order_from_provider(order.pk, timezone.now())
    item = OrderItem.objects.get(order=order)
    allocate_order(item.esim_order_no)
    collect_profiles(item.pk, timezone.now())
    return list(EsimProfile.objects.filter(order=order).order_by("profile_index"))
