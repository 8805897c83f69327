from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.availability import availability
from catalog.models import EsimPackage, SyncStatus

NOW = timezone.now()


def _package(**fields):
    defaults = {
        "is_active": True,
        "is_available": True,
        "sync_status": SyncStatus.ACTIVE,
        "stock_type": "unlimited",
    }
    return EsimPackage(**{**defaults, **fields})


@pytest.mark.parametrize(
    ("fields", "reason", "code"),
    [
        ({"is_active": False}, "Product not available", "inactive"),
        ({"sync_status": SyncStatus.DISCONTINUED}, "No longer available", "discontinued"),
        (
            {"is_available": False, "unavailable_reason": "Network maintenance"},
            "Network maintenance",
            "unavailable",
        ),
        ({"is_available": False}, "Not available", "unavailable"),
        ({"available_from": NOW + timedelta(days=2)}, "Coming soon", "not_yet"),
        ({"available_until": NOW - timedelta(seconds=1)}, "Offer expired", "expired"),
        ({"stock_type": "limited", "stock_quantity": 0}, "Out of stock", "out_of_stock"),
    ],
)
def test_why_a_package_cannot_be_bought(fields, reason, code):
    status = availability(_package(**fields), NOW)

    assert not status.is_purchasable
    assert (status.reason, status.reason_code) == (reason, code)


def test_coming_soon_says_when():
    opens = NOW + timedelta(days=2)

    assert availability(_package(available_from=opens), NOW).available_at == opens


def test_purchasable_inside_its_window_with_stock_remaining():
    status = availability(
        _package(
            available_from=NOW - timedelta(days=1),
            available_until=NOW + timedelta(days=1),
            stock_type="limited",
            stock_quantity=3,
        ),
        NOW,
    )

    assert status.is_purchasable
    assert status.stock_remaining == 3
    assert status.reason is None


def test_unlimited_stock_reports_no_count():
    assert availability(_package(), NOW).stock_remaining is None


def test_a_window_is_over_at_its_end():
    assert availability(_package(available_until=NOW), NOW).reason_code == "expired"
