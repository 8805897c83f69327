"""The Content-Security-Policy (django-csp): one strict policy for every response, loosened per
area only where a page needs it, each loosening with its reason.

Scripts never run inline without this response's nonce (`nonce="{{ request.csp_nonce }}"`), and
no page may be framed (frame-ancestors 'none', as X-Frame-Options DENY says to older browsers).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponseBase

DIRECTIVES: dict[str, list[Any]] = {
    "default-src": [SELF],
    "script-src": [SELF, NONCE],
    "style-src": [SELF, NONCE],
    # data: for the small SVG icons stylesheets embed (the admin's, Swagger UI's).
    "img-src": [SELF, "data:"],
    "font-src": [SELF],
    "connect-src": [SELF],
    "frame-src": [SELF],
    "object-src": [NONE],
    "base-uri": [NONE],
    # Checkout forms post here and are redirected to /pay (Paddle's default payment link) or the
    # local sandbox's page: both on our own origin.
    "form-action": [SELF],
    "frame-ancestors": [NONE],
}
POLICY = {"DIRECTIVES": DIRECTIVES}

# Inline styles allowed. A nonce would switch 'unsafe-inline' off in browsers, so the areas that
# need it get style-src replaced, not extended.
_INLINE_STYLES = {"style-src": [SELF, UNSAFE_INLINE]}

# Paddle.js and the checkout it opens, on /pay only (the one page that loads it): the script from
# Paddle's CDN (Paddle's docs ask that it never be self-hosted), the checkout's frame from
# buy.paddle.com (sandbox-buy.paddle.com with Paddle's sandbox), its calls to Paddle, and inline
# styles, since Paddle.js builds its overlay inside our page. Not tried against Paddle itself
# (no internet in tests): see docs/STOREFRONT.md.
_PADDLE_CHECKOUT_FRAMES = {
    "sandbox": "https://sandbox-buy.paddle.com",
    "production": "https://buy.paddle.com",
}


def pay_update() -> dict[str, Any]:
    frames = _PADDLE_CHECKOUT_FRAMES.get(settings.PADDLE_ENVIRONMENT)
    return {
        "script-src": ["https://cdn.paddle.com"],
        "frame-src": [frames] if frames else [],
        "connect-src": ["https://*.paddle.com"],
    }


# Areas by resolved URL name (not path), so a route moving keeps its policy.
# - admin: Django's change list adds a <style> block, our admin templates use style=""
#   attributes, and the email preview shows an email's HTML (inline styles, as every mail client
#   needs) in a srcdoc frame, which inherits this policy. Scripts stay strict.
# - api-docs: drf-spectacular's Swagger UI page has a <style> block; its scripts and stylesheet
#   are self-hosted (drf-spectacular-sidecar) and its start script is a file (split view).
_AREAS: dict[str, tuple[dict[str, Any] | None, dict[str, Any] | None]] = {
    "api-docs": (None, _INLINE_STYLES),
}
_ADMIN = (None, _INLINE_STYLES)


def area_policy(request: HttpRequest) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(update, replace) for the page answering `request`: (None, None) for the base policy."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return None, None
    if "admin" in match.namespaces:
        return _ADMIN
    if match.view_name == "storefront:pay":
        return pay_update(), _INLINE_STYLES
    return _AREAS.get(match.view_name, (None, None))


class AreaCSPMiddleware(CSPMiddleware):
    """django-csp's middleware with the per-area changes above; a view's own @csp_update or
    @csp_replace still wins."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        update, replace = area_policy(request)
        if parts.update is None:
            parts.update = update
        if parts.replace is None:
            parts.replace = replace
        return parts
