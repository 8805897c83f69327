"""The eSIM Access client against the sandbox, over HTTP."""

import json
import re

import pytest
import requests

from hiroam.integrations.esim_access import errors
from hiroam.integrations.esim_access.results import OrderLine
from hiroam.integrations.units import cost_cents_from_provider_units
from hiroam.sandbox import catalogue
from hiroam.sandbox.faults import inject_fault
from hiroam.sandbox.models import EsimAccessAccount, EsimOrder, EsimProfile, Webhook

JAPAN_5GB = "JP_5_30"


def _code(slug):
    return catalogue.packages_by_slug()[slug]["packageCode"]


def _order(client, transaction_id="ORD-1", slug=JAPAN_5GB, count=2):
    return client.order_profiles(
        transaction_id=transaction_id, lines=[OrderLine(_code(slug), count)]
    )


def _balance_units():
    return EsimAccessAccount.objects.get().balance_units


def _webhooks(event_type):
    return [json.loads(hook.body) for hook in Webhook.objects.filter(event_type=event_type)]


def test_the_whole_catalogue_arrives_typed_and_in_cents(esim_client):
    packages = esim_client.list_packages()

    assert 2_400 <= len(packages) <= 2_800
    japan = next(package for package in packages if package.slug == JAPAN_5GB)
    assert japan.location_codes == ("JP",)
    assert japan.volume_bytes == 5 * 1024**3
    assert japan.duration == 30
    assert japan.networks[0].operators[0].name == "NTT Docomo"
    odd = next(package for package in packages if package.price_units % 100)
    assert odd.price_cents == odd.price_units // 100 + 1  # a cost is rounded up, never down
    locations = {package.location_code for package in packages}
    assert {"JP", "US", "EU-33", "AS-12"} <= locations
    assert any(location.startswith("GL-") for location in locations)


def test_package_list_filters_by_location(esim_client):
    packages = esim_client.list_packages(location_code="JP")

    assert packages
    assert all("JP" in package.location_codes for package in packages)


def test_a_repeated_transaction_id_is_the_same_order_charged_once(esim_client):
    before = _balance_units()

    first = _order(esim_client)
    again = _order(esim_client)

    assert first.order_no == again.order_no
    assert re.fullmatch(r"B\d{10}\d{4}", first.order_no)
    price = catalogue.packages_by_slug()[JAPAN_5GB]["price"]
    assert before - _balance_units() == 2 * price
    assert EsimProfile.objects.count() == 2


def test_profiles_are_not_ready_until_allocated_then_one_per_unit(
    esim_client, settings, live_server
):
    settings.SANDBOX_ESIM_ALLOCATION_SECONDS = 3600
    order = _order(esim_client, count=3)

    with pytest.raises(errors.ProfilesNotReady) as refused:
        esim_client.query_profiles(order_no=order.order_no)
    assert refused.value.code == "200010"
    assert refused.value.retryable

    EsimOrder.objects.update(ready_at=EsimOrder.objects.get().created_at)  # time passes
    profiles = esim_client.query_profiles(order_no=order.order_no)

    assert len(profiles) == 3
    profile = profiles[0]
    assert re.fullmatch(r"\d{14}", profile.esim_tran_no)
    assert re.fullmatch(r"\d{19,20}", profile.iccid)
    assert re.fullmatch(r"LPA:1\$[^$]+\$[A-Z0-9]+", profile.activation_code)
    assert (profile.esim_status, profile.smdp_status) == ("GOT_RESOURCE", "RELEASED")
    assert profile.expires_at is not None and profile.expires_at.tzinfo is not None
    assert len({p.esim_tran_no for p in profiles}) == 3
    qr = requests.get(profile.qr_code_url, timeout=5)
    assert qr.headers["Content-Type"] == "image/png"
    assert qr.content.startswith(b"\x89PNG")
    [notice] = _webhooks("ORDER_STATUS")
    assert notice["content"] == {
        "orderNo": order.order_no,
        "orderStatus": "GOT_RESOURCE",
        "transactionId": "ORD-1",
    }
    assert set(notice) == {"notifyType", "notifyId", "eventGenerateTime", "content"}
    assert re.fullmatch(r"[0-9a-f]{32}", notice["notifyId"])
    assert notice["eventGenerateTime"].endswith("Z")


def test_query_pages_through_every_profile(esim_client):
    order = _order(esim_client, count=120)  # more than one page of 100

    profiles = esim_client.query_profiles(order_no=order.order_no)

    assert len(profiles) == 120
    assert len({profile.esim_tran_no for profile in profiles}) == 120


