"""The client address behind our proxies: only real addresses, never whatever a hop says."""

import pytest
from django.test import RequestFactory, override_settings

from hiroam.api.client_ip import client_ip

PROXY = "10.0.0.5"


def _client_ip(forwarded_for, remote=PROXY):
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded_for)
    with override_settings(TRUSTED_PROXIES=["10.0.0.0/8"]):
        return client_ip(request)


@pytest.mark.parametrize(
    ("forwarded_for", "expected"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("203.0.113.9:51234", "203.0.113.9"),  # some proxies append the client's port
        ("[2001:db8::7]:443", "2001:db8::7"),
        ("2001:DB8::7", "2001:db8::7"),  # normalised
        ("198.51.100.1, 203.0.113.9:80, 10.0.0.9", "203.0.113.9"),  # through two proxies
    ],
)
def test_hops_with_ports_yield_the_address(forwarded_for, expected):
    assert _client_ip(forwarded_for) == expected


@pytest.mark.parametrize(
    ("forwarded_for", "expected"),
    [
        ("not-an-ip", PROXY),
        ("unknown", PROXY),
        ("203.0.113.9, <script>", PROXY),
        ("<script>, 10.0.0.9", "10.0.0.9"),  # the last good address before the garbage
        ("203.0.113.9:http", PROXY),
        ("999.1.1.1", PROXY),
        ("fe80::1%eth0", PROXY),
    ],
)
def test_a_hop_that_is_no_address_falls_back_to_the_last_good_one(forwarded_for, expected):
    assert _client_ip(forwarded_for) == expected


def test_an_untrusted_peer_is_the_client_whatever_it_forwards():
    assert _client_ip("203.0.113.9", remote="198.51.100.20") == "198.51.100.20"


def test_no_usable_peer_address_is_an_empty_answer():
    assert _client_ip("", remote="") == ""
    assert _client_ip("203.0.113.9", remote="garbage") == ""
