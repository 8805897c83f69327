"""Forms of the pricing console's own pages. Admins type dollars and percentages; the forms
turn them into cents and basis points exactly (Decimal, never float)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from pricing.base_prices import MAX_IMPORT_ROWS
from pricing.models import PriceSchedule
from pricing.services import SCHEDULE_FIELDS

MAX_CSV_BYTES = 2 * 1024 * 1024
REASON_HELP = "Why; kept in the price history."


def _whole(amount: Decimal, scale: int) -> int:
    return int(amount * scale)


class BasePriceChangeForm(forms.Form):
    BY_PERCENTAGE = "percentage"
    TO_VALUE = "value"

    mode = forms.ChoiceField(
        choices=[(BY_PERCENTAGE, "Change by a percentage"), (TO_VALUE, "Set to a price")],
        widget=forms.RadioSelect,
        initial=BY_PERCENTAGE,
    )
    percentage = forms.DecimalField(
        required=False,
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("-99.99"),
        max_value=Decimal("1000"),
        help_text="E.g. 10 for 10 % dearer, -15 for 15 % cheaper. IDR prices move alike.",
    )
    price_usd = forms.DecimalField(
        required=False, max_digits=9, decimal_places=2, min_value=Decimal(0), label="Price (USD)"
    )
    price_idr = forms.IntegerField(
        required=False,
        min_value=0,
        label="Price (IDR)",
        help_text="Blank: converted from USD at the current rate and rounded.",
    )
    reason = forms.CharField(max_length=255, help_text=REASON_HELP)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("mode") == self.BY_PERCENTAGE and data.get("percentage") in (None, 0):
            self.add_error("percentage", "Give the percentage.")
        if data.get("mode") == self.TO_VALUE and data.get("price_usd") is None:
            self.add_error("price_usd", "Give the USD price.")
        return data

    def change_bps(self) -> int:
        return _whole(self.cleaned_data["percentage"], 100)

    def usd_cents(self) -> int:
        return _whole(self.cleaned_data["price_usd"], 100)


class PromotionForm(forms.ModelForm):  # type: ignore[type-arg]
    """The terms of one schedule, given to every selected package (the package is not a field,
    so the model's checks run on the terms alone)."""

    reason = forms.CharField(max_length=255, required=False, help_text=REASON_HELP)

    class Meta:
        model = PriceSchedule
        fields = SCHEDULE_FIELDS
        widgets = {
            "starts_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "ends_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
        }

    def terms(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self._meta.fields or ()}


class ImportPricesForm(forms.Form):
    file = forms.FileField(required=False, help_text="A CSV exported here, with prices edited.")
    csv_text = forms.CharField(required=False, widget=forms.HiddenInput)
    reason = forms.CharField(max_length=255, required=False, help_text=REASON_HELP)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("file")
        if upload is not None:
            if upload.size > MAX_CSV_BYTES:
                raise forms.ValidationError(f"The file is over {MAX_CSV_BYTES // 1024:,} KiB.")
            try:
                data["csv_text"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError as error:
                raise forms.ValidationError("The file is not UTF-8 text.") from error
        if not data.get("csv_text"):
            raise forms.ValidationError(f"Choose a CSV file (at most {MAX_IMPORT_ROWS:,} rows).")
        return data

    def text(self) -> str:
        return str(self.cleaned_data["csv_text"])
