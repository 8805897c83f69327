"""The shop's forms: the catalogue filters (read from the URL, so a filtered page can be
shared), the basket's lines, the checkout and the account pages."""

from typing import Any

from django import forms

from catalog import selectors
from storefront.basket import MAX_QUANTITY

GB = 1024**3
DATA_CHOICES = [
    ("", "Any amount"),
    ("1", "1 GB or more"),
    ("3", "3 GB or more"),
    ("5", "5 GB or more"),
    ("10", "10 GB or more"),
    ("20", "20 GB or more"),
]
DAYS_CHOICES = [
    ("", "Any validity"),
    ("7", "7 days or more"),
    ("15", "15 days or more"),
    ("30", "30 days or more"),
]
SORT_CHOICES = [
    ("sort_order", "Recommended"),
    ("price", "Price: low to high"),
    ("-price", "Price: high to low"),
    ("-volume", "Data: most first"),
    ("volume", "Data: least first"),
]


class PackageFilterForm(forms.Form):
    q = forms.CharField(label="Search", max_length=100, required=False)
    gb = forms.TypedChoiceField(
        label="Data", choices=DATA_CHOICES, required=False, coerce=int, empty_value=None
    )
    days = forms.TypedChoiceField(
        label="Validity", choices=DAYS_CHOICES, required=False, coerce=int, empty_value=None
    )
    max_price = forms.IntegerField(
        label="Highest price", min_value=0, max_value=100_000_000, required=False
    )
    sort = forms.ChoiceField(label="Sort by", choices=SORT_CHOICES, required=False)
    page = forms.IntegerField(min_value=1, max_value=10_000, required=False)

    def package_filters(
        self, *, currency: str, country: str | None, region: str | None
    ) -> selectors.PackageFilters:
        """The filters that passed validation (a bad one is shown as an error and ignored)."""
        data: dict[str, Any] = self.cleaned_data if self.is_bound else {}
        max_price = data.get("max_price")
        return selectors.PackageFilters(
            currency=currency,
            country=country,
            region=region,
            q=data.get("q") or None,
            min_volume_bytes=data["gb"] * GB if data.get("gb") else None,
            min_duration=data.get("days"),
            # Shoppers type whole dollars or rupiah; the catalogue filters in minor units.
            max_price=None if max_price is None else max_price * (100 if currency == "USD" else 1),
            sort=data.get("sort") or "sort_order",
        )

    @property
    def page_number(self) -> int:
        return (self.cleaned_data.get("page") if self.is_bound else None) or 1

    def clean(self) -> dict[str, Any]:
        # Keep the valid filters of a partly wrong URL: drop only the fields in error.
        cleaned = super().clean() or {}
        return {name: value for name, value in cleaned.items() if name not in self.errors}


class AddToBasketForm(forms.Form):
    package = forms.CharField(max_length=100, widget=forms.HiddenInput)
    quantity = forms.IntegerField(label="Quantity", min_value=1, max_value=MAX_QUANTITY, initial=1)


class BasketLineForm(forms.Form):
    package = forms.CharField(max_length=100, widget=forms.HiddenInput)
    quantity = forms.IntegerField(label="Quantity", min_value=0, max_value=MAX_QUANTITY)


class CheckoutForm(forms.Form):
    email = forms.EmailField(
        label="Email", max_length=254, help_text="Your eSIM and receipt are sent here."
    )
    name = forms.CharField(label="Name", max_length=100, required=False)
    code = forms.CharField(label="Promo code", max_length=50, required=False)
    points = forms.IntegerField(
        label="Points to use", min_value=0, max_value=100_000_000, required=False
    )


class SignInForm(forms.Form):
    email = forms.EmailField(label="Email", max_length=254)
    password = forms.CharField(label="Password", strip=False, widget=forms.PasswordInput)


class SignUpForm(forms.Form):
    full_name = forms.CharField(label="Name", max_length=100, required=False)
    email = forms.EmailField(label="Email", max_length=254)
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput,
        help_text="At least 8 characters, not a common password, not only digits.",
    )


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(label="Email", max_length=254)


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput,
        help_text="To confirm it is you.",
    )
