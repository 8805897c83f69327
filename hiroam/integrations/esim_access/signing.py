"""eSIM Access request signatures: hex HMAC-SHA256, keyed with the secret key, over
timestamp + request id + access code + raw body (PROVIDERS.md)."""

import hashlib
import hmac

HEADER_ACCESS_CODE = "RT-AccessCode"
HEADER_REQUEST_ID = "RT-RequestID"
HEADER_TIMESTAMP = "RT-Timestamp"
HEADER_SIGNATURE = "RT-Signature"


def sign_request(
    *, secret_key: str, timestamp: str, request_id: str, access_code: str, body: bytes
) -> str:
    """The lowercase hex signature we send."""
    message = timestamp.encode() + request_id.encode() + access_code.encode() + body
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


def is_valid_signature(
    *,
    signature: str,
    secret_key: str,
    timestamp: str,
    request_id: str,
    access_code: str,
    body: bytes,
) -> bool:
    """Accepts either hex case; compares in constant time."""
    expected = sign_request(
        secret_key=secret_key,
        timestamp=timestamp,
        request_id=request_id,
        access_code=access_code,
        body=body,
    )
    return hmac.compare_digest(expected, signature.lower())
