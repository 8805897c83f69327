"""Server-rendered pages of accounts: where the link in the verification email lands.

Deliberately plain (templates/accounts/): the storefront restyles it later.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts import email_verification
from hiroam.api.errors import DomainError

TEMPLATE = "accounts/verify_email.html"


@require_http_methods(["GET", "POST"])
def verify_email_page(request: HttpRequest) -> HttpResponse:
    """GET with ?token= verifies; POST (the form on the "expired" page) sends a new link to
    the address the expired one reached."""
    if request.method == "POST":
        return _send_new_link(request, request.POST.get("token", ""))
    token = request.GET.get("token", "")
    try:
        user = email_verification.confirm_email(token=token, now=timezone.now())
    except email_verification.VerificationLinkExpiredError as error:
        return _page(request, "expired", error.message, token=token)
    except DomainError as error:
        return _page(request, "invalid", error.message)
    return _page(request, "verified", f"Thank you: {user.email} is verified.", status=200)


def _send_new_link(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user = email_verification.queue_verification_email_again(token=token)
    except DomainError as error:
        return _page(request, "invalid", error.message)
    if user.email_verified_at is not None:
        return _page(request, "verified", f"{user.email} is verified already.", status=200)
    return _page(request, "sent", f"A new link is on its way to {user.email}.", status=200)


def _page(
    request: HttpRequest, state: str, message: str, *, token: str = "", status: int = 400
) -> HttpResponse:
    context = {"state": state, "message": message, "token": token}
    return render(request, TEMPLATE, context, status=status)
