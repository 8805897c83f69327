"""The fake eSIM Access refuses unsigned or forged requests, and its lifecycle controls send the
webhooks the real provider sends."""

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
from django.core.management import call_command
from django.utils import timezone

from hiroam.integrations.esim_access.signing import sign_request
from hiroam.sandbox import esim_access as fake
from hiroam.sandbox.lifecycle import LifecycleError, advance_profile
from hiroam.sandbox.models import EsimAccessAccount, EsimOrder, EsimProfile, Fault, Webhook

ROOT = Path(__file__).resolve().parents[2]


def _post(
    live_server, settings, body=b"{}", *, secret=None, timestamp=None, drop=None, tamper=False
):
    timestamp = timestamp or str(int(time.time() * 1000))
    request_id = uuid.uuid4().hex
    headers = {
        "RT-AccessCode": settings.ESIM_ACCESS_CODE,
        "RT-RequestID": request_id,
        "RT-Timestamp": timestamp,
        "RT-Signature": sign_request(
            secret_key=secret or settings.ESIM_SECRET_KEY,
            timestamp=timestamp,
            request_id=request_id,
            access_code=settings.ESIM_ACCESS_CODE,
            body=body,
        ),
        "Content-Type": "application/json",
    }
    if drop:
        headers.pop(drop)
    sent = body + b" " if tamper else body
    url = f"{live_server.url}/sandbox/esim-access/api/v1/open/balance/query"
    return requests.post(url, data=sent, headers=headers, timeout=5).json()


@pytest.mark.parametrize(
    ("variation", "code"),
    [
        ({}, "0"),
        ({"drop": "RT-Signature"}, "000101"),
        ({"drop": "RT-Timestamp"}, "000101"),
        ({"secret": "wrong-secret"}, "101003"),
        ({"tamper": True}, "101003"),
        ({"timestamp": str(int(time.time() * 1000) - 3_600_000)}, "101001"),
    ],
)
def test_requests_are_checked_like_the_real_api(live_server, settings, variation, code):
    answer = _post(live_server, settings, **variation)

    assert answer["errorCode"] == code
    assert answer["success"] is (code == "0")
    assert set(answer) == {"success", "errorCode", "errorMsg", "obj"}


@pytest.fixture
def profile(db, settings):
    settings.SANDBOX_ESIM_ALLOCATION_SECONDS = 0
    account = fake.account_for(settings.ESIM_ACCESS_CODE)
    assert account is not None
    now = timezone.now()
    code = fake.catalogue.packages_by_slug()["TH_3_15"]["packageCode"]
    answer = fake.order(
        account,
        {"transactionId": "T-1", "packageInfoList": [{"packageCode": code, "count": 1}]},
        now,
    )
    fake.allocate_if_due(EsimOrder.objects.get(order_no=answer["orderNo"]), now)
    Webhook.objects.all().delete()
    return EsimProfile.objects.get()


def _sent(event_type):
    return [
        json.loads(hook.body)
        for hook in Webhook.objects.filter(event_type=event_type).order_by("id")
    ]


def test_a_normal_installation_sends_smdp_events_then_in_use(profile):
    now = timezone.now()
    for step in ("download", "install", "enable"):
        advance_profile(profile.esim_tran_no, step, now=now)

    events = _sent("SMDP_EVENT")
    assert [event["content"]["smdpStatus"] for event in events] == [
        "DOWNLOAD",
        "INSTALLATION",
        "ENABLED",
    ]
    assert set(events[0]["content"]) == {
        *("iccid", "eid", "orderNo", "esimTranNo", "transactionId"),
        *("esimStatus", "smdpStatus", "timestamp", "seqNumber"),
    }
    [in_use] = _sent("ESIM_STATUS")
    assert (in_use["content"]["esimStatus"], in_use["content"]["smdpStatus"]) == (
        "IN_USE",
        "ENABLED",
    )
    profile.refresh_from_db()
    assert profile.installed_at is not None and profile.activated_at is not None


