"""Writes for accounts: registering customers, signing in and out, customers changing their
details, applying staff roles."""

from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth.models import Group, Permission, update_last_login
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.acquisition import Touch, record_first_touch
from accounts.email_verification import queue_verification_email
from accounts.models import CustomerProfile, TouchRecordedBy, User, normalize_email_address
from accounts.roles import Role
from hiroam.api.errors import ConflictError, DomainError, ErrorCode


class EmailTakenError(ConflictError):
    code = ErrorCode.EMAIL_TAKEN
    message = "An account with this email already exists."


class InvalidCredentialsError(DomainError):
    code = ErrorCode.INVALID_CREDENTIALS
    status_code = 401
    message = "Email or password is wrong."


class InvalidTokenError(DomainError):
    code = ErrorCode.INVALID_TOKEN
    status_code = 401
    message = "The token is invalid or has expired."


def register_customer(
    *, email: str, password: str, full_name: str = "", touch: Touch | None = None
) -> User:
    """`touch`: where the customer came from; kept as their first touch unless an earlier
    checkout under this address already kept one."""
    now = timezone.now()
    email = normalize_email_address(email)
    candidate = User(email=email, full_name=full_name)
    try:
        validate_password(password, user=candidate)
    except DjangoValidationError as error:
        raise DomainError(
            "The password is too weak.", details={"password": list(error.messages)}
        ) from error
    if User.objects.filter(email__iexact=email).exists():
        raise EmailTakenError()
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=email, password=password, full_name=full_name, date_joined=now
            )
            record_first_touch(email, touch or Touch(), by=TouchRecordedBy.SIGN_UP, now=now)
            # Registering alone proves nothing about the address: guest orders under it join
            # the account only once the link in this email is opened.
            queue_verification_email(user=user)
            return user
    except IntegrityError as error:  # two registrations raced past the check above
        raise EmailTakenError() from error


def update_customer_details(
    *,
    user_id: Any,
    full_name: str | None = None,
    phone: str | None = None,
    preferred_currency: str | None = None,
    email_notifications: bool | None = None,
) -> User:
    """Changes what the customer may change about themself (None leaves a value as it is).
    The profile is changed under its row lock, like the points services change it, so neither
    overwrites the other's fields."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user_id)
        account = {"full_name": full_name, "phone": phone}
        changed = [name for name, value in account.items() if value is not None]
        for name in changed:
            setattr(user, name, account[name])
        if changed:
            user.save(update_fields=changed)
        preferences = {
            "preferred_currency": preferred_currency,
            "email_notifications": email_notifications,
        }
        changed = [name for name, value in preferences.items() if value is not None]
        if changed:
            CustomerProfile.objects.get_or_create(user_id=user.pk)
            profile = CustomerProfile.objects.select_for_update().get(user_id=user.pk)
            for name in changed:
                setattr(profile, name, preferences[name])
            profile.save(update_fields=[*changed, "updated_at"])
    return user


def issue_tokens(user: User) -> dict[str, str]:
    refresh = RefreshToken.for_user(user)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def log_in(*, request: HttpRequest, email: str, password: str) -> tuple[User, dict[str, str]]:
    user = authenticate(request, email=normalize_email_address(email), password=password)
    if not isinstance(user, User):
        raise InvalidCredentialsError()
    update_last_login(User, user)
    return user, issue_tokens(user)


def refresh_tokens(*, refresh_token: str) -> dict[str, str]:
    """A new access token and a new refresh token; the presented one is blacklisted, so each
    refresh token works once. Refused when the token is invalid, expired or used, or when its
    user is gone or inactive (or, see SIMPLE_JWT, has changed their password since)."""
    with transaction.atomic():
        presented = _refresh_token(refresh_token)
        # Row lock on the token: a parallel refresh with the same token waits here until this
        # one commits its blacklist entry, then fails the blacklist check below. Without it,
        # both could pass the check and each mint a new pair.
        OutstandingToken.objects.select_for_update().filter(
            jti=presented[jwt_settings.JTI_CLAIM]
        ).first()
        try:
            presented.check_blacklist()
            # The same checks as for an access token: the user exists, is active and (with
            # CHECK_REVOKE_TOKEN) still has the password the token was issued under.
            user = JWTAuthentication().get_user(presented)
        except (TokenError, InvalidToken, AuthenticationFailed) as error:
            raise InvalidTokenError() from error
        if not isinstance(user, User):  # simplejwt types it as any user model
            raise InvalidTokenError()
        presented.blacklist()
        return issue_tokens(user)


def _refresh_token(raw: str) -> RefreshToken:
    try:
        return RefreshToken(raw)  # type: ignore[arg-type]
    except TokenError as error:
        raise InvalidTokenError() from error


def log_out(*, refresh_token: str) -> None:
    """Blacklists the refresh token, so it can never mint access tokens again."""
    try:
        RefreshToken(refresh_token).blacklist()  # type: ignore[arg-type]
    except TokenError as error:
        raise InvalidTokenError() from error


def apply_roles(roles: tuple[Role, ...]) -> dict[str, Any]:
    """Makes each role's group hold exactly its declared permissions. Idempotent."""
    wanted = {perm for role in roles for perm in role.permissions}
    available = _permissions_by_name(wanted)
    unknown = sorted(wanted - available.keys())
    if unknown:
        raise ValueError(f"Unknown permissions in accounts.roles: {', '.join(unknown)}")
    summary: dict[str, Any] = {}
    with transaction.atomic():
        for role in roles:
            group, created = Group.objects.get_or_create(name=role.name)
            group.permissions.set([available[name] for name in role.permissions])
            summary[role.name] = {"created": created, "permissions": len(role.permissions)}
    return summary


def _permissions_by_name(names: set[str]) -> dict[str, Permission]:
    if not names:
        return {}
    query = Q()
    for name in names:
        app_label, _, codename = name.partition(".")
        query |= Q(content_type__app_label=app_label, codename=codename)
    return {
        f"{perm.content_type.app_label}.{perm.codename}": perm
        for perm in Permission.objects.filter(query).select_related("content_type")
    }
