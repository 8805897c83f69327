"""Users (customers and staff alike, logging in by email) and the admin audit trail."""

import uuid
from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone


def normalize_email_address(email: str) -> str:
    """Emails are compared case-insensitively; we store them trimmed and lower-cased."""
    return email.strip().lower()


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> "User":
        return self.get(email__iexact=normalize_email_address(username or ""))

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> "User":
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=normalize_email_address(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> "User":
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: a customer, or staff when `is_staff` (their groups say what they
    may manage in Admin)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField("email address", max_length=254, unique=True)
    full_name = models.CharField(max_length=255, blank=True)
    phone = models.CharField(max_length=50, blank=True)
    is_staff = models.BooleanField(
        default=False, help_text="Can log into Admin; what they see there depends on their roles."
    )
    is_active = models.BooleanField(default=True)
    email_verified_at = models.DateTimeField(
        null=True, blank=True, help_text="When the customer proved the email is theirs."
    )
    date_joined = models.DateTimeField(default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        constraints = [
            # Emails are stored lower-cased, but the database guards the rule itself. UPPER()
            # because that is what Django's `email__iexact` compiles to, so lookups use it.
            models.UniqueConstraint(Upper("email"), name="user_email_unique_ignoring_case"),
        ]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = normalize_email_address(self.email)


class CustomerProfile(models.Model):
    """What a customer keeps with us beyond signing in (plan section 3.1, user_profiles): their
    preferences, their order statistics, and their points balance. The points figures change
    only together with a row of the points ledger (points.services), under this row's lock."""

    class Currency(models.TextChoices):
        USD = "USD", "US dollar"
        IDR = "IDR", "Indonesian rupiah"

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    preferred_currency = models.CharField(
        max_length=3, choices=Currency.choices, default=Currency.USD
    )
    email_notifications = models.BooleanField(default=True)

    points_balance = models.PositiveIntegerField(default=0)
    # Held by unpaid orders that redeem points: still in the balance, but not spendable twice.
    points_reserved = models.PositiveIntegerField(default=0)
    total_points_earned = models.PositiveIntegerField(default=0)
    total_points_spent = models.PositiveIntegerField(default=0)
    total_points_expired = models.PositiveIntegerField(default=0)

    total_orders = models.PositiveIntegerField(default=0)
    total_spent_cents = models.PositiveBigIntegerField(default=0)
    first_order_at = models.DateTimeField(null=True, blank=True)
    last_order_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(points_reserved__lte=models.F("points_balance")),
                name="profile_reserved_points_within_balance",
            ),
        ]

    def __str__(self) -> str:
        return f"Profile of {self.user_id}"

    @property
    def points_available(self) -> int:
        """What the customer may redeem now: the balance less what unpaid orders hold."""
        return self.points_balance - self.points_reserved


class AdminAuditEntry(models.Model):
    """One change made through Admin: who, when, to what, and the values before and after.
    Written by accounts.audit, never edited (plan: admin_audit_log)."""

    class Action(models.TextChoices):
        ADD = "add", "Added"
        CHANGE = "change", "Changed"
        DELETE = "delete", "Deleted"
        ACTION = "action", "Admin action"

    actor = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="admin_audit_entries"
    )
    actor_email = models.EmailField(help_text="Kept even if the staff account is removed.")
    action = models.CharField(max_length=20, choices=Action.choices)
    action_name = models.CharField(
        max_length=100, blank=True, help_text="For admin actions: which one (e.g. 'cancel_order')."
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200)
    old_values = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    new_values = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "admin audit entry"
        verbose_name_plural = "admin audit trail"
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=["actor", "-created_at"], name="audit_by_actor"),
            models.Index(
                fields=["content_type", "object_id", "-created_at"], name="audit_by_object"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.actor_email} {self.action} {self.object_repr}"


class TouchRecordedBy(models.TextChoices):
    CHECKOUT = "checkout", "Checkout"
    SIGN_UP = "sign_up", "Sign-up"


class FirstTouch(models.Model):
    """Where a person came from the first time we learnt their email (at checkout or sign-up),
    kept once per verified-email identity. Pseudonymous: only the email's hash is stored."""

    email_hash = models.CharField(
        max_length=32, unique=True, help_text="MD5 hex of the normalised email address."
    )
    utm_source = models.CharField(max_length=100, blank=True, default="")
    utm_medium = models.CharField(max_length=100, blank=True, default="")
    utm_campaign = models.CharField(max_length=100, blank=True, default="")
    referrer_host = models.CharField(max_length=255, blank=True, default="")
    recorded_at = models.DateTimeField()
    recorded_by = models.CharField(max_length=10, choices=TouchRecordedBy.choices)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(recorded_by__in=TouchRecordedBy.values),
                name="first_touch_recorded_by_known",
            ),
        ]

    def __str__(self) -> str:
        source = self.utm_source or self.referrer_host or "direct"
        return f"First touch {self.email_hash} ({source})"