def test_data_use_sends_thresholds_then_used_up(profile):
    now = timezone.now()
    advance_profile(profile.esim_tran_no, "enable", now=now)
    for step in ("use_50", "use_80", "use_90", "use_100"):
        advance_profile(profile.esim_tran_no, step, now=now)

    usage = _sent("DATA_USAGE")
    assert [event["content"]["remainThreshold"] for event in usage] == [0.5, 0.2, 0.1]
    total = 3 * 1024**3
    assert usage[0]["content"]["remain"] == total // 2
    assert set(usage[0]["content"]) == {
        *("iccid", "orderNo", "esimTranNo", "transactionId", "totalVolume", "orderUsage"),
        *("remain", "remainThreshold", "lastUpdateTime"),
    }
    assert _sent("ESIM_STATUS")[-1]["content"]["esimStatus"] == "USED_UP"


def test_near_expiry_and_expiry(profile):
    now = timezone.now()
    advance_profile(profile.esim_tran_no, "near_expiry", now=now)
    advance_profile(profile.esim_tran_no, "expire", now=now)

    [validity] = _sent("VALIDITY_USAGE")
    assert validity["content"]["remain"] == 1
    assert validity["content"]["durationUnit"] == "DAY"
    assert _sent("ESIM_STATUS")[-1]["content"]["esimStatus"] == "UNUSED_EXPIRED"
    with pytest.raises(LifecycleError):
        advance_profile(profile.esim_tran_no, "enable", now=now)


def test_data_is_used_only_by_an_enabled_profile(profile):
    with pytest.raises(LifecycleError):
        advance_profile(profile.esim_tran_no, "use_50", now=timezone.now())
    assert not Webhook.objects.exists()


def test_the_management_command_drives_the_sandbox(profile, capsys):
    call_command("sandbox", "advance", profile.esim_tran_no, "download")
    call_command(
        "sandbox", "fault", "esim_access_api", "system_busy", "--count", "2", "--path", "esim/order"
    )
    call_command("sandbox", "balance", "--set-cents", "500")

    out = capsys.readouterr().out
    assert "DOWNLOAD" in out
    assert Fault.objects.get().remaining == 2
    assert EsimAccessAccount.objects.get().balance_units == 50_000


def test_the_sandbox_refuses_to_mount_in_production_unless_allowed():
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SANDBOX_ALLOW_WITHOUT_DEBUG", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(DEBUG="false", SECRET_KEY="x" * 50, HIROAM_READ_DOTENV="false")
    refused = subprocess.run(
        [sys.executable, "-c", "import hiroam.settings"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    allowed = subprocess.run(
        [sys.executable, "-c", "import hiroam.settings"],
        cwd=ROOT,
        env={**env, "SANDBOX_ALLOW_WITHOUT_DEBUG": "true"},
        capture_output=True,
        text=True,
        check=False,
    )

    assert refused.returncode != 0
    assert "SANDBOX_ALLOW_WITHOUT_DEBUG" in refused.stderr
    assert allowed.returncode == 0, allowed.stderr


def test_two_orders_drawing_the_same_number_in_a_minute_both_go_through(db, settings, monkeypatch):
    """A busy minute (the load test: hundreds of orders) draws a number twice now and then;
    the second order draws again instead of answering a 500."""
    account = fake.account_for(settings.ESIM_ACCESS_CODE)
    assert account is not None
    draws, real_digits = iter(["0001", "0001", "0002"]), fake._digits
    monkeypatch.setattr(
        fake, "_digits", lambda count: next(draws) if count == 4 else real_digits(count)
    )
    code = fake.catalogue.packages_by_slug()["TH_3_15"]["packageCode"]
    now = timezone.now()

    first, second = (
        fake.order(
            account,
            {"transactionId": f"T-{n}", "packageInfoList": [{"packageCode": code, "count": 1}]},
            now,
        )
        for n in (1, 2)
    )

    assert (first["orderNo"][-4:], second["orderNo"][-4:]) == ("0001", "0002")
    assert EsimOrder.objects.count() == 2
