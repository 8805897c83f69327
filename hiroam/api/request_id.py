"""Gives every request an id: the caller's X-Request-ID when it is sane, otherwise a new one.
The id is echoed in the response, written on every log line and put in error envelopes."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from hiroam import request_context

HEADER = "X-Request-ID"


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = (
            request_context.acceptable_request_id(request.headers.get(HEADER))
            or request_context.new_request_id()
        )
        request.request_id = request_id  # type: ignore[attr-defined]
        request_context.set_request_id(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_context.set_request_id(None)
        response[HEADER] = request_id
        return response
