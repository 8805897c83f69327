"""The acquisition fields the API's checkout and register accept: an app tells us the campaign
and the referring site that brought the customer, as the shop learns them from a landing page.
Too long or malformed values are refused (VALIDATION_ERROR) rather than cut, so an app learns
of its bug; what passes is cleaned by the shop's one rule (accounts.acquisition)."""

from typing import Any

from rest_framework import serializers
from rest_framework.request import Request

from accounts.acquisition import CAMPAIGN_TEXT_LENGTH, Touch, own_hosts, referrer_host_of

REFERRER_URL_LENGTH = 2048  # what browsers send in a Referer header, about


def _campaign_field(name: str, example: str) -> serializers.CharField:
    return serializers.CharField(
        max_length=CAMPAIGN_TEXT_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text=f"The landing page's `{name}` (e.g. `{example}`); optional. Whitespace is "
        "collapsed and, for source and medium, lower-cased.",
    )


class AcquisitionInput(serializers.Serializer[Any]):
    """Mixed into an endpoint's input: the touch that brought the customer."""

    utm_source = _campaign_field("utm_source", "newsletter")
    utm_medium = _campaign_field("utm_medium", "email")
    utm_campaign = _campaign_field("utm_campaign", "Bali-May")
    referrer = serializers.CharField(
        max_length=REFERRER_URL_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text="The page or site that referred the customer: a URL "
        "(`https://www.example.com/post`) or a host (`example.com`); only its host is kept, "
        "without `www.` or a port. Our own site is not a referrer.",
    )

    def validate_referrer(self, value: str) -> str:
        if referrer_host_of(value) is None:
            raise serializers.ValidationError(
                "Give a URL (https://example.com/page) or a host name (example.com)."
            )
        return value


def touch_from(data: dict[str, Any], request: Request) -> Touch:
    """The cleaned touch of validated AcquisitionInput data."""
    return Touch.cleaned(
        source=data.get("utm_source", ""),
        medium=data.get("utm_medium", ""),
        campaign=data.get("utm_campaign", ""),
        referrer=data.get("referrer", ""),
        own=own_hosts(request.get_host()),
    )
