"""manage.py reencrypt_fields: after a new key is put first, every stored value moves to it in
batches, so the old key can go; values already moved, and empty ones, are left alone."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from orders.models import EsimProfile
from tests.hiroam.test_encryption import _profile

pytestmark = pytest.mark.django_db

NEW_KEY = "bmV3LWtleS1mb3Itcm90YXRpb24tdGVzdHMtMTIzNDU="


def _stored_tokens():
    with connection.cursor() as cursor:
        cursor.execute("SELECT activation_code, manual_code FROM orders_esimprofile ORDER BY id")
        return cursor.fetchall()


def _profiles(count):
    first = _profile(activation_code="LPA:1$smdp.example$CODE-0", manual_code="M-0")
    others = [
        EsimProfile.objects.create(
            order=first.order,
            order_item=first.order_item,
            profile_index=n + 1,
            esim_tran_no=f"T{n + 1}",
            activation_code=f"LPA:1$smdp.example$CODE-{n}" if n % 3 else "",
            manual_code=f"M-{n}",
        )
        for n in range(1, count)
    ]
    return [first, *others]


def _run(**options):
    from io import StringIO

    out = StringIO()
    call_command("reencrypt_fields", stdout=out, **options)
    return out.getvalue()


def test_every_value_moves_to_the_new_key_and_the_old_key_can_go(settings):
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    profiles = _profiles(7)
    codes = {p.pk: (p.activation_code, p.manual_code) for p in profiles}
    before = _stored_tokens()
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, old_key]

    output = _run(batch_size=3)  # three batches: 3, 3, 1

    assert "Rows: 7; re-encrypted values: 12; already under the newest key: 0" in output
    after = _stored_tokens()
    assert all(
        a != b
        for row_a, row_b in zip(after, before, strict=True)
        for a, b in zip(row_a, row_b, strict=True)
        if b
    )
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]  # the old key dropped
    assert {p.pk: (p.activation_code, p.manual_code) for p in EsimProfile.objects.all()} == codes
    assert "re-encrypted values: 0; already under the newest key: 12" in _run()
    assert _stored_tokens() == after  # nothing rewritten the second time


def test_a_value_no_key_opens_is_reported_and_left_alone(settings):
    _profiles(2)
    before = _stored_tokens()
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]  # the old key removed too early

    with pytest.raises(CommandError, match="open with no configured key"):
        _run()

    assert _stored_tokens() == before
