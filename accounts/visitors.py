"""Who is looking at a price, for price experiments: the account once signed in, else the
guest's own id: a signed first-party cookie in the shop, the X-Visitor-Id header from an app.

Visitor ids are "u:<user id>" or "g:<guest id>". When a guest signs in or registers,
`guest_signed_in` is sent, so the variants the guest was shown carry over to the account
(pricing listens); accounts itself knows nothing of experiments."""

from __future__ import annotations

import re
import secrets
from typing import Any

from django.dispatch import Signal
from django.http import HttpRequest
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.authentication import JWTStatelessUserAuthentication
from rest_framework_simplejwt.exceptions import TokenError

VISITOR_HEADER = "X-Visitor-Id"
GUEST_COOKIE = "visitor"
GUEST_COOKIE_SALT = "hiroam.visitor"
GUEST_COOKIE_SECONDS = 365 * 24 * 3600
ACCOUNT, GUEST = "u:", "g:"
GUEST_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")

# Declared on the API operations whose answers or effects depend on the visitor.
VISITOR_ID_PARAMETER = OpenApiParameter(
    VISITOR_HEADER,
    str,
    OpenApiParameter.HEADER,
    description="The app install's own stable id (16-64 characters of A-Z a-z 0-9 _ -), for "
    "price experiments: the same id sees the same prices. Ignored when signed in (the account "
    "decides) or malformed. On login and register, the install's variants carry over.",
)

# Sent with `user` (the account) and `guest` (the guest visitor id it was) on sign-in/sign-up.
guest_signed_in = Signal()


def account_visitor(user_id: Any) -> str:
    return f"{ACCOUNT}{user_id}"


def guest_visitor(guest_id: str | None) -> str | None:
    """The visitor id of a guest id an app or a cookie gave; None for anything malformed."""
    return f"{GUEST}{guest_id}" if guest_id and GUEST_ID.fullmatch(guest_id) else None


def new_guest_id() -> str:
    return secrets.token_urlsafe(16)  # 22 characters, 128 random bits


def _signed_in_user_id(request: HttpRequest) -> Any:
    user = getattr(request, "user", None)
    return user.pk if user is not None and user.is_authenticated else None


def api_visitor(request: Any) -> str | None:
    """An API caller: the authenticated user; else the user of a valid bearer token (read
    without a query: public catalogue endpoints do not authenticate); else the app's header."""
    user_id = _signed_in_user_id(request)
    if user_id is None and request.headers.get("Authorization"):
        try:
            found = JWTStatelessUserAuthentication().authenticate(request)
        except (AuthenticationFailed, TokenError):
            found = None
        user_id = found[0].pk if found else None
    if user_id is not None:
        return account_visitor(user_id)
    return guest_visitor(request.headers.get(VISITOR_HEADER))


def shop_visitor(request: HttpRequest) -> str | None:
    """A shop visitor: the signed-in customer, else this browser's guest id (the storefront's
    middleware gives every browser one)."""
    user_id = _signed_in_user_id(request)
    if user_id is not None:
        return account_visitor(user_id)
    return guest_visitor(getattr(request, "guest_id", None))


def announce_sign_in(user: Any, guest: str | None) -> None:
    """Tells listeners that `guest` (a visitor id, if any) is now `user`."""
    if guest and guest.startswith(GUEST):
        guest_signed_in.send(sender=None, user=user, guest=guest)
