"""Rotating SECRET_KEY keeps guest order links working: an order placed under the old key
gets an email link that opens it while the old key is in SECRET_KEY_FALLBACKS."""

import pytest

from orders.emails import order_links
from orders.models import Order, access_token_for, hash_access_token
from tests.orders.factories import OrderFactory

pytestmark = pytest.mark.django_db

OLD_KEY = "old-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
NEW_KEY = "new-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"


def test_an_order_placed_before_a_rotation_is_emailed_a_link_that_opens_it(api_client, settings):
    settings.SECRET_KEY = OLD_KEY
    order = OrderFactory.create()
    Order.objects.filter(pk=order.pk).update(
        access_token_hash=hash_access_token(access_token_for(order.pk))
    )
    order.refresh_from_db()
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = NEW_KEY, [OLD_KEY]

    link = order_links(order)["order_url"]
    token = link.split("?token=")[1]

    assert (
        token == access_token_for(order.pk, order.access_token_hash) != access_token_for(order.pk)
    )
    assert api_client.get(f"/api/v1/orders/{order.pk}", {"token": token}).status_code == 200
    settings.SECRET_KEY_FALLBACKS = []  # the old key dropped: links emailed from now on fail
    assert order_links(order)["order_url"] != link
