"""The success half of the API contract: `{"success": true, "data": ...}`.

Errors are shaped by hiroam.api.exceptions; this renderer only wraps successful answers, so a
view returns plain data and never builds the envelope itself.
"""

import json
from collections.abc import Mapping
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from rest_framework.renderers import JSONRenderer


def success_body(data: Any) -> dict[str, Any]:
    return {"success": True, "data": data}


class EnvelopeJSONRenderer(JSONRenderer):
    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        response = (renderer_context or {}).get("response")
        if response is not None and response.status_code < 400 and response.status_code != 204:
            data = success_body(data)
        return super().render(data, accepted_media_type, renderer_context)


def encode_data(data: Any) -> bytes:
    """The JSON of a response's `data`, encoded once (e.g. to be cached as bytes)."""
    return json.dumps(
        data, cls=DjangoJSONEncoder, separators=(",", ":"), ensure_ascii=False
    ).encode()


def envelope_response(encoded_data: bytes, status: int = 200) -> HttpResponse:
    """A success envelope around already-encoded data: no re-rendering of a cached answer."""
    return HttpResponse(
        b'{"success":true,"data":' + encoded_data + b"}",
        status=status,
        content_type="application/json",
    )
