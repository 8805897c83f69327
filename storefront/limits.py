"""Rate limits on shop forms: the API's scopes and counters (hiroam.api.throttling), so a
visitor gets one budget whether they use the shop or the API."""

import math

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from hiroam.api.throttling import RateLimitUnavailableError, seconds_to_wait, visitor_ident


def over_limit(
    request: HttpRequest, scope: str, *, email: str | None = None
) -> HttpResponse | None:
    """None if the request may go on; else the "slow down" page (429). `email` also counts
    it against the scope's per-email limit (`{scope}_email`) when the API has one."""
    scopes: list[tuple[str, str | None]] = [(scope, visitor_ident(request))]
    if email:
        scopes.append((f"{scope}_email", f"email:{email.strip().lower()}"))
    try:
        wait = seconds_to_wait(
            [(name, ident) for name, ident in scopes if name in settings.THROTTLE_RATES]
        )
    except RateLimitUnavailableError as error:  # a password-guarding counter is down
        return render(
            request, "storefront/unavailable.html", {"message": error.message}, status=503
        )
    if wait is None:
        return None
    seconds = max(1, math.ceil(wait))
    response = render(
        request, "storefront/too_many_requests.html", {"seconds": seconds}, status=429
    )
    response["Retry-After"] = str(seconds)
    return response
