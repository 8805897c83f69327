"""Signatures against the providers' published vectors, and every way a forgery fails."""

from typing import Any

import pytest

from hiroam.integrations.esim_access.signing import is_valid_signature, sign_request
from hiroam.integrations.paddle.signature import (
    WebhookSignatureError,
    signature_header,
    verify_signature,
)

ESIM_VECTOR: dict[str, Any] = {
    "timestamp": "1628670421",
    "request_id": "4ce9d9cdac9e4e17b3a2c66c358c1ce2",
    "access_code": "11111",
    "secret_key": "1111",
    "body": b'{"imsi":"326543826"}',
}
ESIM_SIGNATURE = "7eb765e27df5373dea2dbc8c41a7d9557743e46c8054750f3d851b3fd01d0835"

PADDLE_SECRET = "pdl_ntf_01hbpjmytsa32fhr36nqgc3kgb_WvRO0eL4Bj9rgYYIBZY6wZhG4EHy9jzh"
PADDLE_TS = 1696195954
PADDLE_H1 = "d96299976a6eb066f484d7fde011ac56fc32b38fc9940bc419d6e537fdc6ef02"


def test_esim_access_signature_matches_the_published_vector():
    assert sign_request(**ESIM_VECTOR) == ESIM_SIGNATURE


def test_esim_access_signature_is_accepted_in_either_hex_case():
    assert is_valid_signature(signature=ESIM_SIGNATURE.upper(), **ESIM_VECTOR)


@pytest.mark.parametrize(
    "forgery",
    [
        {"body": b'{"imsi":"326543827"}'},
        {"secret_key": "2222"},
        {"timestamp": "1628670422"},
        {"access_code": "11112"},
    ],
)
def test_esim_access_signature_refuses_any_change(forgery):
    assert not is_valid_signature(signature=ESIM_SIGNATURE, **{**ESIM_VECTOR, **forgery})


def test_paddle_signature_matches_the_published_vector():
    assert signature_header(secret=PADDLE_SECRET, body=b"hello-world", timestamp=PADDLE_TS) == (
        f"ts={PADDLE_TS};h1={PADDLE_H1}"
    )


def _verify(header, body=b"hello-world", secrets=(PADDLE_SECRET,), now=PADDLE_TS + 1):
    verify_signature(header=header, body=body, secrets=list(secrets), now=now, tolerance_seconds=5)


def test_paddle_signature_within_tolerance_is_accepted():
    _verify(f"ts={PADDLE_TS};h1={PADDLE_H1}")


def test_paddle_accepts_when_any_of_several_h1_matches_during_rotation():
    _verify(f"ts={PADDLE_TS};h1={'0' * 64};h1={PADDLE_H1}")


def test_paddle_accepts_with_any_of_our_secrets_during_rotation():
    _verify(f"ts={PADDLE_TS};h1={PADDLE_H1}", secrets=("pdl_ntf_new_secret", PADDLE_SECRET))


@pytest.mark.parametrize(
    ("header", "body", "secrets", "now", "reason"),
    [
        (
            f"ts={PADDLE_TS};h1={PADDLE_H1}",
            b"hello-world!",
            (PADDLE_SECRET,),
            PADDLE_TS,
            "mismatch",
        ),
        (
            f"ts={PADDLE_TS};h1={PADDLE_H1}",
            b"hello-world",
            ("pdl_ntf_wrong",),
            PADDLE_TS,
            "mismatch",
        ),
        (
            f"ts={PADDLE_TS};h1={PADDLE_H1}",
            b"hello-world",
            (PADDLE_SECRET,),
            PADDLE_TS + 6,
            "tolerance",
        ),
        (
            f"ts={PADDLE_TS + 1};h1={PADDLE_H1}",
            b"hello-world",
            (PADDLE_SECRET,),
            PADDLE_TS,
            "mismatch",
        ),
        (None, b"hello-world", (PADDLE_SECRET,), PADDLE_TS, "missing"),
        ("", b"hello-world", (PADDLE_SECRET,), PADDLE_TS, "missing"),
        (f"h1={PADDLE_H1}", b"hello-world", (PADDLE_SECRET,), PADDLE_TS, "malformed"),
        (f"ts={PADDLE_TS}", b"hello-world", (PADDLE_SECRET,), PADDLE_TS, "malformed"),
    ],
)
def test_paddle_refuses_forgeries(header, body, secrets, now, reason):
    with pytest.raises(WebhookSignatureError, match=reason):
        _verify(header, body=body, secrets=secrets, now=now)
