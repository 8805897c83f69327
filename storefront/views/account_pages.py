"""Account pages: sign up, sign in and out, password reset, my orders, my points, download my
data, delete my account. Each calls the accounts, orders and points services the API uses."""

import json

from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.data_rights import erase_own_account, export_customer_data
from accounts.models import User, normalize_email_address
from accounts.password_reset import request_password_reset
from accounts.services import InvalidCredentialsError, register_customer
from accounts.visitors import announce_sign_in, shop_visitor
from hiroam.api.errors import DomainError
from orders.selectors import orders_for_customer
from points.selectors import ledger_for_customer, points_summary
from storefront.forms import DeleteAccountForm, PasswordResetRequestForm, SignInForm, SignUpForm
from storefront.limits import over_limit
from storefront.visitor import visitor_touch

ORDERS_PER_PAGE = 10
LEDGER_PER_PAGE = 25


def _next_url(request: HttpRequest, default: str = "storefront:account") -> str:
    """Where to go after signing in: a page of this site, never another."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return str(reverse_lazy(default))


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if limited := over_limit(request, "login", email=email):
            return limited
        user = authenticate(
            request, email=normalize_email_address(email), password=form.cleaned_data["password"]
        )
        if user is not None:
            guest = shop_visitor(request)
            login(request, user)
            announce_sign_in(user, guest)
            return redirect(_next_url(request))
        form.add_error(None, InvalidCredentialsError.message)
    return render(
        request, "storefront/account/sign_in.html", {"form": form, "next": _next_url(request)}
    )


@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if limited := over_limit(request, "register"):
            return limited
        try:
            user = register_customer(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                full_name=form.cleaned_data["full_name"],
                touch=visitor_touch(request),
            )
        except DomainError as error:
            details = error.details if isinstance(error.details, dict) else {}
            for problem in details.get("password", []):
                form.add_error("password", problem)
            if not details.get("password"):
                form.add_error("email", error.message)
        else:
            guest = shop_visitor(request)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            announce_sign_in(user, guest)
            messages.success(
                request, f"Welcome! We sent a link to {user.email} to confirm your address."
            )
            return redirect(_next_url(request))
    return render(
        request, "storefront/account/sign_up.html", {"form": form, "next": _next_url(request)}
    )


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.success(request, "You are signed out.")
    return redirect("storefront:home")


@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if limited := over_limit(request, "password_reset", email=email):
            return limited
        request_password_reset(email=email)
        return render(request, "storefront/account/password_reset_sent.html", {"email": email})
    return render(request, "storefront/account/password_reset.html", {"form": form})


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    """Django's own check of the link's token; the new password through its validators."""

    template_name = "storefront/account/password_reset_confirm.html"
    success_url = reverse_lazy("storefront:sign-in")
    post_reset_login = False

    def form_valid(self, form):
        messages.success(self.request, "Your password is changed. Sign in with it.")
        return super().form_valid(form)


@never_cache
@login_required(login_url="storefront:sign-in")
def account(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 (login_required ran first)
    orders = Paginator(orders_for_customer(user), ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "storefront/account/orders.html",
        {"orders": orders, "points": points_summary(user_id=user.pk)},
    )


@never_cache
@login_required(login_url="storefront:sign-in")
def points(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # noqa: S101
    ledger = Paginator(ledger_for_customer(user_id=user.pk), LEDGER_PER_PAGE)
    return render(
        request,
        "storefront/account/points.html",
        {
            "points": points_summary(user_id=user.pk),
            "ledger": ledger.get_page(request.GET.get("page")),
        },
    )


@never_cache
@login_required(login_url="storefront:sign-in")
@require_POST
def download_data(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # noqa: S101
    if limited := over_limit(request, "me_export"):
        return limited
    now = timezone.now()
    body = json.dumps(export_customer_data(user=user, now=now), cls=DjangoJSONEncoder, indent=2)
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="hiroam-my-data-{now:%Y-%m-%d}.json"'
    return response


@never_cache
@login_required(login_url="storefront:sign-in")
@require_http_methods(["GET", "POST"])
def delete_account(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # noqa: S101
    form = DeleteAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if limited := over_limit(request, "me_erase"):
            return limited
        try:
            erase_own_account(user=user, password=form.cleaned_data["password"], now=timezone.now())
        except DomainError as error:
            form.add_error("password", error.message)
        else:
            logout(request)
            messages.success(request, "Your account is deleted. Thank you for travelling with us.")
            return redirect("storefront:home")
    return render(request, "storefront/account/delete.html", {"form": form})
