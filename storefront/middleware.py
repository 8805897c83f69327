"""Notes where a visitor to the shop came from, on whichever shop page they land."""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from storefront.visitor import remember_touch


class VisitSourceMiddleware:
    """After the session middleware. Only the shop's own pages (not the API, the admin or the
    sandbox), and only pages a visitor lands on (GET)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> None:
        match = request.resolver_match
        if request.method == "GET" and match is not None and match.namespace == "storefront":
            remember_touch(request)
