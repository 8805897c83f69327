"""Notes where a visitor to the shop came from, on whichever shop page they land, and gives
every browser its own guest id (a signed first-party cookie) for price experiments."""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse

from accounts.visitors import (
    GUEST_COOKIE,
    GUEST_COOKIE_SALT,
    GUEST_COOKIE_SECONDS,
    GUEST_ID,
    new_guest_id,
)
from storefront.visitor import remember_touch


class VisitSourceMiddleware:
    """After the session and authentication middleware. Only the shop's own pages (not the
    API, the admin or the sandbox); the source only from pages a visitor lands on (GET)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        new_id = getattr(request, "new_guest_id", None)
        if new_id:
            response.set_signed_cookie(
                GUEST_COOKIE,
                new_id,
                salt=GUEST_COOKIE_SALT,
                max_age=GUEST_COOKIE_SECONDS,
                samesite="Lax",
                httponly=True,  # no script reads it
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> None:
        match = request.resolver_match
        if match is None or match.namespace != "storefront":
            return
        _give_guest_id(request)
        if request.method == "GET":
            remember_touch(request)


def _give_guest_id(request: HttpRequest) -> None:
    """The browser's guest id from its cookie, or a new one the response will set: the first
    page a browser sees is already priced for the visitor it will stay."""
    try:
        kept = request.get_signed_cookie(GUEST_COOKIE, default=None, salt=GUEST_COOKIE_SALT)
    except signing.BadSignature:
        kept = None
    if kept and GUEST_ID.fullmatch(kept):
        request.guest_id = kept  # type: ignore[attr-defined]
    else:
        request.guest_id = request.new_guest_id = new_guest_id()  # type: ignore[attr-defined]
