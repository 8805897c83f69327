"""Bad API settings are reported when Django starts, not by a 500 on every request."""

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings


def _our_errors():
    return {
        message.id: message.msg
        for message in run_checks()
        if (message.id or "").startswith("hiroam.")
    }


def test_the_shipped_settings_pass():
    assert _our_errors() == {}


def test_a_rate_that_does_not_parse_is_reported():
    with override_settings(THROTTLE_RATES={"login": "10/min", "checkout": "ten a minute"}):
        errors = _our_errors()

    assert list(errors) == ["hiroam.E001"]
    assert "checkout" in errors["hiroam.E001"]
    assert "ten a minute" in errors["hiroam.E001"]


def test_a_trusted_proxy_that_is_no_network_is_reported():
    with override_settings(TRUSTED_PROXIES=["10.0.0.0/8", "10.0.0.0/33", "proxy.internal"]):
        messages = [message for message in run_checks() if message.id == "hiroam.E002"]

    assert len(messages) == 2
    assert "10.0.0.0/33" in messages[0].msg
    assert "proxy.internal" in messages[1].msg


def test_manage_check_refuses_to_pass_with_a_bad_rate():
    with override_settings(THROTTLE_RATES={"login": "lots"}), pytest.raises(SystemCheckError):
        call_command("check")
