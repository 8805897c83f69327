"""Sensitive columns are encrypted at rest and read back in clear; keys rotate."""

import pytest
from django.db import connection

from hiroam import encryption
from orders.models import EsimProfile
from tests.orders.factories import OrderFactory

pytestmark = pytest.mark.django_db

CODE = "LPA:1$smdp.example.com$K2-SECRET-MATCHING-ID"


def _profile(**fields):
    from orders.models import OrderItem
    from tests.catalog.factories import PackageFactory

    order = OrderFactory.create()
    package = PackageFactory.create()
    item = OrderItem.objects.create(
        order=order,
        package=package,
        package_code=package.package_code,
        package_name="Japan",
        quantity=1,
        unit_price_cents=999,
        final_unit_price_cents=999,
        total_cents=999,
    )
    return EsimProfile.objects.create(
        order=order, order_item=item, profile_index=1, esim_tran_no="T1", **fields
    )


def _stored(profile):
    with connection.cursor() as cursor:
        cursor.execute("SELECT activation_code FROM orders_esimprofile WHERE id = %s", [profile.pk])
        return cursor.fetchone()[0]


def test_an_activation_code_is_stored_encrypted_and_read_in_clear():
    profile = _profile(activation_code=CODE)

    assert "SECRET" not in _stored(profile)
    assert EsimProfile.objects.get().activation_code == CODE


def test_rows_stay_readable_while_keys_rotate(settings):
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    profile = _profile(activation_code=CODE)
    new_key = "bmV3LWtleS1mb3Itcm90YXRpb24tdGVzdHMtMTIzNDU="

    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    assert EsimProfile.objects.get().activation_code == CODE  # old rows, new key first
    profile.save()  # re-saved with the new key
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    assert EsimProfile.objects.get().activation_code == CODE


def test_a_value_without_its_key_cannot_be_read(settings):
    _profile(activation_code=CODE)
    settings.FIELD_ENCRYPTION_KEYS = ["bmV3LWtleS1mb3Itcm90YXRpb24tdGVzdHMtMTIzNDU="]

    with pytest.raises(encryption.InvalidToken):
        EsimProfile.objects.get()
