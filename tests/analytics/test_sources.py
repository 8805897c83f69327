"""Where a checkout came from reaches the dashboard: an app's checkout with a campaign and one
from another site's link are counted under their sources in the funnel, after a refresh."""

import pytest
from django.utils import timezone

from analytics import refresh
from analytics.period import Granularity, Period
from analytics.sections import SECTIONS
from tests.catalog.factories import PackageFactory
from tests.orders.conftest import CHECKOUT, cart, checkout_body

pytestmark = pytest.mark.django_db(transaction=True)


def test_checkouts_are_counted_under_their_sources(api_client, paddle_sandbox):
    package = PackageFactory.create()
    for extra in (
        {"utm_source": "Newsletter", "utm_campaign": "bali"},
        {"referrer": "https://travel-blog.example/best-esims"},
        {},
    ):
        response = api_client.post(CHECKOUT, checkout_body(cart(package), **extra), format="json")
        assert response.status_code == 201, response.content

    now = timezone.now()
    refresh.refresh(now=now)
    today = now.date()
    built = SECTIONS["funnel"].build(Period(today, today, "USD", Granularity.DAY), now)

    by_source = built.table("by-source")
    assert by_source is not None
    assert sorted((row[0], row[1], row[2]) for row in by_source.rows) == [
        ("(direct)", 1, 0),
        ("newsletter", 1, 0),
        ("travel-blog.example", 1, 0),
    ]
