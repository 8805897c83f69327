"""/pay: the page Paddle's "default payment link" points at. Paddle answers every checkout with
`<default payment link>?_ptxn=txn_...`; this page loads Paddle.js, which opens the checkout of
that transaction, and sends the customer to their order page once it is paid.

With the local sandbox (PADDLE_ENVIRONMENT=local) the sandbox's own page plays this part."""

import re

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render

TRANSACTION_ID = re.compile(r"^txn_[a-z0-9]{26}$")


def pay(request: HttpRequest) -> HttpResponse:
    transaction_id = request.GET.get("_ptxn", "")
    if not TRANSACTION_ID.match(transaction_id):
        raise Http404("No such payment")
    if settings.PADDLE_ENVIRONMENT == "local":
        return HttpResponseRedirect(f"/sandbox/paddle/checkout?_ptxn={transaction_id}")
    return render(
        request,
        "storefront/pay.html",
        {
            "transaction_id": transaction_id,
            "client_token": settings.PADDLE_CLIENT_TOKEN,
            "is_sandbox": settings.PADDLE_ENVIRONMENT == "sandbox",
        },
    )
