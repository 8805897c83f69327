"""Reads for accounts: what a signed-in customer sees of themself."""

from dataclasses import dataclass
from datetime import datetime

from accounts.models import CustomerProfile, User


@dataclass(frozen=True)
class CustomerDetails:
    id: str
    email: str
    email_verified: bool
    full_name: str
    phone: str
    preferred_currency: str
    email_notifications: bool
    date_joined: datetime


def customer_details(user: User) -> CustomerDetails:
    """The account and its preferences; a customer without a profile yet (one is made on
    their first order or change) sees the defaults."""
    profile = CustomerProfile.objects.filter(user=user).first() or CustomerProfile(user=user)
    return CustomerDetails(
        id=str(user.pk),
        email=user.email,
        email_verified=user.email_verified_at is not None,
        full_name=user.full_name,
        phone=user.phone,
        preferred_currency=profile.preferred_currency,
        email_notifications=profile.email_notifications,
        date_joined=user.date_joined,
    )
