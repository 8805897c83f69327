"""Times every HTTP request and counts it by route (the URL pattern, never the path: ids and
tokens in paths would make a series per order)."""

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from hiroam.observability import metrics

# Any other word a client sends as a method is one series, not one each.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RequestMetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = request.resolver_match
        route = match.route if match is not None else "(unmatched)"
        metrics.increment(
            metrics.HTTP_REQUESTS, route, request.method or "", str(response.status_code)
        )
        metrics.observe(
            metrics.HTTP_DURATION, time.perf_counter() - started, route, request.method or ""
        )
        return response