def test_cancel_an_unused_profile_refunds_its_cost_and_tells_us(esim_client):
    order = _order(esim_client, count=1)
    [profile] = esim_client.query_profiles(order_no=order.order_no)
    balance_after_order = _balance_units()

    esim_client.cancel_profile(esim_tran_no=profile.esim_tran_no)

    assert (
        _balance_units() - balance_after_order == catalogue.packages_by_slug()[JAPAN_5GB]["price"]
    )
    [cancelled] = esim_client.query_profiles(esim_tran_no=profile.esim_tran_no)
    assert cancelled.esim_status == "CANCEL"
    [notice] = _webhooks("ESIM_STATUS")
    assert notice["content"] == {
        "iccid": profile.iccid,
        "orderNo": order.order_no,
        "esimTranNo": profile.esim_tran_no,
        "transactionId": "ORD-1",
        "esimStatus": "CANCEL",
        "smdpStatus": "RELEASED",
    }
    with pytest.raises(errors.OperationNotAllowed):
        esim_client.cancel_profile(esim_tran_no=profile.esim_tran_no)


def test_cancel_is_refused_once_the_profile_was_downloaded(esim_client):
    from django.utils import timezone

    from hiroam.sandbox.lifecycle import advance_profile

    order = _order(esim_client, count=1)
    [profile] = esim_client.query_profiles(order_no=order.order_no)
    advance_profile(profile.esim_tran_no, "download", now=timezone.now())
    balance = _balance_units()

    with pytest.raises(errors.OperationNotAllowed) as refused:
        esim_client.cancel_profile(esim_tran_no=profile.esim_tran_no)

    assert refused.value.code == "200002"
    assert not refused.value.retryable
    assert _balance_units() == balance
    assert EsimProfile.objects.get().esim_status == "GOT_RESOURCE"


def test_an_order_the_balance_cannot_pay_changes_nothing(esim_client):
    EsimAccessAccount.objects.update(balance_units=100)

    with pytest.raises(errors.InsufficientBalance) as refused:
        _order(esim_client)

    assert refused.value.code == "200007"
    assert not EsimOrder.objects.exists()
    assert _balance_units() == 100


def test_a_wrong_price_or_package_is_refused(esim_client):
    package = catalogue.packages_by_slug()[JAPAN_5GB]

    with pytest.raises(errors.RequestRejected) as wrong_price:
        esim_client.order_profiles(
            transaction_id="P-1",
            lines=[OrderLine(package["packageCode"], 1, package["price"] - 100)],
        )
    with pytest.raises(errors.PackageNotFound):
        esim_client.order_profiles(transaction_id="P-2", lines=[OrderLine("NOPE", 1)])

    assert wrong_price.value.code == "200005"
    assert not EsimOrder.objects.exists()


def test_usage_queries_are_batched_by_ten(esim_client):
    order = _order(esim_client, count=12)
    numbers = [
        profile.esim_tran_no for profile in esim_client.query_profiles(order_no=order.order_no)
    ]

    usage = esim_client.query_usage(esim_tran_nos=numbers)

    assert sorted(record.esim_tran_no for record in usage) == sorted(numbers)
    assert all(record.total_bytes == 5 * 1024**3 and record.used_bytes == 0 for record in usage)


def test_top_up_adds_data_once_per_transaction(esim_client):
    order = _order(esim_client, count=1)
    [profile] = esim_client.query_profiles(order_no=order.order_no)
    top_up_code = catalogue.packages_by_slug()["TOPUP_JP_1_7"]["packageCode"]

    first = esim_client.top_up(
        esim_tran_no=profile.esim_tran_no, package_code=top_up_code, transaction_id="TU-1"
    )
    again = esim_client.top_up(
        esim_tran_no=profile.esim_tran_no, package_code=top_up_code, transaction_id="TU-1"
    )

    assert first.total_volume_bytes == again.total_volume_bytes == 6 * 1024**3


def test_balance_is_reported_in_cents(esim_client, settings):
    assert esim_client.balance_cents() == settings.SANDBOX_ESIM_STARTING_BALANCE_CENTS


def test_a_wrong_secret_is_refused_and_not_retried(esim_client):
    esim_client._secret_key = "not-the-secret"
    inject_fault(
        target="esim_access_api", kind="system_busy", count=1
    )  # would be consumed by a retry

    with pytest.raises(errors.RequestRejected) as refused:
        esim_client.balance_cents()

    assert refused.value.code == "101003"
    from hiroam.sandbox.models import Fault

    assert Fault.objects.get().remaining == 1  # the signature check refused before any retry


def test_cost_rounding_is_explicit():
    assert cost_cents_from_provider_units(18_000) == 180
    assert cost_cents_from_provider_units(18_001) == 181
